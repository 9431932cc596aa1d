/**
 * Presence over real HTTP, as PubNub's REST API gives it: heartbeats and subscribes keep a uuid
 * present, leave and timeouts end it; here-now (one channel, several, pages of a crowd),
 * where-now, presence state; the join, leave, timeout, state-change and interval events a
 * subscriber of `{channel}-pnpres` gets; and a 400 naming the parameter for each bad one. Events
 * are waited for (a watcher keeps polling), so the same checks hold on a cluster.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { useServer } from '@roster/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { encode } from './http.ts';
import { get, inParallel, presenceKeyset, until, watch, type Envelope, type Watcher } from './presence-fixtures.ts';

const SUB = 'pres';
/** Interval mode past 2 present, with presence deltas. */
const BUSY = 'pres-busy';
/** Interval mode past 2 present (so 10,000 joins are not announced one by one). */
const CROWD = 'pres-crowd';

const server = useServer({
  keysets: [presenceKeyset(SUB), presenceKeyset(BUSY, { presenceAnnounceMax: 2, presenceDeltas: true }), presenceKeyset(CROWD, { presenceAnnounceMax: 2 })],
  args: ['--subscribe-hold', '2'],
});

const watchers: Watcher[] = [];
afterEach(async () => {
  await Promise.all(watchers.splice(0).map((watcher) => watcher.stop()));
});

const JS_TYPE = 'text/javascript; charset="UTF-8"';
const OK = { status: 200, message: 'OK', service: 'Presence' };
const presence = (path: string, query: Record<string, string | number> = {}, subKey = SUB) => get(server, `/v2/presence/sub-key/${subKey}${path}`, query);
const heartbeat = (channels: string, uuid: string, query: Record<string, string | number> = {}, subKey = SUB) =>
  presence(`/channel/${channels}/heartbeat`, { uuid, ...query }, subKey);
const leave = (channels: string, uuid: string, query: Record<string, string> = {}) => presence(`/channel/${channels}/leave`, { uuid, ...query });
const hereNow = (channels: string, query: Record<string, string | number> = {}, subKey = SUB) => presence(`/channel/${channels}`, query, subKey);
const whereNow = (uuid: string) => presence(`/uuid/${encode(uuid)}`);
const state = (value: unknown) => JSON.stringify(value);

/**
 * Polls `path` from timetoken `tt` on (each answer's timetoken the next poll's) until an answer
 * carries an envelope that matches `done`, for at most `timeoutMs`: the envelopes of the polls, and
 * the last answer's timetoken. On a cluster an event may reach the polled node after its poll.
 */
async function pollFor(path: string, query: Record<string, string>, tt: string, done: (envelope: Envelope) => boolean, timeoutMs = 6000) {
  const envelopes: Envelope[] = [];
  const deadline = Date.now() + timeoutMs;
  let cursor = tt;
  while (!envelopes.some(done)) {
    if (Date.now() > deadline) throw new Error(`no matching envelope in ${timeoutMs} ms; got ${JSON.stringify(envelopes.map((e) => [e.c, e.d]))}`);
    const answer = await get(server, path, { ...query, tt: cursor, tr: 1 });
    expect(answer.status).toBe(200);
    envelopes.push(...(answer.body.m as Envelope[]));
    cursor = answer.body.t.t;
  }
  return { envelopes, cursor };
}

