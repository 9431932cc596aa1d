import type { FastifyInstance, FastifyRequest } from 'fastify';
import { need } from '../auth/authorize.ts';
import type { ObjectKind } from '../model/records.ts';
import { checkId, parseObjectPatch } from '../objects/validate.ts';
import { header, keysetOf, queryOf, type AppContext } from './context.ts';
import { authorize, authorizeListing } from './credentials.ts';
import { objectFields, parseListCommand } from './params.ts';

const COLLECTION = { uuid: 'uuids', channel: 'channels' } as const;

/** `Roster-Custom-Merge: true` merges `custom` key by key instead of replacing it (our extension). */
export const customMerge = (request: FastifyRequest) => header(request, 'roster-custom-merge')?.toLowerCase() === 'true';

/** Routes #1–#8: get all, get, set and remove user and channel metadata. */
export function metadataRoutes(app: FastifyInstance, context: AppContext): void {
  for (const kind of ['uuid', 'channel'] as const satisfies readonly ObjectKind[]) {
    const collection = `/v2/objects/:subKey/${COLLECTION[kind]}`;
    const item = `${collection}/:id`;
    const idOf = (request: FastifyRequest, limits: Parameters<typeof checkId>[2]) =>
      checkId((request.params as { id: string }).id, kind, limits);

    app.get(collection, async (request) => {
      const keyset = keysetOf(context, request);
      await authorizeListing(context, request, keyset, kind);
      return context.objects.list(kind, parseListCommand(queryOf(request), keyset, COLLECTION[kind]));
    });

    app.get(item, async (request) => {
      const keyset = keysetOf(context, request);
      const id = idOf(request, keyset.limits);
      await authorize(context, request, keyset, [need('get', kind, id)]);
      const data = await context.objects.get(kind, keyset, id, objectFields(queryOf(request)));
      return { status: 200, data };
    });

    app.patch(item, async (request) => {
      const keyset = keysetOf(context, request);
      const id = idOf(request, keyset.limits);
      await authorize(context, request, keyset, [need('update', kind, id)]);
      const patch = kind === 'uuid' ? parseObjectPatch('uuid', request.body, keyset.limits) : parseObjectPatch('channel', request.body, keyset.limits);
      const rules = { ifMatch: header(request, 'if-match'), merge: customMerge(request) };
      const data = await context.objects.set(kind, keyset, id, patch, rules, objectFields(queryOf(request)));
      return { status: 200, data };
    });

    app.delete(item, async (request) => {
      const keyset = keysetOf(context, request);
      const id = idOf(request, keyset.limits);
      await authorize(context, request, keyset, [need('delete', kind, id)]);
      const data = await context.objects.remove(kind, keyset, id, header(request, 'if-match'));
      return { status: 200, data };
    });
  }
}
