import { randomBytes } from 'node:crypto';
import { deleteRedisKeys, redisUnavailable, redisUrlWithPrefix } from '@roster/testing';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { keysetFrom, Keysets, type Keyset, type KeysetInput } from '../model/keyset.ts';
import { STDERR_LOG, type Log } from '../model/log.ts';
import { RealtimeHub } from '../realtime/hub.ts';
import { InProcessBus } from '../realtime/in-process-bus.ts';
import { MAX_INTERVAL_DELTAS } from './announce.ts';
import { createPresenceStore } from './create.ts';
import { MemoryPresenceStore } from './memory-store.ts';
import { PresenceService } from './service.ts';
import type { PresenceStore } from './store.ts';
import { TIMEOUT_LEASE_MS } from './sweep.ts';

// The presence service over the real in-process store and a real hub: events are read back the
// way a client reads them, by subscribing to `{channel}-pnpres`. Time is an injected clock, and
// the timers' work is run with `tick()`.

const START = 1_790_000_000_000;

/** The `d` of a presence envelope: the event, its state written as `data` (the wire's name). */
type WireEvent = Record<string, unknown>;

const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const close of cleanup.splice(0).reverse()) await close();
});

/** A log that keeps what it is told. */
function recordingLog(): Log & { lines: { level: string; message: string; fields: object }[] } {
  const lines: { level: string; message: string; fields: object }[] = [];
  const at = (level: string) => (fields: object, message: string) => void lines.push({ level, message, fields });
  return { lines, error: at('error'), warn: at('warn'), info: at('info') };
}

const keyset = (input: Partial<KeysetInput> = {}): Keyset => keysetFrom({ publishKey: 'pub', subscribeKey: 'demo', ...input });

/** A node of presence: a service over `store`, announcing through a hub on `bus`. */
function node(store: PresenceStore, keysets: Keyset[], clock: { now: number }, bus?: InProcessBus) {
  const log = recordingLog();
  const hub = new RealtimeHub({}, { bus, log });
  const presence = new PresenceService(store, hub, new Keysets(keysets), { now: () => clock.now, log, sweepMs: 20 });
  cleanup.push(async () => {
    await presence.stop();
    await hub.close();
  });
  return { hub, presence, log };
}

/** A world of one node and one keyset (`demo`), its clock at `START`. */
function world(input: Partial<KeysetInput> = {}) {
  const clock = { now: START };
  const store = new MemoryPresenceStore();
  cleanup.push(() => store.close());
  const ks = keyset(input);
  return { clock, store, keyset: ks, ...node(store, [ks], clock) };
}

/** Subscribes to `{channel}-pnpres` now; `events()` then answers what was delivered there since the last call. */
function watch(hub: RealtimeHub, channel: string) {
  const query = { subKey: 'demo', channels: [`${channel}-pnpres`], filter: undefined };
  let cursor: bigint | undefined;
  hub.subscribe({ ...query, after: undefined }, (body) => (cursor = BigInt((JSON.parse(body) as { t: { t: string } }).t.t)));
  return {
    events(): WireEvent[] {
      let events: WireEvent[] = [];
      const held = hub.subscribe({ ...query, after: cursor }, (body) => {
        const answer = JSON.parse(body) as { t: { t: string }; m: { c: string; d: WireEvent }[] };
        cursor = BigInt(answer.t.t);
        events = answer.m.map((envelope) => envelope.d);
      });
      if (held) hub.cancel(held);
      return events;
    },
  };
}

const at = (now: number) => ({ timestamp: Math.floor(now / 1000), precise_timestamp: now });

