import { parseToken, Roster } from '@roster/sdk';
import { useEffect, useState } from 'preact/hooks';

/**
 * The keyset the console works on, and the credentials it signs with. Held in this module's
 * memory only: never in localStorage, cookies or URLs, so a reload signs out.
 */
export interface Connection {
  subscribeKey: string;
  publishKey?: string;
  /** Signs every request (full access on an Access Manager keyset). */
  secretKey?: string;
  /** An Access Manager token, sent as `auth`. */
  token?: string;
}

export interface Session extends Connection {
  /** The SDK client for this keyset, talking to the node that served the console. */
  client: Roster;
  /**
   * The user id the console acts as, which events name as their origin: `roster-console`, or the
   * user a token is bound to.
   */
  userId: string;
}

/** The operator's admin secret (node config `adminSecret`), for the keyset routes under `/admin/v1/`. */
let adminSecret: string | undefined;
let session: Session | undefined;
/** A message for the operator that outlives a page change (a sign-out, what a connection may not do). */
let notice: string | undefined;
const watchers = new Set<() => void>();

const notify = () => watchers.forEach((watch) => watch());

export const CONSOLE_USER_ID = 'roster-console';

/**
 * The user id requests carry: a token bound to one user (`authorizedUuid`) is accepted from that
 * user only, so the console acts as them; otherwise as `roster-console`.
 */
export function userIdFor(connection: Connection): string {
  if (connection.token === undefined) return CONSOLE_USER_ID;
  try {
    return parseToken(connection.token).authorizedUuid ?? CONSOLE_USER_ID;
  } catch {
    return CONSOLE_USER_ID; // not a token: the node says so on the first request
  }
}

/** An SDK client for `connection`, talking to the node that served the console. */
export function createClient(connection: Connection): Roster {
  const client = new Roster({
    subscribeKey: connection.subscribeKey,
    userId: userIdFor(connection),
    origin: location.origin,
    ...(connection.publishKey !== undefined && { publishKey: connection.publishKey }),
    ...(connection.secretKey !== undefined && { secretKey: connection.secretKey }),
  });
  if (connection.token !== undefined) client.setToken(connection.token);
  return client;
}

/** Makes `connection` the console's keyset, replacing (and stopping) the session before it. */
export function connect(connection: Connection): Session {
  session?.client.destroy();
  const client = createClient(connection);
  session = { ...connection, client, userId: client.userId };
  notice = undefined;
  notify();
  return session;
}

export function disconnect(): void {
  session?.client.destroy();
  session = undefined;
  notice = undefined;
  notify();
}

export const currentSession = (): Session | undefined => session;

/** Signs in (a secret) or out (`undefined`) of admin; `message` says why, when the console signed the operator out. */
export function setAdminSecret(secret: string | undefined, message?: string): void {
  adminSecret = secret;
  if (message !== undefined) notice = message;
  notify();
}

export const currentAdminSecret = (): string | undefined => adminSecret;

/** Shows `message` above every page until the operator dismisses it or connects anew. */
export function setNotice(message: string | undefined): void {
  notice = message;
  notify();
}

/** Re-renders the calling component when the session, the admin sign-in or the notice changes. */
export function useSession(): { session: Session | undefined; adminSecret: string | undefined; notice: string | undefined } {
  const [, setTick] = useState(0);
  useEffect(() => {
    const watch = () => setTick((tick) => tick + 1);
    watchers.add(watch);
    return () => void watchers.delete(watch);
  }, []);
  return { session, adminSecret, notice };
}
