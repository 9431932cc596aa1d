import Type from 'typebox';
import { need } from '../auth/authorize.ts';
import { parseObjectPatch } from '../objects/validate.ts';
import { objectBodyLimit } from './body.ts';
import { keysetOf, type RoutePlugin } from './context.ts';
import {
  BODY_RULES,
  customField,
  ifMatch,
  KIND_NAMES,
  MAX_TEXT,
  objectSchemas,
  parseObjectPath,
  statusField,
  textField,
  typeField,
  writeRules,
} from './object-routes.ts';
import { objectFields, parseListCommand } from './params.ts';
import { inOrder, listing, needs } from './route-steps.ts';
import { FIELD_PREFIX } from './schema-errors.ts';

const config = { service: 'objects' } as const;

/** A user's fields, as a set sends them; PubNub names them `user.<field>` in its errors. */
const UuidBody = Type.Object(
  {
    name: textField(`The user's display name: not blank, ${MAX_TEXT}`),
    externalId: textField("The user's id in another system"),
    profileUrl: textField("The user's picture or page: an http:// or https:// URL with a host"),
    email: textField("The user's email address"),
    status: statusField('user'),
    type: typeField('user'),
    custom: customField('user'),
  },
  { description: `The user's fields to set. ${BODY_RULES}`, [FIELD_PREFIX]: KIND_NAMES.uuid.fieldPrefix },
);

/** Users' metadata (App Context): get all, get, set and remove. */
export const uuidRoutes: RoutePlugin = async (app, { context }) => {
  const schemas = objectSchemas('uuid', UuidBody);

  app.get('/v2/objects/:subKey/uuids', { schema: schemas.list, config }, (request) =>
    inOrder(context, request, {
      parse() {
        return { keyset: keysetOf(context, request.params) };
      },
      auth() {
        return listing('uuid');
      },
      validate({ keyset }) {
        return parseListCommand(request.query, keyset, 'uuids');
      },
      run(command) {
        return context.objects.list('uuid', command);
      },
    }),
  );

  app.get('/v2/objects/:subKey/uuids/:id', { schema: schemas.get, config }, (request) =>
    inOrder(context, request, {
      parse() {
        return parseObjectPath(context, request.params, 'uuid');
      },
      auth({ id }) {
        return needs(() => [need('get', 'uuid', id)]);
      },
      validate() {
        return objectFields(request.query);
      },
      run(fields, { keyset, id }) {
        return context.objects.get('uuid', keyset, id, fields);
      },
    }),
  );

  app.patch('/v2/objects/:subKey/uuids/:id', { schema: schemas.set, config, ...objectBodyLimit(context) }, (request) =>
    inOrder(context, request, {
      parse() {
        return parseObjectPath(context, request.params, 'uuid');
      },
      auth({ id }) {
        return needs(() => [need('update', 'uuid', id)]);
      },
      validate({ keyset }) {
        return { patch: parseObjectPatch('uuid', request.body, keyset.limits), fields: objectFields(request.query) };
      },
      run({ patch, fields }, { keyset, id }) {
        return context.objects.set('uuid', keyset, id, patch, writeRules(request), fields);
      },
    }),
  );

  app.delete('/v2/objects/:subKey/uuids/:id', { schema: schemas.remove, config }, (request) =>
    inOrder(context, request, {
      parse() {
        return parseObjectPath(context, request.params, 'uuid');
      },
      auth({ id }) {
        return needs(() => [need('delete', 'uuid', id)]);
      },
      validate() {
        return ifMatch(request);
      },
      async run(eTag, { keyset, id }) {
        return { status: 200, data: await context.objects.remove('uuid', keyset, id, eTag) };
      },
    }),
  );
};