describe('PresenceService: join, leave, timeout', () => {
  it('announces a join once; heartbeats while present are silent', async () => {
    const { hub, presence, keyset, clock } = world();
    const room = watch(hub, 'room');
    await presence.heartbeat(keyset, 'alice', ['room'], 60);
    expect(room.events()).toEqual([{ action: 'join', uuid: 'alice', occupancy: 1, ...at(START) }]);
    clock.now += 5000;
    await presence.heartbeat(keyset, 'alice', ['room'], 60);
    expect(room.events()).toEqual([]);
    await presence.heartbeat(keyset, 'bob', ['room'], undefined);
    expect(room.events()).toEqual([{ action: 'join', uuid: 'bob', occupancy: 2, ...at(clock.now) }]);
  });

  it('announces a leave on the channels the uuid was present on only', async () => {
    const { hub, presence, keyset } = world();
    const [room, lobby] = [watch(hub, 'room'), watch(hub, 'lobby')];
    await presence.heartbeat(keyset, 'alice', ['room'], 60);
    await presence.heartbeat(keyset, 'bob', ['room'], 60);
    room.events();
    await presence.leave(keyset, 'alice', ['room', 'lobby']);
    expect(room.events()).toEqual([{ action: 'leave', uuid: 'alice', occupancy: 1, ...at(START) }]);
    expect(lobby.events()).toEqual([]);
    await presence.leave(keyset, 'alice', ['room']);
    expect(room.events()).toEqual([]);
    expect(await presence.whereNow(keyset, 'alice')).toEqual([]);
  });

  it('times a uuid out when its heartbeat window runs out, not before', async () => {
    const { hub, presence, keyset, clock } = world();
    const room = watch(hub, 'room');
    await presence.heartbeat(keyset, 'alice', ['room'], 60);
    room.events();
    clock.now = START + 60_000 - 1;
    await presence.tick();
    expect(room.events()).toEqual([]);
    clock.now = START + 60_000;
    await presence.tick();
    expect(room.events()).toEqual([{ action: 'timeout', uuid: 'alice', occupancy: 0, ...at(clock.now) }]);
    expect((await presence.hereNow(keyset, ['room'], { uuids: true, state: false, limit: 100, offset: 0 })).get('room')).toEqual({ occupancy: 0, uuids: [] });
  });

  it('moves the window on with each heartbeat', async () => {
    const { hub, presence, keyset, clock } = world();
    const room = watch(hub, 'room');
    await presence.heartbeat(keyset, 'alice', ['room'], 60);
    clock.now += 50_000;
    await presence.heartbeat(keyset, 'alice', ['room'], 60);
    room.events();
    clock.now = START + 100_000;
    await presence.tick();
    expect(room.events()).toEqual([]);
    clock.now = START + 110_000;
    await presence.tick();
    expect(room.events()).toMatchObject([{ action: 'timeout', uuid: 'alice' }]);
  });

  it('refreshes a present uuid at once, as a heartbeat would, and leaves a join to heartbeat', async () => {
    const { hub, presence, keyset, clock } = world();
    const room = watch(hub, 'room');
    expect(presence.refresh(keyset, 'alice', ['room'], 60)).toBe(false);
    expect(await presence.whereNow(keyset, 'alice')).toEqual([]);
    await presence.heartbeat(keyset, 'alice', ['room'], 60);
    room.events();
    clock.now += 50_000;
    expect(presence.refresh(keyset, 'alice', ['room', 'room-pnpres'], 60)).toBe(true);
    clock.now += 5_000;
    expect(presence.refresh(keyset, 'alice', ['room', 'lobby'], 60)).toBe(false); // not present on lobby: room does not move either
    clock.now = START + 100_000;
    await presence.tick();
    expect(room.events()).toEqual([]);
    clock.now = START + 110_000;
    await presence.tick();
    expect(room.events()).toMatchObject([{ action: 'timeout', uuid: 'alice' }]);
    expect(await presence.whereNow(keyset, 'alice')).toEqual([]);
  });

  it('clamps the timeout into the keyset limits, defaulting to presenceTimeoutSeconds', async () => {
    const { hub, presence, keyset, clock } = world({ presenceTimeoutSeconds: 120 });
    expect([presence.timeoutOf(keyset, undefined), presence.timeoutOf(keyset, 5), presence.timeoutOf(keyset, 86_400), presence.timeoutOf(keyset, 45)]).toEqual([
      120, 20, 3600, 45,
    ]);
    const room = watch(hub, 'room');
    await presence.heartbeat(keyset, 'alice', ['room'], 5);
    room.events();
    clock.now = START + 19_999;
    await presence.tick();
    expect(room.events()).toEqual([]);
    clock.now = START + 20_000;
    await presence.tick();
    expect(room.events()).toMatchObject([{ action: 'timeout', uuid: 'alice' }]);
  });

  it('keeps the timeout last given when a heartbeat gives none (JS event-engine polls), the default for a new presence', async () => {
    const { hub, presence, keyset, clock } = world({ presenceTimeoutSeconds: 120 });
    const room = watch(hub, 'room');
    await presence.heartbeat(keyset, 'alice', ['room'], 30);
    await presence.heartbeat(keyset, 'bob', ['room'], undefined);
    clock.now = START + 10_000;
    await presence.heartbeat(keyset, 'alice', ['room'], undefined);
    room.events();
    clock.now = START + 40_000 - 1;
    await presence.tick();
    expect(room.events()).toEqual([]);
    clock.now = START + 40_000;
    await presence.tick();
    expect(room.events()).toMatchObject([{ action: 'timeout', uuid: 'alice' }]);
    clock.now = START + 120_000;
    await presence.tick();
    expect(room.events()).toMatchObject([{ action: 'timeout', uuid: 'bob' }]);
  });

  it('times users out on its own once started', async () => {
    const { hub, presence, keyset, clock } = world();
    const room = watch(hub, 'room');
    await presence.heartbeat(keyset, 'alice', ['room'], 20);
    room.events();
    presence.start();
    clock.now += 20_000;
    const seen: WireEvent[] = [];
    await vi.waitFor(() => {
      seen.push(...room.events());
      expect(seen).toMatchObject([{ action: 'timeout', uuid: 'alice' }]);
    });
    await presence.stop();
  });

  it('ignores -pnpres channels: nobody is present on one', async () => {
    const { hub, presence, keyset } = world();
    const room = watch(hub, 'room');
    await presence.heartbeat(keyset, 'alice', ['room-pnpres', 'room'], 60, new Map([['room-pnpres', { x: 1 }]]));
    expect(await presence.whereNow(keyset, 'alice')).toEqual(['room']);
    expect((await presence.hereNow(keyset, ['room-pnpres'], { uuids: true, state: false, limit: 10, offset: 0 })).get('room-pnpres')).toEqual({
      occupancy: 0,
      uuids: [],
    });
    expect(room.events()).toEqual([{ action: 'join', uuid: 'alice', occupancy: 1, ...at(START) }]);
    await presence.heartbeat(keyset, 'bob', ['room-pnpres'], 60);
    await presence.leave(keyset, 'alice', ['room-pnpres']);
    expect(room.events()).toEqual([]);
    expect(await presence.whereNow(keyset, 'alice')).toEqual(['room']);
  });
});

