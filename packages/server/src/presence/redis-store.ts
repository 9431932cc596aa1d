import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';
import { RosterError } from '../errors.ts';
import * as scripts from './redis-scripts.ts';
import { parseState, stateJson } from './state-json.ts';
import type {
  ChannelOccupancy,
  DeltaKind,
  ExpiredPresence,
  HeartbeatOutcome,
  HeartbeatWindow,
  IntervalDue,
  PresenceState,
  PresenceStore,
  PresentUuid,
} from './store.ts';

/** A Lua script run by its SHA-1 (EVALSHA), sent whole once when Redis does not know it yet. */
class LuaScript {
  readonly #lua: string;
  readonly #sha: string;

  constructor(lua: string) {
    this.#lua = lua;
    this.#sha = createHash('sha1').update(lua).digest('hex');
  }

  async run(client: Redis, args: readonly (string | number)[]): Promise<unknown> {
    try {
      return await client.evalsha(this.#sha, 0, ...args);
    } catch (error) {
      // Redis forgets scripts on restart or SCRIPT FLUSH; EVAL loads it again.
      if (!(error instanceof Error) || !error.message.startsWith('NOSCRIPT')) throw error;
      return client.eval(this.#lua, 0, ...args);
    }
  }
}

const SCRIPTS = {
  heartbeat: new LuaScript(scripts.HEARTBEAT),
  leave: new LuaScript(scripts.LEAVE),
  expire: new LuaScript(scripts.EXPIRE),
  announced: new LuaScript(scripts.ANNOUNCED),
  forgetStates: new LuaScript(scripts.FORGET_STATES),
  occupancy: new LuaScript(scripts.OCCUPANCY),
  present: new LuaScript(scripts.PRESENT),
  whereNow: new LuaScript(scripts.WHERE_NOW),
  setState: new LuaScript(scripts.SET_STATE),
  getState: new LuaScript(scripts.GET_STATE),
  markBusy: new LuaScript(scripts.MARK_BUSY),
  busy: new LuaScript(scripts.BUSY_CHANNELS),
  noteDelta: new LuaScript(scripts.NOTE_DELTA),
  interval: new LuaScript(scripts.INTERVAL),
};

/** How a delta kind is kept in a channel's list: its first letter before the uuid. */
const KIND_LETTERS: Record<DeltaKind, string> = { join: 'j', leave: 'l', timeout: 't' };
/** How many claims one `announced` script settles at most, so that no one script holds Redis long. */
const SETTLE_AT_ONCE = 1000;

const KINDS_BY_LETTER = new Map(Object.entries(KIND_LETTERS).map(([kind, letter]) => [letter, kind as DeltaKind]));

/**
 * Presence kept in Redis, shared by every node that names the same Redis and key prefix
 * (`--presence redis://…`): heartbeats on any node count as one user's, and any node's sweep
 * (`expire`) times out the users of a node that died, and forgets states kept past their time
 * (`forgetStates`). Each method is one Lua script
 * (redis-scripts.ts lists the keys), so each is atomic across nodes: an expired presence is
 * claimed by exactly one `expire`, an interval by exactly one `interval`. Each call costs the
 * channels, uuids or page it names (sorted-set operations, O(log n) each), never a scan.
 * A claim on a timeout (`expire`'s lease) lives in Redis too, so any node hands it out again when
 * the node that took it failed to announce it, lost Redis's reply, or died.
 *
 * The client is the caller's to configure and connect (create.ts); `close` quits it.
 */
export class RedisPresenceStore implements PresenceStore {
  readonly #client: Redis;
  readonly #prefix: string;

  constructor(client: Redis, prefix: string) {
    this.#client = client;
    this.#prefix = prefix;
  }

  async heartbeat(
    subKey: string,
    uuid: string,
    channels: readonly string[],
    window: HeartbeatWindow,
    state?: ReadonlyMap<string, PresenceState>,
  ): Promise<HeartbeatOutcome> {
    const unique = [...new Set(channels)];
    const states = unique.flatMap((channel) => {
      const given = state?.get(channel);
      return given === undefined ? [] : [channel, stateJson(given)];
    });
    const { now, timeoutMs, defaultTimeoutMs } = window;
    const times = [Math.floor(now), timeoutMs === undefined ? '' : Math.floor(timeoutMs), Math.floor(defaultTimeoutMs)];
    const reply = await this.#run('heartbeat', [subKey, uuid, ...times, unique.length, ...unique, states.length / 2, ...states]);
    const [joined, changed] = reply as [unknown[], unknown[]];
    return { joined: occupancies(joined), stateChanged: occupancies(changed) };
  }

  async leave(subKey: string, uuid: string, channels: readonly string[]): Promise<ChannelOccupancy[]> {
    if (channels.length === 0) return [];
    return occupancies(await this.#run('leave', [subKey, uuid, ...new Set(channels)]));
  }

  async expire(now: number, limit: number, leaseMs: number): Promise<ExpiredPresence[]> {
    if (limit <= 0) return [];
    const reply = (await this.#run('expire', [Math.floor(now), Math.floor(limit), Math.floor(leaseMs)])) as unknown[];
    const expired: ExpiredPresence[] = [];
    for (let i = 0; i < reply.length; i += 5) {
      const [subKey, channel, uuid, occupancy, leaseUntil] = reply.slice(i, i + 5);
      expired.push({ subKey: String(subKey), channel: String(channel), uuid: String(uuid), occupancy: Number(occupancy), leaseUntil: Number(leaseUntil) });
    }
    return expired;
  }

  async announced(claims: readonly ExpiredPresence[]): Promise<void> {
    for (let start = 0; start < claims.length; start += SETTLE_AT_ONCE) {
      const names = claims
        .slice(start, start + SETTLE_AT_ONCE)
        .flatMap(({ subKey, channel, uuid, leaseUntil }) => [subKey, channel, uuid, Math.floor(leaseUntil)]);
      await this.#run('announced', names);
    }
  }

  async forgetStates(now: number, limit: number): Promise<number> {
    if (limit <= 0) return 0;
    return Number(await this.#run('forgetStates', [now, Math.floor(limit)]));
  }

  async occupancy(subKey: string, channels: readonly string[]): Promise<Map<string, number>> {
    if (channels.length === 0) return new Map();
    const counts = (await this.#run('occupancy', [subKey, ...channels])) as unknown[];
    return new Map(channels.map((channel, i) => [channel, Number(counts[i])]));
  }

  async present(subKey: string, channel: string, offset: number, limit: number, withState: boolean): Promise<PresentUuid[]> {
    if (limit <= 0) return [];
    // A negative rank would count from the end in Redis.
    const from = Math.max(0, Math.floor(offset));
    const reply = (await this.#run('present', [subKey, channel, from, Math.floor(limit), withState ? 1 : 0])) as string[];
    const page: PresentUuid[] = [];
    for (let i = 0; i < reply.length; i += 2) {
      const json = reply[i + 1]!;
      page.push(json === '' ? { uuid: reply[i]! } : { uuid: reply[i]!, state: parseState(json) });
    }
    return page;
  }

  async whereNow(subKey: string, uuid: string): Promise<string[]> {
    return (await this.#run('whereNow', [subKey, uuid])) as string[];
  }

  async setState(subKey: string, uuid: string, channels: readonly string[], state: PresenceState, keepUntil: number): Promise<ChannelOccupancy[]> {
    if (channels.length === 0) return [];
    return occupancies(await this.#run('setState', [subKey, uuid, stateJson(state), keepUntil, ...new Set(channels)]));
  }

  async getState(subKey: string, uuid: string, channels: readonly string[]): Promise<Map<string, PresenceState>> {
    if (channels.length === 0) return new Map();
    const reply = (await this.#run('getState', [subKey, uuid, ...channels])) as string[];
    const states = new Map<string, PresenceState>();
    channels.forEach((channel, i) => {
      const json = reply[i]!;
      if (json !== '') states.set(channel, parseState(json));
    });
    return states;
  }

  async markBusy(subKey: string, channel: string): Promise<void> {
    await this.#run('markBusy', [subKey, channel]);
  }

  async busy(): Promise<{ subKey: string; channel: string }[]> {
    const reply = (await this.#run('busy', [])) as string[];
    const busy: { subKey: string; channel: string }[] = [];
    for (let i = 0; i < reply.length; i += 2) busy.push({ subKey: reply[i]!, channel: reply[i + 1]! });
    return busy;
  }

  async noteDelta(subKey: string, channel: string, kind: DeltaKind, uuid: string, maxDeltas: number): Promise<void> {
    await this.#run('noteDelta', [subKey, channel, KIND_LETTERS[kind], uuid, maxDeltas]);
  }

  async interval(subKey: string, channel: string, now: number, everyMs: number, quiet: number): Promise<IntervalDue | undefined> {
    const reply = await this.#run('interval', [subKey, channel, now, everyMs, quiet]);
    if (reply === null) return undefined;
    const [occupancy, deltas, overflow] = reply as [number, string[], number];
    const due: IntervalDue = { occupancy: Number(occupancy), join: [], leave: [], timeout: [], overflow: Number(overflow) === 1 };
    for (const delta of deltas) {
      const kind = KINDS_BY_LETTER.get(delta.charAt(0));
      if (kind !== undefined) due[kind].push(delta.slice(1));
    }
    return due;
  }

  async ping(): Promise<void> {
    await this.#client.ping();
  }

  async close(): Promise<void> {
    await this.#client.quit().catch(() => this.#client.disconnect());
  }

  /** Runs a script; a failure of Redis or of the connection is a 503 for the request that asked. */
  #run(name: keyof typeof SCRIPTS, args: readonly (string | number)[]): Promise<unknown> {
    return SCRIPTS[name].run(this.#client, [this.#prefix, ...args]).catch((error: unknown) => {
      const unavailable = new RosterError('PRESENCE_UNAVAILABLE', 'The server cannot reach its presence store (Redis) right now; try again later.');
      throw Object.assign(unavailable, { cause: error });
    });
  }
}

/** A script's flat list of channel and occupancy, as `ChannelOccupancy` records. */
function occupancies(flat: unknown): ChannelOccupancy[] {
  const list = flat as unknown[];
  const result: ChannelOccupancy[] = [];
  for (let i = 0; i < list.length; i += 2) result.push({ channel: String(list[i]), occupancy: Number(list[i + 1]) });
  return result;
}
