import type { FastifyRequest } from 'fastify';
import Type, { type TSchema } from 'typebox';
import type { Keyset } from '../model/keyset.ts';
import type { ObjectKind } from '../model/records.ts';
import type { Resource } from '../query/fields.ts';
import { checkId } from '../objects/validate.ts';
import { customMerge, header, keysetOf, type AppContext } from './context.ts';
import { answer, ChannelObject, listAnswer, MemberObject, MembershipObject, objectAnswer, UserObject } from './answers.ts';
import { listQuery, OBJECT_FIELDS_QUERY } from './params.ts';
import { CREDENTIAL_PARAMS, SubKeyParam } from './schema.ts';

/**
 * What the routes of users (uuids.ts) and channels (channels.ts) share, and their memberships'
 * (uuid-memberships.ts, channel-members.ts): the path's keyset and id, the schemas of bodies and
 * parameters, and PATCH's write rules. The routes themselves live in those four files.
 */

/** How PubNub names each kind on the wire: in paths, in body field locations, in prose. */
export const KIND_NAMES = {
  uuid: { collection: 'uuids', fieldPrefix: 'user.', noun: 'user' },
  channel: { collection: 'channels', fieldPrefix: 'channel.', noun: 'channel' },
} as const satisfies Record<ObjectKind, { collection: string; fieldPrefix: string; noun: string }>;

/** Parse step of a route under `/v2/objects/{sub}/{uuids|channels}/{id}`: its keyset and its id, held to the id rule. */
export function parseObjectPath(context: AppContext, params: { subKey: string; id: string }, kind: ObjectKind): { keyset: Keyset; id: string } {
  const keyset = keysetOf(context, params);
  return { keyset, id: checkId(params.id, kind, keyset.limits) };
}

/** `If-Match`, the eTag a write or delete needs. Empty is no condition: PubNub's SDKs send none for an empty eTag. */
export const ifMatch = (request: FastifyRequest): string | undefined => header(request, 'if-match') || undefined;

/** A PATCH's conditions: `If-Match`, and `Roster-Custom-Merge`. */
export const writeRules = (request: FastifyRequest) => ({ ifMatch: ifMatch(request), merge: customMerge(request) });

// Schemas ----------------------------------------------------------------------------------------

export const MAX_TEXT = 'at most 2,048 characters';
const MAX_SHORT_TEXT = 'at most 50 characters';

/** A text field of a body: a string, or null to clear it. */
export const textField = (description: string) => Type.Optional(Type.Union([Type.String(), Type.Null()], { description: `${description}; null clears it.` }));

const CustomValue = Type.Union([Type.String(), Type.Number(), Type.Boolean(), Type.Null()]);

/** `custom`: a flat object of scalars, replaced whole (unless `Roster-Custom-Merge: true`). */
export const customField = (owner: string) =>
  Type.Optional(
    Type.Union([Type.Record(Type.String(), CustomValue), Type.Null()], {
      description: `The ${owner}'s custom data: a flat object of string, number, boolean or null values, replaced whole; null clears it.`,
    }),
  );

export const statusField = (owner: string) => textField(`The ${owner}'s status, ${MAX_SHORT_TEXT}`);
export const typeField = (owner: string) => textField(`The ${owner}'s type, ${MAX_SHORT_TEXT}`);

/** What a body schema says of fields it does not list and fields it leaves out. */
export const BODY_RULES = 'Fields absent from the body stay as they are; unknown fields are ignored.';

const IfMatch = Type.Optional(Type.String({ description: 'The eTag the object must still have; otherwise a 412 and nothing changes.' }));
const CustomMerge = Type.Optional(
  Type.String({ description: '`true` merges `custom` key by key, a null value removing its key, instead of replacing it (a Roster extension).' }),
);

/** The path of a user or channel, or of its memberships: the keyset and the object's id. */
export const objectParams = (kind: ObjectKind) =>
  Type.Object({
    subKey: SubKeyParam,
    id: Type.String({ description: `The ${KIND_NAMES[kind].noun} id: 1 to 92 characters (the keyset may set another limit), no control characters.` }),
  });

