import { RosterError } from '../errors.ts';

/**
 * Per-keyset limits (decisions.md "Limits"); every one can be overridden in the config file.
 * `…Length` limits count characters (Unicode code points), `…Bytes` limits UTF-8 bytes.
 */
export interface KeysetLimits {
  maxStatusLength: number;
  maxTypeLength: number;
  /** User and channel ids and channel names, wherever they appear (objects, publish, subscribe, presence); at most `MAX_ID_LENGTH`. */
  maxIdLength: number;
  /** User and channel `name`. */
  maxNameLength: number;
  /** Channel `description`. */
  maxDescriptionLength: number;
  maxRecordBytes: number;
  maxPatchItems: number;
  maxMembershipsPerUser: number;
  maxMembersPerChannel: number;
  /** Channels in one channel group (PubNub's channel-group size: 2000). */
  maxChannelsPerGroup: number;
  /** Channel groups in the keyset (our bound; PubNub documents none). */
  maxGroupsPerKeyset: number;
  /** Channel groups one subscribe, heartbeat or leave may name (PubNub: 10 per client). */
  maxGroupsPerSubscribe: number;
  /** The shortest presence timeout a request's `heartbeat` may ask for, in seconds (PubNub's minimum: 20). */
  minPresenceTimeoutSeconds: number;
  /** The longest presence timeout a request's `heartbeat` may ask for, in seconds (our bound). */
  maxPresenceTimeoutSeconds: number;
}

export interface Keyset {
  publishKey: string;
  subscribeKey: string;
  secretKey?: string;
  /** A label for people (the console, the admin API); nothing is decided by it. */
  name?: string;
  /** Memberships need both ends to exist; deleting either end deletes its memberships. */
  referentialIntegrity: boolean;
  accessManager: boolean;
  disallowGetAllUuids: boolean;
  disallowGetAllChannels: boolean;
  userEvents: boolean;
  channelEvents: boolean;
  membershipEvents: boolean;
  /** uuid events also go to every channel the user is a member of. */
  userEventsToMemberChannels: boolean;
  limits: KeysetLimits;
  /**
   * How long a stored message is kept, in hours, when its publish gives no `ttl` (PubNub's
   * keyset retention); `0`: kept until deleted.
   */
  messageRetentionHours: number;
  /**
   * Seconds a user stays present on a channel without a heartbeat, when the subscribe or
   * heartbeat gives no `heartbeat` (PubNub's default presence timeout: 300); within
   * `limits.minPresenceTimeoutSeconds`..`limits.maxPresenceTimeoutSeconds`.
   */
  presenceTimeoutSeconds: number;
  /**
   * PubNub's "announce max": above this occupancy a channel's presence is in interval mode (one
   * `interval` event every `presenceIntervalSeconds` instead of each join, leave and timeout).
   */
  presenceAnnounceMax: number;
  /** Seconds between `interval` events of a channel in interval mode (PubNub's default: 10), 1 to 300. */
  presenceIntervalSeconds: number;
  /** PubNub's "presence deltas": `interval` events list the uuids that joined, left and timed out since the last one. */
  presenceDeltas: boolean;
  /** Overrides the node's `--rate-limit-per-client` / `--rate-limit-per-keyset` for this keyset (`0`: no limit). */
  rateLimit?: KeysetRateLimit;
}

/** Requests per rate-limit window (`--rate-limit-window`): from one client, and from all clients together. */
export interface KeysetRateLimit {
  perClient?: number;
  perKeyset?: number;
}

export const DEFAULT_LIMITS: KeysetLimits = {
  maxStatusLength: 50,
  maxTypeLength: 50,
  maxIdLength: 92,
  maxNameLength: 2048,
  maxDescriptionLength: 2048,
  maxRecordBytes: 32 * 1024,
  maxPatchItems: 100,
  maxMembershipsPerUser: 50_000,
  maxMembersPerChannel: 5_000,
  maxChannelsPerGroup: 2_000,
  maxGroupsPerKeyset: 10_000,
  maxGroupsPerSubscribe: 10,
  minPresenceTimeoutSeconds: 20,
  maxPresenceTimeoutSeconds: 3_600,
};

