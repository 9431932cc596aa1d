import { need, type Need } from '../auth/authorize.ts';
import { parseMembershipBody, type MembershipBody } from '../objects/validate.ts';
import { membershipBodyLimit } from './body.ts';
import { customMerge, type RoutePlugin } from './context.ts';
import { membershipSchemas, parseObjectPath } from './object-routes.ts';
import { parseListCommand } from './params.ts';
import { inOrder, needs } from './route-steps.ts';

const config = { service: 'objects' } as const;

/** A user's memberships (App Context): list them, and set and delete them in one PATCH (PubNub's set, remove and manage). */
export const uuidMembershipRoutes: RoutePlugin = async (app, { context }) => {
  const bodyLimit = membershipBodyLimit(context);
  const schemas = membershipSchemas('uuid');

  app.get('/v2/objects/:subKey/uuids/:id/channels', { schema: schemas.list, config }, (request) =>
    inOrder(context, request, {
      parse() {
        return parseObjectPath(context, request.params, 'uuid');
      },
      auth({ id }) {
        return needs(() => [need('get', 'uuid', id)]);
      },
      validate({ keyset, id }) {
        return parseListCommand(request.query, keyset, 'memberships', id);
      },
      run(command) {
        return context.objects.listMemberships('uuid', command);
      },
    }),
  );

  app.patch('/v2/objects/:subKey/uuids/:id/channels', { schema: schemas.patch, config, ...bodyLimit }, (request) =>
    inOrder(context, request, {
      // The body names the channels joined, which auth must check: it is read in the parse step.
      parse() {
        const path = parseObjectPath(context, request.params, 'uuid');
        return { ...path, body: parseMembershipBody('channel', request.body, path.keyset.limits) };
      },
      auth({ id, body }) {
        return needs(() => membershipNeeds(id, body));
      },
      validate({ keyset, id }) {
        return parseListCommand(request.query, keyset, 'memberships', id);
      },
      run(command, { keyset, id, body }) {
        return context.objects.patchMemberships('uuid', keyset, id, body, customMerge(request), command);
      },
    }),
  );
};

/** A user's memberships PATCH: join on every channel named, and update on the user unless it is the token's own. */
function membershipNeeds(uuid: string, body: MembershipBody): Need[] {
  const channels = [...new Set([...body.set.map((item) => item.otherId), ...body.delete])];
  return [
    ...channels.map((channel) => need('join', 'channel', channel, { location: 'channel.id', locationType: 'body' })),
    need('update', 'uuid', uuid, { waivedForAuthorizedUuid: true }),
  ];
}
