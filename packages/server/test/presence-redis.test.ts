/**
 * Presence kept in Redis when things break, over real HTTP: a Redis that dies under a node (its
 * presence requests answer 503 in the Presence envelope, `GET /ready` names presence, subscribe
 * goes on, and it all comes back with Redis), and a node killed with SIGKILL while users are
 * present (the node left times them out once, and a user whose heartbeats move to it does not
 * join again). Each test skips with the reason when it cannot run its Redis.
 */
import { randomBytes } from 'node:crypto';
import { deleteRedisKeys, redisUnavailable, redisUrlWithPrefix, startServer, type RunningServer } from '@roster/testing';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { get, presenceKeyset, until, watch, type Watcher } from './presence-fixtures.ts';
import { PrivateRedis, privateRedisUnavailable } from './private-redis.ts';

const SUB = 'red';
const keysets = [presenceKeyset(SUB)];

const cleanup: (() => Promise<unknown>)[] = [];
const watchers: Watcher[] = [];
afterEach(async () => {
  await Promise.all(watchers.splice(0).map((watcher) => watcher.stop()));
  for (const close of cleanup.splice(0).reverse()) await close();
});

const presence = (server: RunningServer, path: string, query: Record<string, string | number> = {}) => get(server, `/v2/presence/sub-key/${SUB}${path}`, query);

const noPrivateRedis = privateRedisUnavailable();

describe.skipIf(noPrivateRedis !== undefined)(`a node whose Redis dies${noPrivateRedis === undefined ? '' : ` (skipped: ${noPrivateRedis})`}`, () => {
  it('answers presence with 503, is not ready, keeps subscribe working, and recovers when Redis is back', { timeout: 90_000 }, async () => {
    const redis = await PrivateRedis.start();
    cleanup.push(() => redis.kill());
    const server = await startServer({ keysets, args: ['--presence', redis.url, '--subscribe-hold', '2'] });
    cleanup.push(() => server.close());

    expect((await presence(server, '/channel/lobby/heartbeat', { uuid: 'amy', heartbeat: 60 })).status).toBe(200);
    expect((await get(server, '/ready')).status).toBe(200);

    await redis.kill();
    const calls: [string, Record<string, string | number>][] = [
      ['/channel/lobby/heartbeat', { uuid: 'amy' }],
      ['/channel/lobby/leave', { uuid: 'amy' }],
      ['/channel/lobby', {}],
      ['/uuid/amy', {}],
      ['/channel/lobby/uuid/amy', {}],
      ['/channel/lobby/uuid/amy/data', { state: '{"a":1}' }],
    ];
    for (const [path, query] of calls) {
      const reply = await presence(server, path, query);
      expect(reply.status, `${path}: ${JSON.stringify(reply.body)}`).toBe(503);
      expect(reply.body).toMatchObject({ error: true, service: 'Presence', status: 503 });
    }
    const ready = await get(server, '/ready');
    expect(ready.status).toBe(503);
    expect(ready.body.checks.presence).not.toBe('ok');
    expect(ready.body.checks.store).toBe('ok');

    // Subscribing goes on without presence: a handshake, then a poll that gets a message.
    const handshake = await get(server, `/v2/subscribe/${SUB}/lobby/0`, { uuid: 'amy' });
    expect(handshake.status).toBe(200);
    const poll = get(server, `/v2/subscribe/${SUB}/lobby/0`, { uuid: 'amy', tt: handshake.body.t.t, tr: 1 });
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect((await get(server, `/publish/pub-${SUB}/${SUB}/0/lobby/0/%22still%22`, { uuid: 'bo' })).status).toBe(200);
    const answered = await poll;
    expect(answered.status).toBe(200);
    expect(answered.body.m.map((envelope: { d: unknown }) => envelope.d)).toContain('still');

    // Redis comes back, empty: presence works again within its reconnect delay.
    await redis.start();
    const beat = await until(
      () => presence(server, '/channel/lobby/heartbeat', { uuid: 'amy', heartbeat: 60 }),
      (reply) => reply.status === 200,
      20_000,
    );
    expect(beat.status).toBe(200);
    // Each node reconnects on its own (a cluster's other node may take its retry delay longer).
    const here = await until(
      () => presence(server, '/channel/lobby'),
      (reply) => reply.status === 200,
      20_000,
    );
    expect(here.body).toMatchObject({ uuids: ['amy'], occupancy: 1 });
    expect(
      (
        await until(
          () => get(server, '/ready'),
          (reply) => reply.status === 200,
          10_000,
        )
      ).status,
    ).toBe(200);
  });
});

const noRedis = await redisUnavailable();
const PREFIX = `roster:test:presence-kill:${randomBytes(4).toString('hex')}:`;

describe.skipIf(noRedis !== undefined)(`two nodes on one Redis, one killed${noRedis === undefined ? '' : ` (skipped: ${noRedis})`}`, () => {
  afterAll(() => (noRedis === undefined ? deleteRedisKeys(PREFIX) : undefined));

  it('the node left times out the dead node’s users once, and a user moving to it does not join again', { timeout: 90_000 }, async () => {
    // Each node on its own database and bus (events stay on the node that publishes them), sharing presence.
    const args = ['--presence', redisUrlWithPrefix(PREFIX), '--bus', 'in-process', '--subscribe-hold', '2'];
    const [doomed, survivor] = await Promise.all([startServer({ keysets, args }), startServer({ keysets, args })]);
    cleanup.push(
      () => doomed.close(),
      () => survivor.close(),
    );
    const watcher = await watch(survivor, { subKey: SUB, channels: ['hall-pnpres'] }, watchers);

    for (const uuid of ['stays', 'goes']) expect((await presence(doomed, '/channel/hall/heartbeat', { uuid, heartbeat: 3 })).status).toBe(200);
    await doomed.kill();

    // `stays` heartbeats on the node left, every second, until told to stop.
    let beating = true;
    const beats = (async () => {
      while (beating) {
        expect((await presence(survivor, '/channel/hall/heartbeat', { uuid: 'stays', heartbeat: 3 })).status).toBe(200);
        await new Promise((resolve) => setTimeout(resolve, 1000));
      }
    })();
    await watcher.presence('hall', 'timeout', 'goes', 15_000);
    await new Promise((resolve) => setTimeout(resolve, 4000));
    beating = false;
    await beats;
    expect((await presence(survivor, '/channel/hall')).body).toMatchObject({ uuids: ['stays'], occupancy: 1 });

    await watcher.presence('hall', 'timeout', 'stays', 15_000);
    await new Promise((resolve) => setTimeout(resolve, 2000));
    const seen = watcher.envelopes.map((envelope) => `${envelope.d.action} ${envelope.d.uuid}`);
    expect(seen).toEqual(['timeout goes', 'timeout stays']);
    expect((await presence(survivor, '/channel/hall')).body).toMatchObject({ uuids: [], occupancy: 0 });
  });
});
