import type { FastifyRequest } from 'fastify';
import { BoundedMap } from '../bounded-map.ts';
import { RosterError, type ErrorDetail, type LocationType } from '../errors.ts';
import { single, type QueryValues } from '../http/query-string.ts';
import { rawBodyOf } from '../http/raw-body.ts';
import type { Keyset, Keysets } from './keysets.ts';
import { grantedBits, hasPermission, type Permission, type ResourceKind } from './permissions.ts';
import type { Revocations } from './revocations.ts';
import { checkSignature } from './signature.ts';
import { readToken, tokenExpiresAt, type Token } from './token.ts';

/** What authorization needs from the application context. */
export interface AccessContext {
  keysets: Keysets;
  revocations: Revocations;
}

/** One permission a request needs on one resource. */
export interface Need {
  permission: Permission;
  kind: ResourceKind;
  name: string;
  /** Where the resource was named, for the refusal's details (default: the path). */
  location?: string;
  locationType?: LocationType;
  /** Waived when the token is authorized for exactly this uuid (a user managing their own memberships). */
  waivedForAuthorizedUuid?: boolean;
}

export const need = (permission: Permission, kind: ResourceKind, name: string, where: Partial<Need> = {}): Need => ({
  permission,
  kind,
  name,
  ...where,
});

/** Publishing (and signals) needs write on the channel. */
export const publishNeeds = (channel: string): Need[] => [need('write', 'channel', channel, { location: 'channel' })];

/** Subscribing needs read on every channel (`-pnpres` ones included, by name) and every group. */
export const subscribeNeeds = (channels: readonly string[], groups: readonly string[] = []): Need[] => [
  ...channels.map((channel) => need('read', 'channel', channel, { location: 'channels' })),
  ...groups.map((group) => need('read', 'group', group, { location: 'channel-group', locationType: 'query' })),
];

/**
 * Requests whose signature was verified, with the keyset whose secret key verified it: such a
 * request has full access to that keyset and to no other.
 */
const signedRequests = new WeakMap<FastifyRequest, Keyset>();

/** Whether `request` carries a valid signature made with `keyset`'s secret key. */
export const isSignedRequest = (request: FastifyRequest, keyset: Keyset): boolean => signedRequests.get(request)?.subscribeKey === keyset.subscribeKey;

const nowSeconds = () => Math.floor(Date.now() / 1000);

/**
 * The keyset the matched route serves: its `:subKey` parameter (decoded by the router), or
 * undefined for routes without one (`/time/…`, `/v1/channel-registration/…`, the 404 handler)
 * and for unknown keys (the route answers those with its own 400).
 */
export function routeKeyset(keysets: Keysets, request: FastifyRequest): Keyset | undefined {
  const params: unknown = request.params;
  if (typeof params !== 'object' || params === null || !('subKey' in params)) return undefined;
  const subKey = params.subKey;
  return typeof subKey === 'string' ? keysets.find(subKey) : undefined;
}

/**
 * Verifies a request's `signature` (a `preHandler` for every route) against the secret key of
 * the keyset its route serves, and only that one. A wrong or stale signature is a 403; a valid
 * one gives full access to that keyset. A request whose route names no keyset, or one without a
 * secret key, is not checked and gains nothing from its signature: a signed request to a path
 * no route serves is an ordinary 404.
 */
export async function verifyRequestSignature(context: AccessContext, request: FastifyRequest): Promise<void> {
  if (!context.keysets.anySecretKey) return;
  const keyset = routeKeyset(context.keysets, request);
  if (keyset?.secretKey === undefined) return;
  const keys = { publishKey: keyset.publishKey, subscribeKey: keyset.subscribeKey, secretKey: keyset.secretKey };
  const rawUrl = request.raw.url ?? request.url;
  const check = checkSignature({ method: request.method, rawUrl, body: rawBodyOf(request) }, keys, nowSeconds());
  if (check === 'valid') signedRequests.set(request, keyset);
  else if (check === 'invalid') throw refusal('Signature does not match', 'signature', 'The request signature does not match.');
  else if (check === 'stale') {
    throw refusal('Request timestamp is not valid', 'timestamp', 'timestamp must be unix seconds within 60 seconds of the server clock.');
  }
}

function refusal(message: string, location: string, detail: string, locationType: LocationType = 'query'): RosterError {
  return new RosterError('FORBIDDEN', message, [{ message: detail, location, locationType }]);
}

