import type { FastifyPluginAsync, FastifyRequest, RawServerDefault } from 'fastify';
import type { AccessChecker } from '../auth/authorize.ts';
import type { ChannelGroupsService } from '../groups/service.ts';
import type { KeysetRegistry } from '../keysets/registry.ts';
import type { Keyset, Keysets } from '../model/keyset.ts';
import type { Revocations } from '../auth/revocations.ts';
import type { MessagesService } from '../messages/service.ts';
import type { ObjectsService } from '../objects/service.ts';
import type { PresenceService } from '../presence/service.ts';
import type { RealtimeHub } from '../realtime/hub.ts';
import type { Store } from '../store/store.ts';
import type { Service } from './error-envelope.ts';
import type { TypeBoxProvider } from './schema.ts';
import type { QueryValues } from './url.ts';

/** What route modules are given: the node's keysets, its store and the domain services. */
export interface AppContext {
  keysets: Keysets;
  store: Store;
  objects: ObjectsService;
  /** Revoked Access Manager tokens (auth/revocations.ts). */
  revocations: Revocations;
  /** Signature and token checks, over the same revocations. */
  access: AccessChecker;
  /** Real-time: timetokens, channel logs, publish and held subscribes. */
  realtime: RealtimeHub;
  /** Message Persistence and Message Actions: publishes kept, history, counts, actions. */
  messages: MessagesService;
  /** Presence: who is present where (heartbeats, subscribes, leaves, timeouts), with state. */
  presence: PresenceService;
  /** Channel groups: the registry, and what subscribe and presence expand groups to. */
  channelGroups: ChannelGroupsService;
  /** The keysets as stored, which the admin API lists and changes (served through `keysets`). */
  keysetRegistry: KeysetRegistry;
  /** SHA-256 of the admin secret (`--admin-secret`); undefined when the admin API is off. */
  adminSecretDigest: Buffer | undefined;
}

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Which PubNub service answers this route; it picks the error envelope. */
    service?: Service;
    /** What a path ending in `*` holds there (`message` on publish), its name in the OpenAPI document. */
    wildcard?: string;
  }
}

/** The query as the router's parser left it (url.ts `parseQueryString`), for code that serves every route. */
export const queryOf = (request: FastifyRequest): QueryValues => request.query as QueryValues;

/** The keyset named by a route's `:subKey`, or a 400. */
export const keysetOf = (context: AppContext, params: { subKey: string }): Keyset => context.keysets.bySubscribeKey(params.subKey);

export function header(request: FastifyRequest, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** `Roster-Custom-Merge: true` merges `custom` key by key instead of replacing it (our extension). */
export const customMerge = (request: FastifyRequest): boolean => header(request, 'roster-custom-merge')?.toLowerCase() === 'true';

/** A resource's routes: a Fastify plugin given the node's context, its requests typed by their TypeBox schemas. */
export type RoutePlugin = FastifyPluginAsync<{ context: AppContext }, RawServerDefault, TypeBoxProvider>;