describe('PresenceService: state', () => {
  it('carries the state of a heartbeat on the join, and announces a changed one', async () => {
    const { hub, presence, keyset } = world();
    const room = watch(hub, 'room');
    await presence.heartbeat(keyset, 'alice', ['room'], 60, new Map([['room', { mood: 'calm' }]]));
    expect(room.events()).toEqual([{ action: 'join', uuid: 'alice', occupancy: 1, data: { mood: 'calm' }, ...at(START) }]);
    await presence.heartbeat(keyset, 'alice', ['room'], 60, new Map([['room', { mood: 'calm' }]]));
    expect(room.events()).toEqual([]);
    await presence.heartbeat(keyset, 'alice', ['room'], 60, new Map([['room', { mood: 'busy' }]]));
    expect(room.events()).toEqual([{ action: 'state-change', uuid: 'alice', occupancy: 1, data: { mood: 'busy' }, ...at(START) }]);
    expect(await presence.getState(keyset, 'alice', ['room'])).toEqual(new Map([['room', { mood: 'busy' }]]));
  });

  it('sets state, announcing it where the uuid is present and it changed', async () => {
    const { hub, presence, keyset } = world();
    const [room, lobby] = [watch(hub, 'room'), watch(hub, 'lobby')];
    await presence.heartbeat(keyset, 'alice', ['room'], 60);
    room.events();
    expect(await presence.setState(keyset, 'alice', ['room', 'lobby'], { typing: true })).toEqual({ typing: true });
    expect(room.events()).toEqual([{ action: 'state-change', uuid: 'alice', occupancy: 1, data: { typing: true }, ...at(START) }]);
    expect(lobby.events()).toEqual([]);
    await presence.setState(keyset, 'alice', ['room'], { typing: true });
    expect(room.events()).toEqual([]);
    expect(await presence.getState(keyset, 'alice', ['room', 'lobby', 'elsewhere'])).toEqual(
      new Map([
        ['room', { typing: true }],
        ['lobby', { typing: true }],
      ]),
    );
    const here = await presence.hereNow(keyset, ['room'], { uuids: true, state: true, limit: 10, offset: 0 });
    expect(here.get('room')).toEqual({ occupancy: 1, uuids: [{ uuid: 'alice', state: { typing: true } }] });
  });
});