/** The schemas of get-all, get, set and remove of users or channels; `body` is the set's. */
export function objectSchemas<TBody extends TSchema>(kind: ObjectKind, body: TBody) {
  const params = objectParams(kind);
  const fields = Type.Object({ ...CREDENTIAL_PARAMS, ...OBJECT_FIELDS_QUERY });
  const { noun } = KIND_NAMES[kind];
  const object = kind === 'uuid' ? UserObject : ChannelObject;
  return {
    list: {
      summary: `List ${noun}s`,
      params: Type.Object({ subKey: SubKeyParam }),
      querystring: Type.Object({ ...CREDENTIAL_PARAMS, ...listQuery(KIND_NAMES[kind].collection) }),
      response: { 200: answer(`A page of ${noun}s.`, listAnswer(object)) },
    },
    get: { summary: `Get a ${noun}`, params, querystring: fields, response: { 200: answer(`The ${noun}.`, objectAnswer(object)) } },
    set: {
      summary: `Set a ${noun}'s fields, creating it if needed`,
      params,
      querystring: fields,
      headers: Type.Object({ 'if-match': IfMatch, 'roster-custom-merge': CustomMerge }),
      body,
      response: { 200: answer(`The ${noun} as stored.`, objectAnswer(object)) },
    },
    remove: {
      summary: `Remove a ${noun}`,
      params,
      querystring: Type.Object(CREDENTIAL_PARAMS),
      headers: Type.Object({ 'if-match': IfMatch }),
      response: { 200: answer('Removed (also when there was nothing to remove).', objectAnswer(Type.Null())) },
    },
  };
}

/** Memberships and members: whose list it is, and what its items name. */
const SIDES = {
  uuid: { resource: 'memberships', item: 'channel', legacyItem: 'space' },
  channel: { resource: 'members', item: 'uuid', legacyItem: 'user' },
} as const satisfies Record<ObjectKind, { resource: Resource; item: ObjectKind; legacyItem: string }>;

/** `{id}`: the user or channel a membership item names. */
const reference = (kind: ObjectKind, description: string) =>
  Type.Optional(Type.Object({ id: Type.String({ description: `The ${KIND_NAMES[kind].noun} id.` }) }, { description }));

/**
 * The schemas of a user's memberships (`side` uuid) or a channel's members (`side` channel):
 * list, and the PATCH that sets and deletes items (PubNub's set, remove and manage calls).
 */
export function membershipSchemas(side: ObjectKind) {
  const { resource, item, legacyItem } = SIDES[side];
  const owner = KIND_NAMES[item].noun === 'channel' ? 'membership' : 'member';
  const references = {
    [item]: reference(item, `The ${KIND_NAMES[item].noun} the item names.`),
    [legacyItem]: reference(item, `The older name of \`${item}\`, still accepted.`),
  };
  const setItem = Type.Object(
    { ...references, status: statusField(owner), type: typeField(owner), custom: customField(owner) },
    { description: `A ${owner} to add or update: it names its ${KIND_NAMES[item].noun} (\`${item}.id\`).` },
  );
  const deleteItem = Type.Object(references, { description: `A ${owner} to delete.` });
  const list = (schema: TSchema) =>
    Type.Optional(
      Type.Union([Type.Array(schema), Type.Null()], { description: 'At most 100 items (the keyset may set another limit) in `set` and `delete` together.' }),
    );
  const query = Type.Object({ ...CREDENTIAL_PARAMS, ...listQuery(resource) });
  const params = objectParams(side);
  const page = answer(`A page of the ${owner}s.`, listAnswer(side === 'uuid' ? MembershipObject : MemberObject));
  const whose = side === 'uuid' ? "a user's memberships" : "a channel's members";
  return {
    list: { summary: `List ${whose}`, params, querystring: query, response: { 200: page } },
    patch: {
      summary: `Set and delete ${whose}`,
      response: { 200: page },
      params,
      querystring: query,
      headers: Type.Object({ 'roster-custom-merge': CustomMerge }),
      body: Type.Object(
        { set: list(setItem), delete: list(deleteItem) },
        { description: `The ${owner}s to set and to delete; the answer is the list after the change, shaped by the query.` },
      ),
    },
  };
}