describe('heartbeat, here-now and where-now', () => {
  it('a heartbeat makes the uuid present: here-now lists it, where-now names the channel, and leave ends it', async () => {
    const beat = await heartbeat('lobby', 'alice', { heartbeat: 60 });
    expect(beat).toMatchObject({ status: 200, type: JS_TYPE, body: OK });
    expect((await hereNow('lobby')).body).toEqual({ ...OK, uuids: ['alice'], occupancy: 1 });
    expect((await whereNow('alice')).body).toEqual({ ...OK, payload: { channels: ['lobby'] } });

    expect((await leave('lobby', 'alice')).body).toEqual({ ...OK, action: 'leave' });
    expect((await hereNow('lobby')).body).toEqual({ ...OK, uuids: [], occupancy: 0 });
    expect((await whereNow('alice')).body).toEqual({ ...OK, payload: { channels: [] } });
  });

  it('answers several channels per channel, with totals; disable_uuids answers the occupancy only', async () => {
    await heartbeat('north,south', 'bob', { heartbeat: 60 });
    await heartbeat('north', 'cleo', { heartbeat: 60 });
    const both = await hereNow('north,south,west');
    expect(both.body).toEqual({
      ...OK,
      payload: {
        channels: { north: { uuids: ['bob', 'cleo'], occupancy: 2 }, south: { uuids: ['bob'], occupancy: 1 }, west: { uuids: [], occupancy: 0 } },
        total_channels: 3,
        total_occupancy: 3,
      },
    });
    expect((await hereNow('north', { disable_uuids: 1 })).body).toEqual({ ...OK, occupancy: 2 });
    expect((await hereNow('north,south', { disable_uuids: 1 })).body.payload.channels).toEqual({ north: { occupancy: 2 }, south: { occupancy: 1 } });
    expect((await whereNow('bob')).body.payload.channels).toEqual(['north', 'south']);
  });

  it('a subscribe with a uuid marks it present (not on -pnpres channels); one without a uuid does not', async () => {
    expect((await get(server, `/v2/subscribe/${SUB}/hall,hall-pnpres/0`, { uuid: 'dora' })).status).toBe(200);
    expect((await get(server, `/v2/subscribe/${SUB}/annex/0`)).status).toBe(200);
    expect((await hereNow('hall')).body).toMatchObject({ uuids: ['dora'], occupancy: 1 });
    expect((await hereNow('hall-pnpres')).body).toMatchObject({ occupancy: 0 });
    expect((await hereNow('annex')).body).toMatchObject({ occupancy: 0 });
    expect((await whereNow('dora')).body.payload.channels).toEqual(['hall']);
  });

  it('holds a present subscriber’s poll no longer than its presence timeout allows', async () => {
    const { body } = await get(server, `/v2/subscribe/${SUB}/brief/0`, { uuid: 'quick', heartbeat: 2 });
    const started = Date.now();
    // A timeout of 2 s holds the poll 1 s (half of it), though the node holds polls 2 s.
    const poll = await get(server, `/v2/subscribe/${SUB}/brief/0`, { uuid: 'quick', heartbeat: 2, tt: body.t.t, tr: 1 });
    expect(poll.status).toBe(200);
    expect(Date.now() - started).toBeLessThan(1900);
    expect((await hereNow('brief')).body.uuids).toEqual(['quick']);
  });
});