/** The presence settings of a keyset that nothing else sets: PubNub's defaults. */
export const DEFAULT_PRESENCE = {
  presenceTimeoutSeconds: 300,
  presenceAnnounceMax: 20,
  presenceIntervalSeconds: 10,
  presenceDeltas: false,
} as const satisfies Partial<Keyset>;

/** The most `limits.maxPresenceTimeoutSeconds` may be, in seconds: a day (a presence timer never nears Node's 24.8-day timer limit). */
export const MAX_PRESENCE_TIMEOUT_SECONDS = 86_400;
/** The range of `presenceIntervalSeconds` (1, so tests need not wait 10 s for an interval). */
export const PRESENCE_INTERVAL_SECONDS = { min: 1, max: 300 } as const;
/** The most `presenceAnnounceMax` may be: past it every join and leave goes to every presence listener, the load interval mode exists to bound. */
export const MAX_PRESENCE_ANNOUNCE = 1_000;

/**
 * The longest a message may be kept before it expires, in hours (a publish's `ttl`, a keyset's
 * `messageRetentionHours`): 100 years, so an expiry timetoken stays well inside 64 bits.
 */
export const MAX_TTL_HOURS = 876_600;

/**
 * The longest publish or subscribe key, in bytes of UTF-8 (PubNub's keys are 42 ASCII characters):
 * the NATS event bus puts the subscribe key in subject names, as a token of at most 128 base64url
 * characters (realtime/nats/subjects.ts), and it leads every PostgreSQL index entry.
 */
export const MAX_KEY_BYTES = 96;

/**
 * The most `limits.maxIdLength` may be, in characters. A PostgreSQL B-tree entry holds at most
 * 2,704 bytes, and every id, channel name and group name is indexed whole. The widest entry is a
 * membership's `memberships_by_user` (`sub_key`, `uuid_id`, `channel_id_key`, `channel_id`): a
 * subscribe key of `MAX_KEY_BYTES`, two ids of 128 characters of up to 4 bytes (512 bytes each)
 * and a sort key of at most 1,024 bytes (query/collation.ts `SORT_KEY_BYTES`), plus an 8-byte
 * entry header, at most 7 bytes of length header and alignment per column and 7 of final
 * alignment: 8 + 96 + 512 + 1,024 + 512 + 4 × 7 + 7 = 2,187 bytes, about 500 to spare. Other
 * entries hold less: a message action's (`sub_key`, `channel`, timetoken, a `type` of 15 UTF-16
 * units, `md5(value)`, `uuid`) some 1,250 bytes. Text that rarely repeats barely compresses, so
 * the bound must hold uncompressed.
 */
export const MAX_ID_LENGTH = 128;

export type KeysetInput = Partial<Omit<Keyset, 'limits'>> & {
  publishKey: string;
  subscribeKey: string;
  limits?: Partial<KeysetLimits>;
};

/**
 * A keyset from its options, each missing one at its default.
 * @throws Error naming the keyset and the option: `accessManager` without a `secretKey`, or a
 * presence timeout outside its limits (`presenceTimeoutProblem`).
 */
export function keysetFrom(input: KeysetInput): Keyset {
  if (input.accessManager === true && !input.secretKey) {
    throw new Error(`keyset ${input.subscribeKey}: accessManager needs a secretKey to sign and check tokens`);
  }
  const limits = { ...DEFAULT_LIMITS, ...input.limits };
  const problem = presenceTimeoutProblem(
    input.presenceTimeoutSeconds ?? DEFAULT_PRESENCE.presenceTimeoutSeconds,
    limits,
    input.presenceTimeoutSeconds === undefined,
  );
  if (problem !== undefined) throw new Error(`keyset ${input.subscribeKey}: ${problem.key}: ${problem.message}`);
  return {
    referentialIntegrity: false,
    accessManager: false,
    disallowGetAllUuids: false,
    disallowGetAllChannels: false,
    userEvents: true,
    channelEvents: true,
    membershipEvents: true,
    userEventsToMemberChannels: true,
    messageRetentionHours: 0,
    ...DEFAULT_PRESENCE,
    ...input,
    limits,
  };
}

