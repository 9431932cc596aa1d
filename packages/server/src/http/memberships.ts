import type { FastifyInstance } from 'fastify';
import { need, type Need } from '../auth/authorize.ts';
import type { MembershipSide } from '../store/store.ts';
import { checkId, parseMembershipBody } from '../objects/validate.ts';
import { keysetOf, queryOf, type AppContext } from './context.ts';
import { authorize } from './credentials.ts';
import { customMerge } from './metadata.ts';
import { parseListCommand } from './params.ts';

const SIDES = {
  uuid: { path: '/v2/objects/:subKey/uuids/:id/channels', resource: 'memberships', itemKey: 'channel' },
  channel: { path: '/v2/objects/:subKey/channels/:id/uuids', resource: 'members', itemKey: 'uuid' },
} as const;

/** Routes #9–#12: a user's memberships and a channel's members (set/remove/manage are one PATCH). */
export function membershipRoutes(app: FastifyInstance, context: AppContext): void {
  for (const side of ['uuid', 'channel'] as const satisfies readonly MembershipSide[]) {
    const { path, resource, itemKey } = SIDES[side];

    app.get(path, async (request) => {
      const keyset = keysetOf(context, request);
      const ownerId = checkId((request.params as { id: string }).id, side, keyset.limits);
      await authorize(context, request, keyset, [need('get', side, ownerId)]);
      return context.objects.listMemberships(side, parseListCommand(queryOf(request), keyset, resource, ownerId));
    });

    app.patch(path, async (request) => {
      const keyset = keysetOf(context, request);
      const ownerId = checkId((request.params as { id: string }).id, side, keyset.limits);
      const command = parseListCommand(queryOf(request), keyset, resource, ownerId);
      const body = parseMembershipBody(itemKey, request.body, keyset.limits);
      await authorize(context, request, keyset, side === 'uuid' ? membershipNeeds(ownerId, body) : [need('manage', 'channel', ownerId)]);
      return context.objects.patchMemberships(side, keyset, ownerId, body, customMerge(request), command);
    });
  }
}

/** A user's memberships PATCH: join on every channel named, and update on the user unless it is the token's own. */
function membershipNeeds(uuid: string, body: { set: { otherId: string }[]; delete: string[] }): Need[] {
  const channels = [...new Set([...body.set.map((item) => item.otherId), ...body.delete])];
  return [
    ...channels.map((channel) => need('join', 'channel', channel, { location: 'channel.id', locationType: 'body' })),
    need('update', 'uuid', uuid, { waivedForAuthorizedUuid: true }),
  ];
}
