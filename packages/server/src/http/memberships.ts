import type { FastifyInstance } from 'fastify';
import type { MembershipSide } from '../store/store.ts';
import { checkId, parseMembershipBody } from '../objects/validate.ts';
import { keysetOf, queryOf, type AppContext } from './context.ts';
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
      return context.objects.listMemberships(side, parseListCommand(queryOf(request), keyset, resource, ownerId));
    });

    app.patch(path, async (request) => {
      const keyset = keysetOf(context, request);
      const ownerId = checkId((request.params as { id: string }).id, side, keyset.limits);
      const command = parseListCommand(queryOf(request), keyset, resource, ownerId);
      const body = parseMembershipBody(itemKey, request.body, keyset.limits);
      return context.objects.patchMemberships(side, keyset, ownerId, body, customMerge(request), command);
    });
  }
}