describe('PresenceService: here-now and where-now', () => {
  it('counts and pages each channel’s uuids in uuid order', async () => {
    const { presence, keyset } = world();
    for (const uuid of ['carol', 'alice', 'bob']) await presence.heartbeat(keyset, uuid, ['room'], 60);
    await presence.heartbeat(keyset, 'alice', ['lobby'], 60);
    const page = await presence.hereNow(keyset, ['room', 'lobby', 'empty'], { uuids: true, state: false, limit: 2, offset: 1 });
    expect([...page]).toEqual([
      ['room', { occupancy: 3, uuids: [{ uuid: 'bob' }, { uuid: 'carol' }] }],
      ['lobby', { occupancy: 1, uuids: [] }],
      ['empty', { occupancy: 0, uuids: [] }],
    ]);
    const counts = await presence.hereNow(keyset, ['room', 'room'], { uuids: false, state: true, limit: 2, offset: 0 });
    expect([...counts]).toEqual([['room', { occupancy: 3 }]]);
    expect(await presence.whereNow(keyset, 'alice')).toEqual(['lobby', 'room']);
  });
});

describe('PresenceService: interval mode', () => {
  const busy = { presenceAnnounceMax: 2, presenceIntervalSeconds: 10, presenceDeltas: true };

  it('goes into interval mode past the announce max, lists deltas every interval, and comes back', async () => {
    const { hub, presence, keyset, clock } = world(busy);
    const room = watch(hub, 'room');
    await presence.heartbeat(keyset, 'alice', ['room'], 60);
    await presence.heartbeat(keyset, 'bob', ['room'], 60);
    expect(room.events()).toMatchObject([
      { action: 'join', uuid: 'alice', occupancy: 1 },
      { action: 'join', uuid: 'bob', occupancy: 2 },
    ]);
    await presence.heartbeat(keyset, 'carol', ['room'], 60);
    expect(room.events()).toEqual([]);
    await presence.tick();
    expect(room.events()).toEqual([{ action: 'interval', occupancy: 3, join: ['carol'], ...at(START) }]);

    await presence.heartbeat(keyset, 'dave', ['room'], 60);
    await presence.leave(keyset, 'bob', ['room']);
    await presence.setState(keyset, 'carol', ['room'], { away: true });
    expect(room.events()).toEqual([{ action: 'state-change', uuid: 'carol', occupancy: 3, data: { away: true }, ...at(START) }]);
    clock.now += 9_999;
    await presence.tick();
    expect(room.events()).toEqual([]);
    clock.now += 1;
    await presence.tick();
    expect(room.events()).toEqual([{ action: 'interval', occupancy: 3, join: ['dave'], leave: ['bob'], ...at(clock.now) }]);

    await presence.leave(keyset, 'carol', ['room']);
    expect(room.events()).toEqual([]);
    clock.now += 10_000;
    await presence.tick();
    expect(room.events()).toEqual([{ action: 'interval', occupancy: 2, leave: ['carol'], ...at(clock.now) }]);
    clock.now += 10_000;
    await presence.tick();
    expect(room.events()).toEqual([]);
    await presence.leave(keyset, 'dave', ['room']);
    expect(room.events()).toEqual([{ action: 'leave', uuid: 'dave', occupancy: 1, ...at(clock.now) }]);
  });

  it('lists timeouts in the interval event, and sends the occupancy alone every interval', async () => {
    const { hub, presence, keyset, clock } = world(busy);
    const room = watch(hub, 'room');
    for (const uuid of ['a', 'b', 'c', 'd']) await presence.heartbeat(keyset, uuid, ['room'], uuid === 'd' ? 20 : 60);
    await presence.tick();
    expect(room.events().at(-1)).toEqual({ action: 'interval', occupancy: 4, join: ['c', 'd'], ...at(START) });
    clock.now += 10_000;
    await presence.tick();
    expect(room.events()).toEqual([{ action: 'interval', occupancy: 4, ...at(clock.now) }]);
    clock.now += 10_000;
    await presence.tick();
    expect(room.events()).toEqual([{ action: 'interval', occupancy: 3, timeout: ['d'], ...at(clock.now) }]);
  });

  it('asks for a here-now instead of listing more than MAX_INTERVAL_DELTAS changes', async () => {
    const { hub, presence, keyset } = world(busy);
    const room = watch(hub, 'room');
    const uuids = Array.from({ length: MAX_INTERVAL_DELTAS + 3 }, (_, n) => `user-${String(n).padStart(3, '0')}`);
    for (const uuid of uuids) await presence.heartbeat(keyset, uuid, ['room'], 60);
    await presence.tick();
    expect(room.events().at(-1)).toEqual({ action: 'interval', occupancy: uuids.length, here_now_refresh: true, ...at(START) });
  });

  it('sends the occupancy alone without presence deltas', async () => {
    const { hub, presence, keyset } = world({ ...busy, presenceDeltas: false });
    const room = watch(hub, 'room');
    for (const uuid of ['a', 'b', 'c']) await presence.heartbeat(keyset, uuid, ['room'], 60);
    await presence.tick();
    expect(room.events().at(-1)).toEqual({ action: 'interval', occupancy: 3, ...at(START) });
  });
});

