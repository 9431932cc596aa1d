/**
 * What the admin API's test files share: calls to `/admin/v1/keysets`, writes and grants on the
 * keysets it makes, and a PostgreSQL database for two nodes.
 */
import type { RunningServer } from '@roster/testing';
import { afterAll, beforeAll } from 'vitest';
import { createDatabase, type TestDatabase } from './store-contract/postgres.ts';
import { sendRaw, signedQuery, signV2, type Keys, type RawAnswer } from './signing.ts';

export interface AdminAnswer {
  status: number;
  headers: Headers;
  body: any; // the JSON answer (undefined when empty), read field by field
}

export interface AdminCall {
  /** Sent as JSON. */
  body?: unknown;
  /** Sent as the body text as it is (as JSON), in place of `body`. */
  raw?: string;
  ifMatch?: string;
  /** The `Authorization` header in place of the admin secret's; `null`: none. */
  authorization?: string | null;
}

/** Calls to the admin API (`{url}/admin/v1/keysets{path}`) with `secret` as the bearer token. */
export function adminApi(secret: string): (url: string, method: string, path: string, options?: AdminCall) => Promise<AdminAnswer> {
  return async (url, method, path, options = {}) => {
    const headers: Record<string, string> = {};
    const authorization = options.authorization === undefined ? `Bearer ${secret}` : options.authorization;
    if (authorization !== null) headers['authorization'] = authorization;
    if (options.ifMatch !== undefined) headers['if-match'] = options.ifMatch;
    const text = options.raw ?? (options.body === undefined ? undefined : JSON.stringify(options.body));
    if (text !== undefined) headers['content-type'] = 'application/json';
    const response = await fetch(`${url}/admin/v1/keysets${path}`, { method, headers, body: text ?? null });
    const answer = await response.text();
    return { status: response.status, headers: response.headers, body: answer === '' ? undefined : (JSON.parse(answer) as unknown) };
  };
}

/** A keyset's keys, from the admin API's view of it. */
export const keysOf = (view: { publishKey: string; subscribeKey: string; secretKey: string }): Keys => ({
  publishKey: view.publishKey,
  subscribeKey: view.subscribeKey,
  secretKey: view.secretKey,
});

/** A user write on `keys`'s keyset: signed with `signWith` (a secret key), else with `query` as given (an `auth` token). */
export function writeUser(
  url: string,
  keys: Keys,
  id: string,
  options: { signWith?: string; query?: Record<string, string>; body?: string } = {},
): Promise<RawAnswer> {
  const path = `/v2/objects/${keys.subscribeKey}/uuids/${id}`;
  const body = options.body ?? JSON.stringify({ name: id });
  const plain = { uuid: 'backend', ...options.query };
  const secretKey = options.signWith;
  const query = secretKey === undefined ? plain : signedQuery(plain, (q) => signV2({ ...keys, secretKey }, 'PATCH', path, q, body));
  return sendRaw(url, 'PATCH', path, query, body);
}

/** A grant of a token for `carol` on `keys`'s keyset, signed with `secretKey` (by default the keyset's own). */
export function grantCarol(url: string, keys: Keys, secretKey = keys.secretKey): Promise<RawAnswer> {
  const body = JSON.stringify({ ttl: 60, permissions: { resources: { uuids: { carol: 64 } } } });
  const path = `/v3/pam/${keys.subscribeKey}/grant`;
  const query = signedQuery({ uuid: 'backend' }, (q) => signV2({ ...keys, secretKey }, 'POST', path, q, body));
  return sendRaw(url, 'POST', path, query, body);
}

/**
 * A fresh PostgreSQL database for the `describe` block this is called in (made before its
 * tests), dropped after them together with the nodes they put in `nodes` (closed first).
 */
export function useSharedDatabase(): { readonly database: TestDatabase; nodes: RunningServer[] } {
  let database: TestDatabase | undefined;
  const nodes: RunningServer[] = [];
  beforeAll(async () => {
    database = await createDatabase();
  });
  afterAll(async () => {
    for (const node of nodes) await node.close();
    await database?.drop();
  });
  return {
    get database(): TestDatabase {
      if (database === undefined) throw new Error('useSharedDatabase(): the database is made in beforeAll');
      return database;
    },
    nodes,
  };
}
