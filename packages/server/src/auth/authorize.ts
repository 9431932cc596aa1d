import { canonicalTokenText } from '@roster/protocol';
import { RosterError, type ErrorDetail, type LocationType } from '../errors.ts';
import type { Keyset } from '../model/keyset.ts';
import { grantedBits, hasPermission, type Permission, type ResourceKind } from './permissions.ts';
import type { Revocations } from './revocations.ts';
import { checkSignature, type SignedParts } from './signature.ts';
import { readToken, tokenExpiresAt, type Token } from './token.ts';

/** What a request shows to be let in, read from it once at the HTTP edge (http/credentials.ts). */
export interface Credentials {
  /** The `auth` parameter: an Access Manager token; undefined or '' when there is none. */
  auth: string | undefined;
  /** The `uuid` parameter: the user the client acts as. */
  uuid: string | undefined;
  /** Subscribe key of the keyset whose secret key verified the request's signature, if any. */
  signedFor: string | undefined;
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
  /**
   * Asked only of a token authorized for another uuid than this one (`kind` uuid): waived for a
   * token bound to no uuid, or bound to this one, and for a request without a token.
   */
  onlyOfOtherAuthorizedUuid?: boolean;
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

/*
 * Presence and channel groups, as PubNub's "Operations to permissions mapping" gives them:
 * heartbeat, here-now and getting or setting presence state need read on every channel and group
 * named (as subscribing does); leave and where-now need nothing. The channel registry needs
 * manage on the group for adding and removing channels, listing them and deleting the group.
 * Listing a keyset's groups names no resource a token could grant: with Access Manager on, only a
 * request signed with the secret key may (http/channel-registration.ts).
 */

/** Heartbeat, here-now, get and set presence state: read on every channel and every group. */
export const presenceNeeds = (channels: readonly string[], groups: readonly string[] = []): Need[] => subscribeNeeds(channels, groups);

/**
 * Set presence state of `uuid` (the path's): `presenceNeeds`, and a token bound to another uuid
 * (`authorized_uuid`) must also grant update on `uuid`, as a membership PATCH of another user
 * asks; else a token bound to alice would set bob's state. A token bound to no uuid sets any
 * uuid's state, as PubNub's does.
 */
export const setStateNeeds = (uuid: string, channels: readonly string[], groups: readonly string[] = []): Need[] => [
  ...presenceNeeds(channels, groups),
  need('update', 'uuid', uuid, { location: 'uuid', onlyOfOtherAuthorizedUuid: true }),
];

/** Add channels to a group, remove channels, list its channels, delete it: manage on the group. */
export const manageGroupNeeds = (group: string): Need[] => [need('manage', 'group', group, { location: 'group' })];

/*
 * Message Persistence and Message Actions, as PubNub's "Operations to permissions mapping" and
 * "Access Manager permission model" pages give them: fetching history (with or without actions),
 * counting messages and listing actions need read on each channel; deleting from history and
 * removing an action need delete; adding an action needs write.
 */

/** Fetch history, history with actions, message counts: read on every channel. */
export const historyNeeds = (channels: readonly string[]): Need[] => channels.map((channel) => need('read', 'channel', channel, { location: 'channels' }));

/** Delete messages from history: delete on the channel. */
export const deleteHistoryNeeds = (channel: string): Need[] => [need('delete', 'channel', channel, { location: 'channel' })];

/** Add a message action: write on the channel. */
export const addActionNeeds = (channel: string): Need[] => [need('write', 'channel', channel, { location: 'channel' })];

/** Remove a message action: delete on the channel. */
export const removeActionNeeds = (channel: string): Need[] => [need('delete', 'channel', channel, { location: 'channel' })];

/** Get message actions: read on the channel. */
export const getActionsNeeds = (channel: string): Need[] => [need('read', 'channel', channel, { location: 'channel' })];

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

function refusal(message: string, location: string, detail: string, locationType: LocationType = 'query'): RosterError {
  return new RosterError('FORBIDDEN', message, [{ message: detail, location, locationType }]);
}

/** Whether the request's signature was verified with `keyset`'s secret key: full access to that keyset, and to no other. */
const isSignedFor = (credentials: Credentials, keyset: Keyset): boolean => credentials.signedFor === keyset.subscribeKey;

const unixSeconds = () => Math.floor(Date.now() / 1000);

/** How many verified tokens are remembered per secret key, at most. */
const VERIFIED_TOKENS_PER_SECRET = 10_000;
/**
 * How much token text (characters, one byte each in memory) is remembered per secret key, at most;
 * the decoded grant takes about as much again. Tokens are up to 32 KiB (a URL's bound), so a few
 * hundred of the largest fit, and thousands of ordinary ones.
 */
const VERIFIED_TOKEN_CHARS_PER_SECRET = 8 * 1024 * 1024;

/**
 * Verified tokens of one secret key by canonical text (base64url, padded), so the spellings of one
 * token (either base64 alphabet, with or without padding) share one entry and one verification.
 * Holds at most `VERIFIED_TOKENS_PER_SECRET` tokens and `VERIFIED_TOKEN_CHARS_PER_SECRET`
 * characters of them, dropping the oldest first.
 */
const OVER_PADDED = /={3}$/;

export class VerifiedTokens {
  readonly #tokens = new Map<string, Token>();
  #chars = 0;

  constructor(
    readonly maxTokens = VERIFIED_TOKENS_PER_SECRET,
    readonly maxChars = VERIFIED_TOKEN_CHARS_PER_SECRET,
  ) {}

