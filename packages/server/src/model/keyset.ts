import { RosterError } from '../errors.ts';

/**
 * Per-keyset limits (decisions.md "Limits"); every one can be overridden in the config file.
 * `…Length` limits count characters (Unicode code points), `…Bytes` limits UTF-8 bytes.
 */
export interface KeysetLimits {
  maxStatusLength: number;
  maxTypeLength: number;
  /** User and channel ids and channel names, wherever they appear (objects, publish, subscribe, presence). */
  maxIdLength: number;
  /** User and channel `name`. */
  maxNameLength: number;
  /** Channel `description`. */
  maxDescriptionLength: number;
  maxRecordBytes: number;
  maxPatchItems: number;
  maxMembershipsPerUser: number;
  maxMembersPerChannel: number;
}

export interface Keyset {
  publishKey: string;
  subscribeKey: string;
  secretKey?: string;
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
};

/**
 * The longest a message may be kept before it expires, in hours (a publish's `ttl`, a keyset's
 * `messageRetentionHours`): 100 years, so an expiry timetoken stays well inside 64 bits.
 */
export const MAX_TTL_HOURS = 876_600;

export type KeysetInput = Partial<Omit<Keyset, 'limits'>> & {
  publishKey: string;
  subscribeKey: string;
  limits?: Partial<KeysetLimits>;
};

export function keysetFrom(input: KeysetInput): Keyset {
  if (input.accessManager === true && !input.secretKey) {
    throw new Error(`keyset ${input.subscribeKey}: accessManager needs a secretKey to sign and check tokens`);
  }
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
    ...input,
    limits: { ...DEFAULT_LIMITS, ...input.limits },
  };
}

/** The keysets this node serves, looked up by subscribe or publish key. */
export class Keysets {
  readonly #bySubscribeKey = new Map<string, Keyset>();
  /** Whether any keyset has a secret key, i.e. whether signatures can matter at all. */
  readonly anySecretKey: boolean;

  constructor(keysets: readonly Keyset[]) {
    for (const keyset of keysets) this.#bySubscribeKey.set(keyset.subscribeKey, keyset);
    this.anySecretKey = keysets.some((keyset) => keyset.secretKey !== undefined);
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
