import Type, { type TSchema } from 'typebox';
import type { Service } from './error-envelope.ts';

/**
 * What routes answer, as TypeBox schemas: each route declares its successful answers in its
 * `schema.response` (Fastify's form, with the media type), and the error envelope of its service
 * follows from `config.service` (`ERRORS`). Fastify does not check answers against them (the
 * serializer compiler of app.ts serializes as without a schema); `GET /openapi.json` publishes
 * them, and openapi.test.ts holds real answers to them.
 */

/** What App Context and the operations routes answer with. */
export const JSON_MEDIA = 'application/json';
/** What PubNub's publish, subscribe, presence, time and Access Manager endpoints answer with (JSON text). */
export const JS_MEDIA = 'text/javascript';

/** A route's answer with status `description`, its body matching `schema`: for `schema.response`. */
export const answer = (description: string, schema: TSchema, media: string = JSON_MEDIA) => ({ description, content: { [media]: { schema } } });

const nullable = (schema: TSchema, description?: string) => Type.Union([schema, Type.Null()], description === undefined ? {} : { description });
const Text = (description: string) => nullable(Type.String(), description);
const Custom = Type.Record(Type.String(), Type.Union([Type.String(), Type.Number(), Type.Boolean(), Type.Null()]), {
  description: 'Custom data: a flat object of scalars.',
});

/** The fields every stored object and membership answers with; `status`, `type` and `custom` only when asked for with `include`. */
const COMMON = {
  status: Type.Optional(Text('Present when `include` asks for `status`.')),
  type: Type.Optional(Text('Present when `include` asks for `type`.')),
  custom: Type.Optional(nullable(Custom, 'Present when `include` asks for `custom`.')),
  updated: Type.String({ description: 'RFC 3339 time of the last change, with microseconds.' }),
  eTag: Type.String({ description: 'Version tag, for `If-Match`.' }),
};

const UUID_FIELDS = {
  name: Text("The user's name."),
  externalId: Text('Id in another system.'),
  profileUrl: Text('Picture or page URL.'),
  email: Text('Email address.'),
};
const CHANNEL_FIELDS = { name: Text("The channel's name."), description: Text("The channel's description.") };

export const UserObject = Type.Object({ id: Type.String(), ...UUID_FIELDS, ...COMMON }, { description: 'A user (uuid).' });
export const ChannelObject = Type.Object({ id: Type.String(), ...CHANNEL_FIELDS, ...COMMON }, { description: 'A channel.' });

/** The object a membership names: `{id}`, with its fields when `include` asks for it and it is stored. */
const related = (fields: Record<string, TSchema>, description: string) =>
  Type.Object(
    { id: Type.String(), ...Object.fromEntries(Object.entries({ ...fields, ...COMMON }).map(([key, schema]) => [key, Type.Optional(schema)])) },
    { description },
  );

export const MembershipObject = Type.Object(
  { channel: related(CHANNEL_FIELDS, 'The channel of the membership.'), ...COMMON },
  { description: 'A channel the user belongs to.' },
);
export const MemberObject = Type.Object({ uuid: related(UUID_FIELDS, 'The user of the membership.'), ...COMMON }, { description: 'A user in the channel.' });

/** `{"status":200,"data":…}` */
export const objectAnswer = (data: TSchema) => Type.Object({ status: Type.Literal(200), data });

/** A page: `next` whenever it has rows, `prev` past the first page, `totalCount` with `count=true`. */
export const listAnswer = (item: TSchema) =>
  Type.Object({
    status: Type.Literal(200),
    data: Type.Array(item),
    totalCount: Type.Optional(Type.Integer({ minimum: 0, description: 'The number of items the filter matches, with `count=true`.' })),
    next: Type.Optional(Type.String({ description: 'Cursor of the next page (`start`).' })),
    prev: Type.Optional(Type.String({ description: 'Cursor of the previous page (`end`).' })),
  });

const Timetoken = Type.String({ pattern: '^\\d+$', description: 'A timetoken: 17 digits, 100 ns since the epoch.' });

/** `[1,"Sent","17…"]` */
export const PublishAnswer = Type.Array(Type.Union([Type.Integer(), Type.String()]), {
  minItems: 3,
  maxItems: 3,
  description: 'Published: `[1, "Sent", timetoken]`.',
});