/**
 * Tokens whose signature was already verified, per keyset: a client sends the same token on
 * every request, so decoding and HMAC run once. Expiry, revocation and uuid are still checked
 * each time.
 */
const verifiedTokens = new BoundedMap<string, Token>(10_000);

function verifiedToken(keyset: Keyset, auth: string): Token | undefined {
  const key = `${keyset.subscribeKey}\n${auth}`;
  const known = verifiedTokens.get(key);
  if (known) return known;
  const reading = keyset.secretKey === undefined ? undefined : readToken(auth, keyset.secretKey);
  if (!reading?.ok) return undefined;
  verifiedTokens.set(key, reading.token);
  return reading.token;
}

/** The token a request carries, checked: signature, expiry, revocation and authorized uuid. */
async function tokenOf(context: AccessContext, keyset: Keyset, query: QueryValues, auth: string): Promise<Token> {
  const token = verifiedToken(keyset, auth);
  if (!token) throw refusal('Invalid token', 'auth', 'The token is malformed or was not issued for this keyset.');
  if (nowSeconds() >= tokenExpiresAt(token)) throw refusal('Token is expired', 'auth', 'The token has expired.');
  if (await context.revocations.isRevoked(keyset.subscribeKey, token.signature)) {
    throw refusal('Token is revoked', 'auth', 'The token has been revoked.');
  }
  if (token.authorizedUuid !== undefined && single(query, 'uuid') !== token.authorizedUuid) {
    throw refusal('Token is not authorized for this uuid', 'uuid', `The token is authorized for uuid '${token.authorizedUuid}' only.`);
  }
  return token;
}

const DENIED = 'Supplied authorization key does not have the permissions required to perform this operation.';
const PAYLOAD_KEY: Record<ResourceKind, string> = { channel: 'channels', group: 'channel-groups', uuid: 'uuids' };

/** A 403 naming every missing permission; `payload` lists the resources for Access Manager's shape. */
export function permissionRefusal(missing: readonly Need[]): RosterError {
  const details: ErrorDetail[] = missing.map((item) => ({
    message: `Missing ${item.permission} permission on ${item.kind} '${item.name}'`,
    location: item.location ?? item.kind,
    locationType: item.locationType ?? 'path',
  }));
  const payload: Record<string, string[]> = {};
  for (const item of missing) {
    const names = (payload[PAYLOAD_KEY[item.kind]] ??= []);
    if (!names.includes(item.name)) names.push(item.name);
  }
  return new RosterError('FORBIDDEN', DENIED, details, payload);
}

/**
 * The one access check. With Access Manager on the keyset, a request passes when it is signed
 * with the secret key, or when its `auth` token is valid and grants every need. Throws a 403.
 */
export async function authorize(context: AccessContext, request: FastifyRequest, keyset: Keyset, needs: readonly Need[]): Promise<void> {
  if (!keyset.accessManager || isSignedRequest(request, keyset)) return;
  const query = request.query as QueryValues; // parsed by parseQueryString for every route
  const auth = single(query, 'auth');
  if (auth === undefined || auth === '') {
    if (needs.length === 0) return;
    throw permissionRefusal(needs);
  }
  const token = await tokenOf(context, keyset, query, auth);
  const missing = needs.filter((item) => {
    if (item.waivedForAuthorizedUuid && item.kind === 'uuid' && token.authorizedUuid === item.name) return false;
    return !hasPermission(grantedBits(token.resources, token.patterns, item.kind, item.name), item.permission);
  });
  if (missing.length > 0) throw permissionRefusal(missing);
}

/** Get-all users or channels: open to every client unless the keyset disallows it. */
export async function authorizeListing(context: AccessContext, request: FastifyRequest, keyset: Keyset, kind: 'uuid' | 'channel'): Promise<void> {
  const disallowed = kind === 'uuid' ? keyset.disallowGetAllUuids : keyset.disallowGetAllChannels;
  if (keyset.accessManager && disallowed && !isSignedRequest(request, keyset)) {
    throw new RosterError('FORBIDDEN', DENIED, [
      { message: `Listing all ${kind}s is disallowed on this keyset`, location: kind === 'uuid' ? 'uuids' : 'channels', locationType: 'path' },
    ]);
  }
  await authorize(context, request, keyset, []);
}