describe('events on {channel}-pnpres', () => {
  it('join, state-change, leave and timeout reach a subscriber of the presence channel', async () => {
    const watcher = await watch(server, { subKey: SUB, channels: ['events-pnpres'] }, watchers);
    const before = Date.now();

    await heartbeat('events', 'alice', { heartbeat: 60 });
    const join = await watcher.presence('events', 'join', 'alice');
    expect(join.b ?? join.c).toBe('events-pnpres');
    expect(join.d).toEqual({ action: 'join', uuid: 'alice', occupancy: 1, timestamp: expect.any(Number), precise_timestamp: expect.any(Number) });
    expect(join.d.precise_timestamp).toBeGreaterThanOrEqual(before - 5000);
    expect(join.d.timestamp).toBe(Math.floor(join.d.precise_timestamp / 1000));
    await heartbeat('events', 'alice', { heartbeat: 60 }); // still present: no second join

    await presence('/channel/events/uuid/alice/data', { state: state({ mood: 'curious' }) });
    const changed = await watcher.presence('events', 'state-change', 'alice');
    expect(changed.d).toMatchObject({ uuid: 'alice', occupancy: 1, data: { mood: 'curious' } }); // `data`: the wire's name for the state

    await heartbeat('events', 'bob', { heartbeat: 2 });
    expect((await watcher.presence('events', 'join', 'bob')).d.occupancy).toBe(2);
    await leave('events', 'alice');
    expect((await watcher.presence('events', 'leave', 'alice')).d.occupancy).toBe(1);

    // bob's 2 s run out: the sweep (every second) times him out.
    const timeout = await watcher.presence('events', 'timeout', 'bob', 10_000);
    expect(timeout.d.occupancy).toBe(0);
    expect((await hereNow('events')).body.occupancy).toBe(0);
    expect(watcher.envelopes.filter((envelope) => envelope.d?.action === 'join' && envelope.d.uuid === 'alice')).toHaveLength(1);
  });

  it('polls without heartbeat keep the timeout a heartbeat gave (JS event engine): a 2 s client times out 2 s after it stops', async () => {
    // The JS SDK's event engine sends `heartbeat` on its heartbeats only, never on its subscribe polls.
    const watcher = await watch(server, { subKey: SUB, channels: ['haunt-pnpres'] }, watchers);
    const poll = (uuid: string) => get(server, `/v2/subscribe/${SUB}/haunt/0`, { uuid });
    expect((await heartbeat('haunt', 'ghost', { heartbeat: 2 })).status).toBe(200);
    expect((await poll('steady')).status).toBe(200);
    // Polling for longer than 2 s keeps the ghost present: each poll lasts its 2 s again.
    const stopAt = Date.now() + 3500;
    let lastPoll = Date.now();
    while (Date.now() < stopAt) {
      lastPoll = Date.now();
      expect((await poll('ghost')).status).toBe(200);
      await sleep(300);
    }
    expect((await hereNow('haunt')).body.uuids).toEqual(['ghost', 'steady']);
    expect(watcher.envelopes.filter((envelope) => envelope.d?.action === 'timeout')).toEqual([]);
    // Then it stops: gone about 2 s later, not after the keyset's 10 s; a uuid never given a timeout stays for those 10 s.
    await poll('steady');
    const timeout = await watcher.presence('haunt', 'timeout', 'ghost', 8000);
    expect(Date.now() - lastPoll).toBeLessThan(6000);
    expect(timeout.d.occupancy).toBe(1);
    expect((await hereNow('haunt')).body).toMatchObject({ uuids: ['steady'], occupancy: 1 });
  });

  it('a subscriber with presence gets its own join from the poll after its handshake, once (PubNub’s withPresence)', async () => {
    // The handshake makes px present; the join it announces comes after the timetoken it answers.
    const path = `/v2/subscribe/${SUB}/own,own-pnpres/0`;
    const handshake = await get(server, path, { uuid: 'px' });
    expect(handshake.status).toBe(200);
    expect((await hereNow('own')).body.uuids).toEqual(['px']);
    const seen = await pollFor(path, { uuid: 'px' }, handshake.body.t.t, (envelope) => envelope.d?.uuid === 'px');
    const join = seen.envelopes.find((envelope) => envelope.c === 'own-pnpres' && envelope.d?.uuid === 'px');
    expect(join?.d).toEqual({ action: 'join', uuid: 'px', occupancy: 1, timestamp: expect.any(Number), precise_timestamp: expect.any(Number) });
    expect(BigInt(join!.p.t)).toBeGreaterThan(BigInt(handshake.body.t.t));

    // A channel added by a later poll: its join comes to that poll. Another uuid's join comes as before.
    const wider = `/v2/subscribe/${SUB}/own,own-pnpres,own-2,own-2-pnpres/0`;
    const added = await pollFor(wider, { uuid: 'px' }, seen.cursor, (envelope) => envelope.c === 'own-2-pnpres');
    expect(added.envelopes.map((envelope) => [envelope.c, envelope.d])).toEqual([
      ['own-2-pnpres', expect.objectContaining({ action: 'join', uuid: 'px', occupancy: 1 })],
    ]);
    await heartbeat('own', 'py', { heartbeat: 60 });
    const other = await pollFor(wider, { uuid: 'px' }, added.cursor, (envelope) => envelope.d?.uuid === 'py');
    expect(other.envelopes.map((envelope) => [envelope.c, envelope.d.action, envelope.d.uuid, envelope.d.occupancy])).toEqual([
      ['own-pnpres', 'join', 'py', 2],
    ]);

    // A handshake again (a reconnect) while px is still present announces no join: the next event is pz's.
    const again = await get(server, wider, { uuid: 'px' });
    await heartbeat('own', 'pz', { heartbeat: 60 });
    const next = await pollFor(wider, { uuid: 'px' }, again.body.t.t, (envelope) => envelope.d?.uuid === 'pz');
    expect(next.envelopes.map((envelope) => [envelope.c, envelope.d.action, envelope.d.uuid])).toEqual([['own-pnpres', 'join', 'pz']]);
  });

  it('a watcher of a channel and its -pnpres gets its own join once, then the others’', async () => {
    const me = await watch(server, { subKey: SUB, channels: ['self', 'self-pnpres'], uuid: 'sx' }, watchers);
    expect((await me.presence('self', 'join', 'sx', 8000)).d).toMatchObject({ action: 'join', uuid: 'sx', occupancy: 1 });
    await heartbeat('self', 'sy', { heartbeat: 60 });
    expect((await me.presence('self', 'join', 'sy')).d.occupancy).toBe(2);
    expect(me.envelopes.filter((envelope) => envelope.d?.action === 'join').map((envelope) => envelope.d.uuid)).toEqual(['sx', 'sy']);
  });

  it('a join carries the state its subscribe gave', async () => {
    const watcher = await watch(server, { subKey: SUB, channels: ['moods-pnpres'] }, watchers);
    const reply = await get(server, `/v2/subscribe/${SUB}/moods/0`, { uuid: 'erin', state: state({ moods: { mood: 'calm' } }) });
    expect(reply.status).toBe(200);
    expect((await watcher.presence('moods', 'join', 'erin')).d.data).toEqual({ mood: 'calm' });
  });

  it('past presenceAnnounceMax (2) joins come together in interval events, with their uuids', async () => {
    const watcher = await watch(server, { subKey: BUSY, channels: ['crowded-pnpres'] }, watchers);
    for (const uuid of ['u1', 'u2']) await heartbeat('crowded', uuid, { heartbeat: 60 }, BUSY);
    expect((await watcher.presence('crowded', 'join', 'u2')).d.occupancy).toBe(2);

    for (const uuid of ['u3', 'u4']) await heartbeat('crowded', uuid, { heartbeat: 60 }, BUSY);
    const intervals = () => watcher.envelopes.filter((envelope) => envelope.d?.action === 'interval').map((envelope) => envelope.d);
    await watcher.find((envelope) => envelope.d?.action === 'interval' && envelope.d.occupancy === 4);
    expect(intervals().flatMap((event) => event.join ?? [])).toEqual(expect.arrayContaining(['u3', 'u4']));
    expect(intervals()[0]).toEqual(expect.objectContaining({ action: 'interval', timestamp: expect.any(Number), precise_timestamp: expect.any(Number) }));
    expect(watcher.envelopes.filter((envelope) => envelope.d?.action === 'join').map((envelope) => envelope.d.uuid)).toEqual(['u1', 'u2']);
  });
});

