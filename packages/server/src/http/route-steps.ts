import type { FastifyRequest } from 'fastify';
import type { Need } from '../auth/authorize.ts';
import type { Keyset } from '../model/keyset.ts';
import type { AppContext } from './context.ts';
import { authorize, authorizeListing, secretKeyFor, verifyRequestSignature } from './credentials.ts';

/**
 * The order every route takes a request through, the same on every route (docs/decisions.md,
 * "Request order"), so that a request that is both malformed and unauthorized always gets the
 * same answer:
 *
 * 1. **parse**: Fastify matches the route (404, or 405 for another method), reads the JSON body
 *    (400, 413, 415) and checks the route schema (schema.ts: a 400 naming the field). Then the
 *    route's `parse` step finds the keyset the path names (400) and the resources the request
 *    acts on, held to the id rule (400): ids, channel names, and the items of a membership PATCH,
 *    whose body names the resources it touches.
 * 2. **auth**: the request's signature, checked with that keyset's secret key, then its Access
 *    Manager token against what the route's `auth` step says the request needs (403).
 * 3. **validate**: the domain's rules on everything else: list options, body fields, message
 *    rules (400, 413).
 * 4. **run**.
 *
 * Routes build their steps per request and write them as methods (`parse() {…}`), not arrow
 * properties: under `npm start`'s tsx (esbuild `keepNames`) each named arrow costs a
 * `defineProperty` every time it is made.
 */
export interface RouteSteps<TParsed extends Parsed, TCommand, TResult> {
  parse(): TParsed;
  auth(parsed: TParsed): Access;
  validate(parsed: TParsed): TCommand;
  run(command: TCommand, parsed: TParsed): TResult | Promise<TResult>;
}

/** What a parse step always finds: the keyset the request is for. */
export interface Parsed {
  keyset: Keyset;
}

/** What a request must show to be let in, once its signature is checked. */
export type Access =
  | { readonly kind: 'needs'; readonly needs: () => readonly Need[] }
  | { readonly kind: 'listing'; readonly of: 'uuid' | 'channel' }
  | { readonly kind: 'secret-key' }
  | { readonly kind: 'open' };

/**
 * Access Manager permissions on named resources (auth/authorize.ts `need`), listed only when the
 * keyset has Access Manager on: most keysets never need the list, and it is built per request.
 */
export const needs = (list: () => readonly Need[]): Access => ({ kind: 'needs', needs: list });
/** Get-all users or channels: open unless the keyset disallows it. */
export const listing = (of: 'uuid' | 'channel'): Access => ({ kind: 'listing', of });
/** A signature made with the keyset's secret key (grant and revoke). */
export const SIGNED_WITH_SECRET_KEY: Access = { kind: 'secret-key' };
/** Nothing beyond a valid signature, if the request carries one. */
export const OPEN: Access = { kind: 'open' };

/** Runs `steps` in the documented order. */
export async function inOrder<TParsed extends Parsed, TCommand, TResult>(
  context: AppContext,
  request: FastifyRequest,
  steps: RouteSteps<TParsed, TCommand, TResult>,
): Promise<TResult> {
  const parsed = steps.parse();
  // Most requests need no token check: they pass without waiting on a promise.
  const checking = admit(context, request, parsed.keyset, steps.auth(parsed));
  if (checking !== undefined) await checking;
  return steps.run(steps.validate(parsed), parsed);
}

/** Throws when the request may not go on; a promise when its token must be checked first. */
function admit(context: AppContext, request: FastifyRequest, keyset: Keyset, access: Access): Promise<void> | undefined {
  verifyRequestSignature(context, request);
  switch (access.kind) {
    case 'needs':
      return keyset.accessManager ? authorize(context, request, keyset, access.needs()) : undefined;
    case 'listing':
      return keyset.accessManager ? authorizeListing(context, request, keyset, access.of) : undefined;
    case 'secret-key':
      secretKeyFor(request, keyset);
      return undefined;
    case 'open':
      return undefined;
  }
}
