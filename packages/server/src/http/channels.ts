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

/** A channel's fields, as a set sends them; PubNub names them `channel.<field>` in its errors. */
const ChannelBody = Type.Object(
  {
    name: textField(`The channel's display name: not blank, ${MAX_TEXT}`),
    description: textField(`The channel's description, ${MAX_TEXT}`),
    status: statusField('channel'),
    type: typeField('channel'),
    custom: customField('channel'),
  },
  { description: `The channel's fields to set. ${BODY_RULES}`, [FIELD_PREFIX]: KIND_NAMES.channel.fieldPrefix },
);

/** Channels' metadata (App Context): get all, get, set and remove. */
export const channelRoutes: RoutePlugin = async (app, { context }) => {
  const schemas = objectSchemas('channel', ChannelBody);

  app.get('/v2/objects/:subKey/channels', { schema: schemas.list, config }, (request) =>
    inOrder(context, request, {
      parse() {
        return { keyset: keysetOf(context, request.params) };
      },
      auth() {
        return listing('channel');
      },
      validate({ keyset }) {
        return parseListCommand(request.query, keyset, 'channels');
      },
      run(command) {
        return context.objects.list('channel', command);
      },
    }),
  );

  app.get('/v2/objects/:subKey/channels/:id', { schema: schemas.get, config }, (request) =>
    inOrder(context, request, {
      parse() {
        return parseObjectPath(context, request.params, 'channel');
      },
      auth({ id }) {
        return needs(() => [need('get', 'channel', id)]);
      },
      validate() {
        return objectFields(request.query);
      },
      run(fields, { keyset, id }) {
        return context.objects.get('channel', keyset, id, fields);
      },
    }),
  );

  app.patch('/v2/objects/:subKey/channels/:id', { schema: schemas.set, config, ...objectBodyLimit(context) }, (request) =>
    inOrder(context, request, {
      parse() {
        return parseObjectPath(context, request.params, 'channel');
      },
      auth({ id }) {
        return needs(() => [need('update', 'channel', id)]);
      },
      validate({ keyset }) {
        return { patch: parseObjectPatch('channel', request.body, keyset.limits), fields: objectFields(request.query) };
      },
      run({ patch, fields }, { keyset, id }) {
        return context.objects.set('channel', keyset, id, patch, writeRules(request), fields);
      },
    }),
  );

  app.delete('/v2/objects/:subKey/channels/:id', { schema: schemas.remove, config }, (request) =>
    inOrder(context, request, {
      parse() {
        return parseObjectPath(context, request.params, 'channel');
      },
      auth({ id }) {
        return needs(() => [need('delete', 'channel', id)]);
      },
      validate() {
        return ifMatch(request);
      },
      async run(eTag, { keyset, id }) {
        return { status: 200, data: await context.objects.remove('channel', keyset, id, eTag) };
      },
    }),
  );
};