  /** Tokens held, and the characters of their canonical text. */
  get size(): { tokens: number; chars: number } {
    return { tokens: this.#tokens.size, chars: this.#chars };
  }

  /** The token `text` (any spelling) reads as, verifying it only when not yet known. */
  read(text: string, secretKey: string): Token | undefined {
    const key = canonicalTokenText(text);
    const known = OVER_PADDED.test(text) ? undefined : this.#tokens.get(key); // readToken refuses those
    if (known) return known;
    const reading = readToken(text, secretKey);
    if (!reading.ok) return undefined;
    this.#remember(key, reading.token);
    return reading.token;
  }

  #remember(key: string, token: Token): void {
    if (key.length > this.maxChars) return;
    while (this.#tokens.size >= this.maxTokens || this.#chars + key.length > this.maxChars) {
      const oldest = this.#tokens.keys().next().value as string;
      this.#tokens.delete(oldest);
      this.#chars -= oldest.length;
    }
    this.#tokens.set(key, token);
    this.#chars += key.length;
  }
}

/**
 * One node's access checks: request signatures, and Access Manager tokens against what a request
 * needs. It remembers which tokens it has verified, so make one per node.
 */
export class AccessChecker {
  readonly #revocations: Revocations;
  readonly #now: () => number;
  /**
   * Tokens whose signature was already verified, per secret key that verified them: a client
   * sends the same token on every request, so decoding and HMAC run once. Expiry, revocation and
   * uuid are still checked each time.
   */
  readonly #verifiedTokens = new Map<string, VerifiedTokens>();

  /** `now` gives unix seconds; tests may move the clock. */
  constructor(revocations: Revocations, now: () => number = unixSeconds) {
    this.#revocations = revocations;
    this.#now = now;
  }

  /**
   * Checks a request's `signature` against `keyset`'s secret key. True when it is valid: the
   * request then has full access to that keyset (record it as {@link Credentials.signedFor}).
   * False when the request is unsigned or the keyset has no secret key. A wrong signature, or a
   * `timestamp` more than 60 s off, is a 403.
   */
  verifySignature(keyset: Keyset, parts: SignedParts): boolean {
    if (keyset.secretKey === undefined) return false;
    const keys = { publishKey: keyset.publishKey, subscribeKey: keyset.subscribeKey, secretKey: keyset.secretKey };
    const check = checkSignature(parts, keys, this.#now());
    if (check === 'invalid') throw refusal('Signature does not match', 'signature', 'The request signature does not match.');
    if (check === 'stale') {
      throw refusal('Request timestamp is not valid', 'timestamp', 'timestamp must be unix seconds within 60 seconds of the server clock.');
    }
    return check === 'valid';
  }

  /**
   * The one access check. With Access Manager on the keyset, a request passes when it is signed
   * with the secret key, or when its `auth` token is valid and grants every need. Throws a 403.
   */
  async authorize(credentials: Credentials, keyset: Keyset, needs: readonly Need[]): Promise<void> {
    if (!keyset.accessManager || isSignedFor(credentials, keyset)) return;
    const { auth } = credentials;
    if (auth === undefined || auth === '') {
      const asked = needs.filter((item) => !item.onlyOfOtherAuthorizedUuid);
      if (asked.length === 0) return;
      throw permissionRefusal(asked);
    }
    const token = await this.#tokenOf(keyset, auth, credentials.uuid);
    const missing = needs.filter((item) => {
      if (item.waivedForAuthorizedUuid && item.kind === 'uuid' && token.authorizedUuid === item.name) return false;
      if (item.onlyOfOtherAuthorizedUuid && (token.authorizedUuid === undefined || token.authorizedUuid === item.name)) return false;
      return !hasPermission(grantedBits(token.resources, token.patterns, item.kind, item.name), item.permission);
    });
    if (missing.length > 0) throw permissionRefusal(missing);
  }

  /** Get-all users or channels: open to every client unless the keyset disallows it. */
  async authorizeListing(credentials: Credentials, keyset: Keyset, kind: 'uuid' | 'channel'): Promise<void> {
    const disallowed = kind === 'uuid' ? keyset.disallowGetAllUuids : keyset.disallowGetAllChannels;
    if (keyset.accessManager && disallowed && !isSignedFor(credentials, keyset)) {
      throw new RosterError('FORBIDDEN', DENIED, [
        { message: `Listing all ${kind}s is disallowed on this keyset`, location: kind === 'uuid' ? 'uuids' : 'channels', locationType: 'path' },
      ]);
    }
    await this.authorize(credentials, keyset, []);
  }

  /** The token a request carries, checked: signature, expiry, revocation and authorized uuid. */
  async #tokenOf(keyset: Keyset, auth: string, uuid: string | undefined): Promise<Token> {
    const token = keyset.secretKey === undefined ? undefined : this.#verifiedToken(keyset.secretKey, auth);
    if (!token) throw refusal('Invalid token', 'auth', 'The token is malformed or was not issued for this keyset.');
    if (this.#now() >= tokenExpiresAt(token)) throw refusal('Token is expired', 'auth', 'The token has expired.');
    if (await this.#revocations.isRevoked(keyset.subscribeKey, token.signature)) {
      throw refusal('Token is revoked', 'auth', 'The token has been revoked.');
    }
    if (token.authorizedUuid !== undefined && uuid !== token.authorizedUuid) {
      throw refusal('Token is not authorized for this uuid', 'uuid', `The token is authorized for uuid '${token.authorizedUuid}' only.`);
    }
    return token;
  }

  #verifiedToken(secretKey: string, auth: string): Token | undefined {
    let verified = this.#verifiedTokens.get(secretKey);
    if (!verified) this.#verifiedTokens.set(secretKey, (verified = new VerifiedTokens()));
    return verified.read(auth, secretKey);
  }
}