export const SubscribeAnswer = Type.Object(
  {
    t: Type.Object({ t: Timetoken, r: Type.Integer({ description: 'Region.' }) }, { description: 'The cursor to poll from next.' }),
    m: Type.Array(
      Type.Object(
        {
          p: Type.Object({ t: Timetoken, r: Type.Integer() }, { description: 'Publish timetoken.' }),
          c: Type.String({ description: 'Channel.' }),
          d: Type.Unknown({ description: 'The message, or the App Context event.' }),
          e: Type.Optional(Type.Integer({ description: 'Envelope type: 2 for an App Context event; absent for a message.' })),
          i: Type.Optional(Type.String({ description: "Publisher's user id." })),
          u: Type.Optional(Type.Unknown({ description: 'Publish `meta`.' })),
          b: Type.Optional(Type.String({ description: 'Subscription match.' })),
          cmt: Type.Optional(Type.String({ description: 'Custom message type.' })),
        },
        { description: 'An envelope.' },
      ),
      { description: 'Envelopes after the cursor polled with.' },
    ),
  },
  { description: 'A subscribe answer.' },
);

export const TimeAnswer = Type.Array(Type.Integer(), { minItems: 1, maxItems: 1, description: '`[timetoken]`, the timetoken as a JSON number.' });

export const PresenceAnswer = Type.Object({
  status: Type.Literal(200),
  message: Type.Literal('OK'),
  action: Type.Optional(Type.Literal('leave')),
  service: Type.Literal('Presence'),
});

const PresentUuid = Type.Union([Type.String(), Type.Object({ uuid: Type.String(), state: Type.Optional(Type.Record(Type.String(), Type.Unknown())) })], {
  description: 'A present uuid: its id, or `{uuid, state}` with `state=1` (`state` only when one is set).',
});
const PresenceOK = { status: Type.Literal(200), message: Type.Literal('OK'), service: Type.Literal('Presence') };

/** Here-now of one channel and no channel group: `{"status":200,"message":"OK","service":"Presence","uuids":[…],"occupancy":n}`. */
export const HereNowChannelAnswer = Type.Object(
  {
    ...PresenceOK,
    uuids: Type.Optional(Type.Array(PresentUuid, { description: 'The page `offset`/`limit` of present uuids, sorted; left out with `disable_uuids=1`.' })),
    occupancy: Type.Integer({ minimum: 0, description: 'How many uuids are present.' }),
  },
  { description: 'Who is present on one channel.' },
);

/** Here-now of several channels or of channel groups. */
export const HereNowChannelsAnswer = Type.Object(
  {
    ...PresenceOK,
    payload: Type.Object({
      channels: Type.Record(Type.String(), Type.Object({ uuids: Type.Optional(Type.Array(PresentUuid)), occupancy: Type.Integer({ minimum: 0 }) }), {
        description: 'Per channel asked for (through its groups too): who is present.',
      }),
      total_channels: Type.Integer({ minimum: 0 }),
      total_occupancy: Type.Integer({ minimum: 0 }),
    }),
  },
  { description: 'Who is present on several channels.' },
);

/** Where-now: `{"status":200,"message":"OK","payload":{"channels":[…]},"service":"Presence"}`. */
export const WhereNowAnswer = Type.Object(
  { ...PresenceOK, payload: Type.Object({ channels: Type.Array(Type.String()) }) },
  { description: 'The channels a uuid is present on.' },
);

const PresenceState = Type.Record(Type.String(), Type.Unknown(), { description: 'A presence state: a JSON object.' });

/** Set state: the state as set. */
export const SetStateAnswer = Type.Object({ ...PresenceOK, payload: PresenceState }, { description: 'The state set.' });

/** Get state: one channel's state, or (several channels, or groups) `payload.channels`. */
export const GetStateAnswer = Type.Object(
  {
    ...PresenceOK,
    uuid: Type.String(),
    channel: Type.Optional(Type.String({ description: 'The channel, when one was asked for and no group.' })),
    payload: Type.Union([Type.Object({ channels: Type.Record(Type.String(), PresenceState) }), PresenceState], {
      description: "The uuid's state on the one channel asked for; else `{channels: {channel: state}}` for those with one.",
    }),
  },
  { description: "A uuid's presence state." },
);

const Registry = { service: Type.Literal('channel-registry'), error: Type.Literal(false), status: Type.Literal(200) };

/** A channel registry write: `{"error":false,"message":"OK","service":"channel-registry","status":200}`. */
export const RegistryWriteAnswer = Type.Object({ ...Registry, message: Type.Literal('OK') }, { description: 'Done.' });

/** The channels of a group. */
export const GroupChannelsAnswer = Type.Object(
  { ...Registry, payload: Type.Object({ channels: Type.Array(Type.String(), { description: 'Sorted by name.' }), group: Type.String() }) },
  { description: "A channel group's channels." },
);

/** The groups of a keyset. */
export const GroupsAnswer = Type.Object(
  { ...Registry, payload: Type.Object({ groups: Type.Array(Type.String(), { description: 'Sorted by name.' }), sub_key: Type.String() }) },
  { description: "The keyset's channel groups." },
);