describe('PresenceService: failures', () => {
  it('logs an event the bus would not take, and keeps the presence', async () => {
    const clock = { now: START };
    const store = new MemoryPresenceStore();
    cleanup.push(() => store.close());
    const bus = new InProcessBus();
    const ks = keyset();
    const { presence, log } = node(store, [ks], clock, bus);
    await bus.close();
    await expect(presence.heartbeat(ks, 'alice', ['room'], 60)).resolves.toBeUndefined();
    await expect(presence.leave(ks, 'alice', ['room'])).resolves.toBeUndefined();
    await presence.heartbeat(ks, 'bob', ['room'], 60);
    expect(await presence.whereNow(ks, 'bob')).toEqual(['room']);
    expect(log.lines.filter((line) => line.message === 'a presence event was not published').map((line) => line.fields)).toMatchObject([
      { channel: 'room', action: 'join' },
      { channel: 'room', action: 'leave' },
      { channel: 'room', action: 'join' },
    ]);
  });
});

const noRedis = await redisUnavailable();
const REDIS_RUN = `roster:test:presence-service:${randomBytes(4).toString('hex')}:`;

describe.skipIf(noRedis !== undefined)(`PresenceService: two nodes on one Redis${noRedis === undefined ? '' : ` (skipped: ${noRedis})`}`, () => {
  afterAll(() => deleteRedisKeys(REDIS_RUN));
  let runs = 0;

  /** Two nodes: each its own store connection, service and hub, sharing one Redis prefix and one bus. */
  async function cluster() {
    const clock = { now: START };
    const prefix = `${REDIS_RUN}${++runs}:`;
    const stores = [
      await createPresenceStore(redisUrlWithPrefix(prefix), { log: STDERR_LOG }),
      await createPresenceStore(redisUrlWithPrefix(prefix), { log: STDERR_LOG }),
    ];
    const bus = new InProcessBus();
    cleanup.push(async () => {
      await Promise.all(stores.map((store) => store.close()));
      await bus.close();
    });
    const ks = keyset();
    return { clock, keyset: ks, stores, one: node(stores[0]!, [ks], clock, bus), two: node(stores[1]!, [ks], clock, bus) };
  }

  it('counts a uuid once whichever node hears it: a join on one, a leave on the other', async () => {
    const { keyset, one, two } = await cluster();
    const room = watch(one.hub, 'room');
    await one.presence.heartbeat(keyset, 'alice', ['room'], 60);
    await two.presence.heartbeat(keyset, 'alice', ['room'], 60);
    expect(room.events()).toEqual([{ action: 'join', uuid: 'alice', occupancy: 1, ...at(START) }]);
    expect((await two.presence.hereNow(keyset, ['room'], { uuids: true, state: false, limit: 10, offset: 0 })).get('room')).toEqual({
      occupancy: 1,
      uuids: [{ uuid: 'alice' }],
    });
    await two.presence.leave(keyset, 'alice', ['room']);
    await one.presence.leave(keyset, 'alice', ['room']);
    expect(room.events()).toEqual([{ action: 'leave', uuid: 'alice', occupancy: 0, ...at(START) }]);
  });

  it('times out the users of a node that died, on the node left', async () => {
    const { keyset, clock, one, two } = await cluster();
    const room = watch(two.hub, 'room');
    await one.presence.heartbeat(keyset, 'alice', ['room'], 20);
    await one.presence.heartbeat(keyset, 'bob', ['room'], 30);
    room.events();
    await one.presence.stop();
    clock.now += 30_000;
    await Promise.all([two.presence.tick(), one.presence.tick()]);
    expect(room.events()).toEqual([
      { action: 'timeout', uuid: 'alice', occupancy: 1, ...at(clock.now) },
      { action: 'timeout', uuid: 'bob', occupancy: 0, ...at(clock.now) },
    ]);
  });

  it('announces a timeout taken by a node killed before announcing it, on the node left, once its lease ends', async () => {
    const { keyset, clock, stores, one, two } = await cluster();
    const room = watch(two.hub, 'room');
    await one.presence.heartbeat(keyset, 'alice', ['room'], 20);
    room.events();
    await one.presence.stop();
    clock.now += 20_000;
    // Node one's sweep took alice's timeout from the store, as `tick` does, and died there.
    expect(await stores[0]!.expire(clock.now, 10, TIMEOUT_LEASE_MS)).toEqual([
      { subKey: 'demo', channel: 'room', uuid: 'alice', occupancy: 0, leaseUntil: clock.now + TIMEOUT_LEASE_MS },
    ]);
    await two.presence.tick();
    expect(room.events()).toEqual([]);
    clock.now += TIMEOUT_LEASE_MS;
    await two.presence.tick();
    expect(room.events()).toEqual([{ action: 'timeout', uuid: 'alice', occupancy: 0, ...at(clock.now) }]);
    clock.now += TIMEOUT_LEASE_MS;
    await two.presence.tick();
    expect(room.events()).toEqual([]);
  });

  it('rejects a heartbeat the store fails, and a leave', async () => {
    const { keyset, stores, one } = await cluster();
    await stores[0]!.close();
    await expect(one.presence.heartbeat(keyset, 'alice', ['room'], 60)).rejects.toThrow();
    await expect(one.presence.leave(keyset, 'alice', ['room'])).rejects.toThrow();
  });
});
