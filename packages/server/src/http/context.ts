import type { FastifyRequest } from 'fastify';
import type { AccessChecker } from '../auth/authorize.ts';
import type { Keyset, Keysets } from '../model/keyset.ts';
import type { Revocations } from '../auth/revocations.ts';
import type { ObjectsService } from '../objects/service.ts';
import type { RealtimeHub } from '../realtime/hub.ts';
import type { Store } from '../store/store.ts';
import type { Service } from './error-envelope.ts';
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
}

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Which PubNub service answers this route; it picks the error envelope. */
    service?: Service;
  }
}

export const queryOf = (request: FastifyRequest): QueryValues => request.query as QueryValues; // set by parseQueryString

/** The keyset named by the `:subKey` path parameter, or a 400. */
export function keysetOf(context: AppContext, request: FastifyRequest): Keyset {
  const { subKey } = request.params as { subKey: string };
  return context.keysets.bySubscribeKey(subKey);
}

export function header(request: FastifyRequest, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
}
