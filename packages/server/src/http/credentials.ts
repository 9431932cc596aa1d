import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Credentials, Need } from '../auth/authorize.ts';
import { RosterError } from '../errors.ts';
import type { Keyset, Keysets } from '../model/keyset.ts';
import { queryOf, type AppContext } from './context.ts';
import { queryAsSent, queryPairs, rawPathOf, single, targetOf } from './url.ts';

// The HTTP edge of access control: what a request shows (its `auth` token, `uuid`, signature,
// raw path and body) is read here once, and the checks in auth/ are given plain values.

declare module 'fastify' {
  interface FastifyRequest {
    /** The body text as received ('' when there is none), kept for signature checks: parsing loses the exact text. */
    rawBody: string;
    /** Subscribe key of the keyset whose secret key verified this request's signature, else null. */
    signedFor: string | null;
  }
}

/** What these checks use of the application context. */
type AccessContext = Pick<AppContext, 'keysets' | 'access'>;

/** Readies requests to carry their raw body and the keyset their signature verified (checked in each route's auth step, route-steps.ts). */
export function registerCredentials(app: FastifyInstance): void {
  app.decorateRequest('rawBody', '');
  app.decorateRequest('signedFor', null);
}

/**
 * The keyset the matched route serves: its `:subKey` parameter (decoded by the router), or
 * undefined for routes without one (`/time/…`, `/health`, the 404 handler)
 * and for unknown keys (the route answers those with its own 400).
 */
export function routeKeyset(keysets: Keysets, request: FastifyRequest): Keyset | undefined {
  const params: unknown = request.params;
  if (typeof params !== 'object' || params === null || !('subKey' in params)) return undefined;
  const subKey = params.subKey;
  return typeof subKey === 'string' ? keysets.find(subKey) : undefined;
}

/**
 * Verifies a request's `signature` (the first check of every route's auth step) against the secret key of
 * the keyset its route serves, and only that one. A wrong or stale signature is a 403; a valid
 * one gives full access to that keyset. A request whose route names no keyset, or one without a
 * secret key, is not checked and gains nothing from its signature: a signed request to a path
 * no route serves is an ordinary 404.
 */
export function verifyRequestSignature(context: AccessContext, request: FastifyRequest): void {
  if (!context.keysets.anySecretKey) return; // read on each request: a keyset made later may bring the first secret key
  const keyset = routeKeyset(context.keysets, request);
  if (keyset?.secretKey === undefined) return;
  const target = targetOf(request);
  const query = queryAsSent(request, target);
  if (query['signature'] === undefined) return; // unsigned: nothing to check, nothing granted
  const parts = { method: request.method, rawPath: rawPathOf(target), query: queryPairs(query), body: request.rawBody };
  if (context.access.verifySignature(keyset, parts)) request.signedFor = keyset.subscribeKey;
}

/** Whether the request carries a valid signature made with `keyset`'s secret key. */
export const isSignedRequest = (request: FastifyRequest, keyset: Keyset): boolean => request.signedFor === keyset.subscribeKey;

/** The keyset's secret key, when the request is signed with it (grant and revoke need that); else a 403. */
export function secretKeyFor(request: FastifyRequest, keyset: Keyset): string {
  if (keyset.secretKey === undefined) throw new RosterError('FORBIDDEN', 'Access Manager needs a secret key on this keyset');
  if (!isSignedRequest(request, keyset)) throw new RosterError('FORBIDDEN', 'Signature is required: sign the request with the secret key');
  return keyset.secretKey;
}

/** What the request shows to be let in: its `auth` and `uuid` parameters and its verified signature. */
export function credentialsOf(request: FastifyRequest): Credentials {
  const query = queryOf(request);
  return { auth: single(query, 'auth'), uuid: single(query, 'uuid'), signedFor: request.signedFor ?? undefined };
}

const ALLOWED = Promise.resolve();

/**
 * Checks `needs` against the request's credentials with Access Manager (auth/authorize.ts):
 * a 403 names what is missing. Keysets without Access Manager pass at no cost.
 */
export function authorize(context: Pick<AppContext, 'access'>, request: FastifyRequest, keyset: Keyset, needs: readonly Need[]): Promise<void> {
  return keyset.accessManager ? context.access.authorize(credentialsOf(request), keyset, needs) : ALLOWED;
}

/** Get-all users or channels: open unless the keyset disallows it, then only to signed requests. */
export function authorizeListing(context: Pick<AppContext, 'access'>, request: FastifyRequest, keyset: Keyset, kind: 'uuid' | 'channel'): Promise<void> {
  return keyset.accessManager ? context.access.authorizeListing(credentialsOf(request), keyset, kind) : ALLOWED;
}