/**
 * What is wrong with a keyset's presence timeouts, if anything: the minimum above the maximum
 * (named `limits.minPresenceTimeoutSeconds`), or the keyset's timeout outside them (named
 * `presenceTimeoutSeconds`; `isDefault` when the keyset left it at its default).
 */
export function presenceTimeoutProblem(
  timeout: number,
  limits: Pick<KeysetLimits, 'minPresenceTimeoutSeconds' | 'maxPresenceTimeoutSeconds'>,
  isDefault: boolean,
): { key: string; message: string } | undefined {
  const { minPresenceTimeoutSeconds: min, maxPresenceTimeoutSeconds: max } = limits;
  if (min > max) {
    return {
      key: 'limits.minPresenceTimeoutSeconds',
      message: `${min} is above limits.maxPresenceTimeoutSeconds (${max}); the minimum must not exceed the maximum`,
    };
  }
  if (timeout >= min && timeout <= max) return undefined;
  const value = isDefault ? `the default, ${timeout},` : String(timeout);
  const bound = timeout < min ? `below limits.minPresenceTimeoutSeconds (${min})` : `above limits.maxPresenceTimeoutSeconds (${max})`;
  return { key: 'presenceTimeoutSeconds', message: `${value} is ${bound}; set a presenceTimeoutSeconds from ${min} to ${max}` };
}

/**
 * The keysets this node serves, looked up by subscribe or publish key. Its contents are replaced
 * whole when the keysets change (keysets/registry.ts): code that reads them must ask on each use
 * rather than keep what it read.
 */
export class Keysets {
  #bySubscribeKey = new Map<string, Keyset>();
  #anySecretKey = false;
  #revision = 0;

  constructor(keysets: readonly Keyset[]) {
    this.replace(keysets);
  }

  /** Serves exactly `keysets` from now on (one swap: a lookup sees the old set or the new one). */
  replace(keysets: readonly Keyset[]): void {
    this.#bySubscribeKey = new Map(keysets.map((keyset) => [keyset.subscribeKey, keyset]));
    this.#anySecretKey = keysets.some((keyset) => keyset.secretKey !== undefined);
    this.#revision += 1;
  }

  /** Whether any keyset has a secret key, i.e. whether signatures can matter at all. */
  get anySecretKey(): boolean {
    return this.#anySecretKey;
  }

  /** Goes up by one on every `replace`: what is derived from the keysets can tell it is stale. */
  get revision(): number {
    return this.#revision;
  }

  all(): Keyset[] {
    return [...this.#bySubscribeKey.values()];
  }

  find(subscribeKey: string): Keyset | undefined {
    return this.#bySubscribeKey.get(subscribeKey);
  }

  /** The keyset of a subscribe key, or the 400 PubNub answers for an unknown one. */
  bySubscribeKey(subscribeKey: string): Keyset {
    const keyset = this.#bySubscribeKey.get(subscribeKey);
    if (!keyset) throw new RosterError('INVALID_SUBSCRIBE_KEY', 'Invalid subscribe key');
    return keyset;
  }

  /** The keyset of a publish/subscribe key pair; both must belong to one keyset. */
  byKeyPair(publishKey: string, subscribeKey: string): Keyset {
    const keyset = this.bySubscribeKey(subscribeKey);
    if (keyset.publishKey !== publishKey) throw new RosterError('INVALID_PUBLISH_KEY', 'Invalid publish key');
    return keyset;
  }
}
