import { need } from '../auth/authorize.ts';
import { parseMembershipBody } from '../objects/validate.ts';
import { membershipBodyLimit } from './body.ts';
import { customMerge, type RoutePlugin } from './context.ts';
import { membershipSchemas, parseObjectPath } from './object-routes.ts';
import { parseListCommand } from './params.ts';
import { inOrder, needs } from './route-steps.ts';

const config = { service: 'objects' } as const;

/** A channel's members (App Context): list them, and set and delete them in one PATCH (PubNub's set, remove and manage). */
export const channelMemberRoutes: RoutePlugin = async (app, { context }) => {
  const bodyLimit = membershipBodyLimit(context);
  const schemas = membershipSchemas('channel');

  app.get('/v2/objects/:subKey/channels/:id/uuids', { schema: schemas.list, config }, (request) =>
    inOrder(context, request, {
      parse() {
        return parseObjectPath(context, request.params, 'channel');
      },
      auth({ id }) {
        return needs(() => [need('get', 'channel', id)]);
      },
      validate({ keyset, id }) {
        return parseListCommand(request.query, keyset, 'members', id);
      },
      run(command) {
        return context.objects.listMemberships('channel', command);
      },
    }),
  );

  app.patch('/v2/objects/:subKey/channels/:id/uuids', { schema: schemas.patch, config, ...bodyLimit }, (request) =>
    inOrder(context, request, {
      // The body names the users touched, so it is read with the path, as a user's memberships PATCH is.
      parse() {
        const path = parseObjectPath(context, request.params, 'channel');
        return { ...path, body: parseMembershipBody('uuid', request.body, path.keyset.limits) };
      },
      auth({ id }) {
        return needs(() => [need('manage', 'channel', id)]);
      },
      validate({ keyset, id }) {
        return parseListCommand(request.query, keyset, 'members', id);
      },
      run(command, { keyset, id, body }) {
        return context.objects.patchMemberships('channel', keyset, id, body, customMerge(request), command);
      },
    }),
  );
};
