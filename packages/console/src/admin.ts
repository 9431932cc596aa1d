import { currentAdminSecret, setAdminSecret } from './session.ts';

/** A keyset's numeric limits, by name (`maxIdLength`, `maxRecordBytes`, …), as the node reports them. */
export type KeysetLimits = Record<string, number>;

/** The on/off settings the console edits. */
export const KEYSET_FLAGS = [
  'accessManager',
  'referentialIntegrity',
  'disallowGetAllUuids',
  'disallowGetAllChannels',
  'userEvents',
  'channelEvents',
  'membershipEvents',
] as const;

export type KeysetFlag = (typeof KEYSET_FLAGS)[number];

/** A keyset as the admin API shows it (`GET /admin/v1/keysets`). */
export type KeysetView = { [flag in KeysetFlag]: boolean } & {
  subscribeKey: string;
  publishKey: string;
  secretKey?: string;
  name?: string;
  limits: KeysetLimits;
  /** Seeded from the node's config file, or created in the console. */
  source: 'config' | 'console';
  /** Changes on every write: send it back as `If-Match` so a change made meanwhile is not overwritten. */
  version: number;
  /** ISO 8601, the last write. */
  updated: string;
  [setting: string]: unknown;
};

/** What a create or a change sends: any settings, `limits` in part; in a change `null` puts a setting back to its default. */
export type KeysetSettings = Partial<{ [flag in KeysetFlag]: boolean }> & { name?: string | null; limits?: KeysetLimits; [setting: string]: unknown };

/** A refused admin request: the HTTP status, the node's message and the fields it named. */
export class AdminError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly details: readonly { message: string; location?: string }[] = [],
  ) {
    super(message);
  }
}

/** Every keyset the node serves. */
export const listKeysets = (secret?: string): Promise<KeysetView[]> => request<KeysetView[]>('GET', '', undefined, secret);

/** A new keyset with fresh keys; `settings` as the node's config file takes them (`name`, `accessManager`, …). */
export const createKeyset = (settings: KeysetSettings): Promise<KeysetView> => request<KeysetView>('POST', '', settings);

export const getKeyset = (subscribeKey: string): Promise<KeysetView> => request<KeysetView>('GET', `/${encodeURIComponent(subscribeKey)}`);

/**
 * Changes the given settings only. With `version`, a keyset changed since then is not touched
 * (an `AdminError` with status 412).
 */
export const updateKeyset = (subscribeKey: string, changes: KeysetSettings, version?: number): Promise<KeysetView> =>
  request<KeysetView>('PATCH', `/${encodeURIComponent(subscribeKey)}`, changes, undefined, version);

/** Gives the keyset a new secret key: the old one no longer signs nor verifies anything. `version` as for `updateKeyset`. */
export const rotateSecret = (subscribeKey: string, version?: number): Promise<KeysetView> =>
  request<KeysetView>('POST', `/${encodeURIComponent(subscribeKey)}/rotate-secret`, undefined, undefined, version);

/** Status → what it means for the operator, where the node's own message says less. */
const MEANINGS: Record<number, string> = {
  401: 'The node refused the admin secret',
  404: 'This node has no admin API (start it with --admin-secret to manage keysets here)',
  412: 'The keyset changed elsewhere since it was loaded: reload it and apply your change again',
};

/**
 * One admin API call, with the signed-in secret (or `secret`, to try one before signing in).
 * A 401 with the signed-in secret signs the operator out of admin, saying why.
 */
async function request<T>(method: string, path: string, body?: unknown, secret = currentAdminSecret(), version?: number): Promise<T> {
  if (secret === undefined) throw new AdminError(401, 'Sign in as admin first');
  const headers: Record<string, string> = { authorization: `Bearer ${secret}` };
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (version !== undefined) headers['if-match'] = String(version);
  let response: Response;
  try {
    response = await fetch(`${location.origin}/admin/v1/keysets${path}`, { method, headers, ...(body !== undefined && { body: JSON.stringify(body) }) });
  } catch (cause) {
    throw new AdminError(0, `The node did not answer: ${cause instanceof Error ? cause.message : String(cause)}`);
  }
  const answer = (await response.json().catch(() => undefined)) as unknown;
  if (response.ok) return (answer as { data: T }).data;
  const error = adminError(response.status, answer);
  if (response.status === 401 && secret === currentAdminSecret()) setAdminSecret(undefined, `Signed out of admin: ${error.message}.`);
  throw error;
}

/** The node's error envelope (`{status, error: {message, details}}` or `{status, error: true, message}`) as an `AdminError`. */
function adminError(status: number, answer: unknown): AdminError {
  const record = (value: unknown) => (typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : {});
  const error = record(record(answer)['error']);
  const message = error['message'] ?? record(answer)['message'];
  const rawDetails = error['details'] ?? record(answer)['details'];
  const details = (Array.isArray(rawDetails) ? rawDetails : []).map((detail) => {
    const { message: text, location } = record(detail);
    return { message: String(text ?? ''), ...(typeof location === 'string' && { location }) };
  });
  const meaning = MEANINGS[status];
  const said = typeof message === 'string' ? message : `HTTP ${status}`;
  return new AdminError(status, meaning ? `${meaning} (${said})` : said, details);
}

/** An admin failure in words: the message and each field named. */
export function describeAdminError(error: unknown): string {
  if (!(error instanceof AdminError)) return error instanceof Error ? error.message : String(error);
  const details = error.details.map((detail) => (detail.location ? `${detail.location}: ${detail.message}` : detail.message));
  return [error.message, ...details].join(' — ');
}