describe('presence state', () => {
  it('set state answers the state; get state answers one channel’s, or several in payload.channels', async () => {
    const set = await presence('/channel/s-1,s-2/uuid/fay/data', { state: state({ age: 20, tags: ['a'] }) });
    expect(set).toMatchObject({ status: 200, type: JS_TYPE, body: { ...OK, payload: { age: 20, tags: ['a'] } } });
    expect((await presence('/channel/s-1/uuid/fay')).body).toEqual({ ...OK, uuid: 'fay', channel: 's-1', payload: { age: 20, tags: ['a'] } });
    expect((await presence('/channel/s-1,s-2,s-3/uuid/fay')).body).toEqual({
      ...OK,
      uuid: 'fay',
      payload: { channels: { 's-1': { age: 20, tags: ['a'] }, 's-2': { age: 20, tags: ['a'] } } },
    });
    expect((await presence('/channel/s-3/uuid/fay')).body.payload).toEqual({});
    // `{}` clears it.
    await presence('/channel/s-1/uuid/fay/data', { state: '{}' });
    expect((await presence('/channel/s-1/uuid/fay')).body.payload).toEqual({});
  });

  it('heartbeats and subscribes carry each channel’s state; here-now with state=1 lists {uuid, state}', async () => {
    await heartbeat('st-1,st-2', 'gus', { heartbeat: 60, state: state({ 'st-1': { role: 'host' }, elsewhere: { x: 1 } }) });
    expect((await presence('/channel/st-1,st-2/uuid/gus')).body.payload).toEqual({ channels: { 'st-1': { role: 'host' } } });
    await get(server, `/v2/subscribe/${SUB}/st-2/0`, { uuid: 'hana', state: state({ 'st-2': { role: 'guest' } }) });

    expect((await hereNow('st-1', { state: 1 })).body).toEqual({ ...OK, uuids: [{ uuid: 'gus', state: { role: 'host' } }], occupancy: 1 });
    expect((await hereNow('st-2', { state: 1 })).body.uuids).toEqual([{ uuid: 'gus' }, { uuid: 'hana', state: { role: 'guest' } }]);
    expect((await hereNow('st-2')).body.uuids).toEqual(['gus', 'hana']);
  });
});