export const GrantAnswer = Type.Object({
  data: Type.Object({ message: Type.Literal('Success'), token: Type.Optional(Type.String({ description: 'The new token (grant).' })) }),
  service: Type.Literal('Access Manager'),
  status: Type.Literal(200),
});

// Error envelopes (error-envelope.ts `toWireError`) -------------------------------------------

const ErrorDetail = Type.Object({
  message: Type.String(),
  location: Type.String({ description: 'The field at fault: `user.email`, `limit`, `set[0].channel.id`…' }),
  locationType: Type.Union([Type.Literal('body'), Type.Literal('query'), Type.Literal('path'), Type.Literal('header')]),
});

/** Every error envelope, by name: the OpenAPI document's `components.schemas`. */
export const ERROR_SCHEMAS = {
  ObjectsError: Type.Object(
    {
      status: Type.Integer(),
      error: Type.Object({ message: Type.String(), source: Type.Literal('objects'), details: Type.Optional(Type.Array(ErrorDetail)) }),
    },
    { description: 'App Context refusals: `details` names the fields at fault.' },
  ),
  ServiceError: Type.Object(
    {
      message: Type.String(),
      payload: Type.Optional(Type.Unknown({ description: 'What an Access Manager refusal names (channels, uuids).' })),
      error: Type.Literal(true),
      service: Type.String({ description: "`Publish`, `Subscribe`, `Presence`, `Time` or `Access Manager` (every 403, the channel registry's too)." }),
      status: Type.Integer(),
    },
    { description: 'Refusals of publish (403 and 5xx), subscribe, presence, time and Access Manager.' },
  ),
  PublishRefusal: Type.Array(Type.Union([Type.Integer(), Type.String()]), {
    minItems: 2,
    description: 'A refused publish (4xx but 403): `[0, reason, …details]`.',
  }),
  GrantRefusal: Type.Object(
    {
      error: Type.Object({ message: Type.String(), source: Type.Literal('grant'), details: Type.Array(ErrorDetail) }),
      service: Type.Literal('Access Manager'),
      status: Type.Literal(400),
    },
    { description: 'A grant request whose fields are wrong.' },
  ),
  HistoryError: Type.Object(
    {
      status: Type.Integer(),
      error: Type.Literal(true),
      error_message: Type.String({ description: 'What is wrong, naming the parameter at fault.' }),
      channels: Type.Object({}),
    },
    { description: 'Message Persistence refusals (history, message counts, delete) but 403.' },
  ),
  ActionsError: Type.Object(
    {
      status: Type.Integer(),
      error: Type.Object({ message: Type.String(), source: Type.Literal('actions'), details: Type.Optional(Type.Array(ErrorDetail)) }),
    },
    { description: 'Message Actions refusals but 403: `details` names the field at fault.' },
  ),
  RegistryError: Type.Object(
    {
      error: Type.Literal(true),
      message: Type.String({ description: 'What is wrong.' }),
      details: Type.Optional(Type.Array(ErrorDetail)),
      payload: Type.Optional(Type.Unknown({ description: 'What an Access Manager refusal names (`channel-groups`).' })),
      service: Type.Union([Type.Literal('channel-registry'), Type.Literal('Access Manager')], { description: '`Access Manager` on a 403.' }),
      status: Type.Integer(),
    },
    { description: 'Channel registry refusals, in JSON: `details` names the field at fault; a 403 is Access Manager’s.' },
  ),
  PlainError: Type.Object(
    { status: Type.Integer(), error: Type.Literal(true), message: Type.String() },
    { description: 'Refusals on paths of no PubNub service.' },
  ),
};

type ErrorName = keyof typeof ERROR_SCHEMAS;

/** Per service, the envelopes its refusals come in, and their media type. */
export const ERRORS: Record<Service, { media: string; schemas: readonly ErrorName[] }> = {
  objects: { media: JSON_MEDIA, schemas: ['ObjectsError'] },
  publish: { media: JS_MEDIA, schemas: ['PublishRefusal', 'ServiceError'] },
  subscribe: { media: JS_MEDIA, schemas: ['ServiceError'] },
  presence: { media: JS_MEDIA, schemas: ['ServiceError'] },
  time: { media: JS_MEDIA, schemas: ['ServiceError'] },
  'access-manager': { media: JS_MEDIA, schemas: ['GrantRefusal', 'ServiceError'] },
  history: { media: JS_MEDIA, schemas: ['HistoryError', 'ServiceError'] },
  actions: { media: JSON_MEDIA, schemas: ['ActionsError', 'ServiceError'] },
  'channel-registry': { media: JSON_MEDIA, schemas: ['RegistryError'] },
  plain: { media: JSON_MEDIA, schemas: ['PlainError'] },
};