describe('bad input: a 400 naming the parameter', () => {
  const cases: [string, () => ReturnType<typeof presence>, string][] = [
    ['heartbeat not a number', () => heartbeat('v', 'u', { heartbeat: 'soon' }), 'heartbeat'],
    ['heartbeat state not JSON', () => heartbeat('v', 'u', { state: '{nope' }), 'state'],
    ['heartbeat state an array', () => heartbeat('v', 'u', { state: '[1]' }), 'state'],
    ['heartbeat state of a channel not an object', () => heartbeat('v', 'u', { state: state({ v: 1 }) }), 'state'],
    ['heartbeat state nested too deeply', () => heartbeat('v', 'u', { state: state({ v: JSON.parse(`${'{"a":'.repeat(40)}1${'}'.repeat(40)}`) }) }), 'state'],
    ['heartbeat without a uuid', () => presence('/channel/v/heartbeat'), 'uuid'],
    ['heartbeat with a control character in the uuid', () => heartbeat('v', 'a\u0001b'), 'uuid'],
    ['leave without a uuid', () => presence('/channel/v/leave'), 'uuid'],
    ['no channel and no group', () => heartbeat(',', 'u'), 'channel'],
    ['an empty channel name', () => hereNow('a,,b'), 'channel'],
    ['eleven channel groups', () => hereNow(',', { 'channel-group': Array.from({ length: 11 }, (_, i) => `g${i}`).join(',') }), 'channel-group'],
    ['a channel group with an empty name', () => hereNow(',', { 'channel-group': 'a,' }), 'channel-group'],
    ['here-now limit over 1000', () => hereNow('v', { limit: 1001 }), 'limit'],
    ['here-now limit negative', () => hereNow('v', { limit: -1 }), 'limit'],
    ['here-now offset not a number', () => hereNow('v', { offset: 'next' }), 'offset'],
    ['here-now disable_uuids not a flag', () => hereNow('v', { disable_uuids: 2 }), 'disable_uuids'],
    ['here-now state not a flag', () => hereNow('v', { state: 'yes' }), 'state'],
    ['here-now of every channel', () => presence(''), 'channels'],
    ['set state without a state', () => presence('/channel/v/uuid/u/data'), 'state'],
    ['set state not an object', () => presence('/channel/v/uuid/u/data', { state: '"happy"' }), 'state'],
    ['where-now of a uuid over 92 characters', () => whereNow('u'.repeat(93)), 'uuid'],
    ['get state of a uuid with a control character', () => presence(`/channel/v/uuid/${encode('a\u0000')}`), 'uuid'],
  ];

  it.each(cases)('%s', async (_name, call, field) => {
    const reply = await call();
    expect(reply.status).toBe(400);
    expect(reply.type).toBe(JS_TYPE);
    expect(reply.body).toMatchObject({ error: true, service: 'Presence', status: 400 });
    expect(reply.body.message).toContain(field);
  });

  it('subscribe refuses a bad heartbeat or state in its envelope', async () => {
    for (const [query, field] of [
      [{ uuid: 'u', heartbeat: '1.5' }, 'heartbeat'],
      [{ uuid: 'u', state: '[]' }, 'state'],
    ] as const) {
      const reply = await get(server, `/v2/subscribe/${SUB}/v/0`, query);
      expect(reply.status).toBe(400);
      expect(reply.body).toMatchObject({ error: true, service: 'Subscribe', status: 400 });
      expect(reply.body.message).toContain(field);
    }
  });

  it('an unknown subscribe key is a 400 on every presence endpoint', async () => {
    for (const path of ['/channel/v/heartbeat', '/channel/v/leave', '/channel/v', '/uuid/u', '/channel/v/uuid/u', '/channel/v/uuid/u/data']) {
      expect((await presence(path, { uuid: 'u', state: '{}' }, 'nobody')).status).toBe(400);
    }
  });
});

describe('10,000 present users on one channel', () => {
  const USERS = 10_000;
  const uuidOf = (index: number) => `user-${String(index).padStart(5, '0')}`;

  it('here-now pages them with limit and offset in bounded time, and disable_uuids answers the occupancy', { timeout: 240_000 }, async () => {
    await inParallel(USERS, 64, async (index) => {
      const reply = await heartbeat('stadium', uuidOf(index), { heartbeat: 600 }, CROWD);
      if (reply.status !== 200) throw new Error(`heartbeat ${index}: ${reply.status} ${JSON.stringify(reply.body)}`);
    });

    const counted = await until(
      () => hereNow('stadium', { disable_uuids: 1 }, CROWD),
      (reply) => reply.body.occupancy === USERS,
    );
    expect(counted.body).toEqual({ ...OK, occupancy: USERS });

    const seen: string[] = [];
    for (let offset = 0; offset < USERS; offset += 1000) {
      const started = performance.now();
      const page = await hereNow('stadium', { limit: 1000, offset }, CROWD);
      expect(performance.now() - started, `page at ${offset}`).toBeLessThan(3000);
      expect(page.body.occupancy).toBe(USERS);
      expect(page.body.uuids).toHaveLength(1000);
      seen.push(...(page.body.uuids as string[]));
    }
    expect(seen).toEqual(Array.from({ length: USERS }, (_, index) => uuidOf(index)));

    expect((await hereNow('stadium', { limit: 1000, offset: 9_990 }, CROWD)).body.uuids).toHaveLength(10);
    expect((await hereNow('stadium', { limit: 0 }, CROWD)).body).toEqual({ ...OK, occupancy: USERS });
    // The default page is PubNub's 1000.
    expect((await hereNow('stadium', {}, CROWD)).body.uuids).toHaveLength(1000);
  });
});
