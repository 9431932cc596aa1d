/**
 * Attacks over real HTTP on the two nodes of a cluster test server (PostgreSQL + NATS), each
 * request sent to a chosen node: optimistic user writes (object-store.ts `#writeIfUnchanged`)
 * racing each other, `If-Match`, custom merges and deletes across the nodes; each acknowledged
 * change's App Context event, once; lists kept per PostgreSQL snapshot (executor.ts
 * `dataVersion`) read on one node right after a write on the other, with a transaction left open
 * in the database; values PostgreSQL's indexes cannot hold; a node killed (-9) amid writes.
 * Runs on the cluster target only (`npx vitest run --config vitest.cluster.config.ts <file>`).
 */
import postgres from 'postgres';
import { eventually, onCluster, useServer } from '@roster/testing';
import { clusterPlace } from '@roster/testing/cluster';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encode } from './http.ts';
import { natsUnavailable } from './nats.ts';
import { postgresUnavailable, titled } from './store-contract/postgres.ts';
import { Subscriber, type Envelope } from './subscriber.ts';

const unavailable = onCluster
  ? ((await postgresUnavailable()) ?? (await natsUnavailable()))
  : 'runs on the cluster target: npx vitest run --config vitest.cluster.config.ts';

interface Answer {
  status: number;
  body: any;
  ms: number;
}

const range = (count: number) => Array.from({ length: count }, (_, n) => n);
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe.skipIf(unavailable !== undefined)(titled('PostgreSQL writes and kept lists across two nodes, attacked', unavailable), () => {
  const server = useServer({ args: ['--subscribe-hold', '2'] });
  /** The test's own connection to the nodes' database. */
  let sql: postgres.Sql;
  let unique = 0;
  const fresh = (what: string) => `${what}-${++unique}-${Date.now().toString(36)}`;

  beforeAll(async () => {
    sql = postgres((await clusterPlace(server.dir)).store, { max: 4, onnotice: () => {} });
  });
  afterAll(async () => {
    await sql?.end();
  });

  /** A request to node `node` (0 or 1) of the App Context API of keyset `demo`. */
  async function call(
    node: number,
    method: string,
    path: string,
    options: { body?: unknown; headers?: Record<string, string> | undefined; query?: string } = {},
  ): Promise<Answer> {
    const started = performance.now();
    const headers: Record<string, string> = { ...options.headers };
    if (options.body !== undefined) headers['content-type'] = 'application/json';
    const query = options.query === undefined ? '' : `?${options.query}`;
    const response = await fetch(`${server.nodes[node]}/v2/objects/demo/${path}${query}`, {
      method,
      headers,
      body: options.body === undefined ? null : JSON.stringify(options.body),
    });
    const text = await response.text();
    let body: unknown = text;
    try {
      body = JSON.parse(text);
    } catch {
      // not JSON: kept as text for the failure message
    }
    return { status: response.status, body, ms: performance.now() - started };
  }
  const ok = async (answer: Promise<Answer>, what: string) => {
    const { status, body } = await answer;
    if (status !== 200) throw new Error(`${what}: ${status} ${JSON.stringify(body)}`);
    return body;
  };
  const patchUser = (node: number, id: string, body: unknown, headers?: Record<string, string>) =>
    call(node, 'PATCH', `uuids/${encode(id)}`, { body, headers, query: 'include=custom,status' });
  const merge = { 'roster-custom-merge': 'true' };

  /** A subscriber on node 1 to `channels`, polling from now. */
  async function subscribe(channels: string[]): Promise<Subscriber> {
    const subscriber = new Subscriber({ nodes: server.nodes, first: 1, channels, uuid: fresh('watcher'), pollTimeoutMs: 6000 });
    await subscriber.start();
    return subscriber;
  }
  const setEvents = (received: readonly Envelope[], id: string) =>
    received.filter((envelope) => envelope.e === 2 && envelope.d?.event === 'set' && envelope.d?.type === 'uuid' && envelope.d?.data?.id === id);

  /** Every eTag of `eTags` announced exactly once, and nothing else announced for `id` on channel `id`. */
  async function announcedOnce(subscriber: Subscriber, id: string, eTags: string[]): Promise<void> {
    await eventually(async () => expect(setEvents(subscriber.received, id).length).toBeGreaterThanOrEqual(eTags.length), 10_000);
    await pause(300); // a second copy would come close behind the first
    const announced = setEvents(subscriber.received, id).map((envelope) => String(envelope.d.data.eTag));
    expect([...announced].sort()).toEqual([...eTags].sort());
  }

  it('merges custom keys sent at once through both nodes, many in one turn, into one user, and announces each change once', async () => {
    const id = fresh('merged');
    await ok(patchUser(0, id, { name: 'Merged' }), 'create');
    const subscriber = await subscribe([id]);
    try {
      const answers = await Promise.all(range(40).map((n) => patchUser(n % 2, id, { custom: { [`k${n}`]: n } }, merge)));
      expect(answers.map((answer) => answer.status)).toEqual(range(40).map(() => 200));
      const eTags = answers.map((answer) => String(answer.body.data.eTag));
      expect(new Set(eTags).size).toBe(40);
      for (const node of [0, 1]) {
        const stored = await ok(call(node, 'GET', `uuids/${id}`, { query: 'include=custom' }), 'read');
        expect(Object.keys(stored.data.custom).sort()).toEqual(
          range(40)
            .map((n) => `k${n}`)
            .sort(),
        );
      }
      await announcedOnce(subscriber, id, eTags);
    } finally {
      await subscriber.stop();
    }
  });

  it('lets at most one of the If-Match writers win while plain merges race them on both nodes, each answer exact', async () => {
    for (let round = 0; round < 3; round++) {
      const id = fresh('if-match');
      const created = await ok(patchUser(round % 2, id, { name: 'Start' }), 'create');
      const subscriber = await subscribe([id]);
      try {
        const answers = await Promise.all(
          range(24).map((n) =>
            n % 2 === 0
              ? patchUser(n % 4 === 0 ? 0 : 1, id, { name: `Writer ${n}` }, { 'if-match': created.data.eTag })
              : patchUser(n % 4 === 1 ? 0 : 1, id, { custom: { [`k${n}`]: true } }, merge),
          ),
        );
        const plain = answers.filter((_, n) => n % 2 === 1);
        expect(plain.map((answer) => answer.status)).toEqual(plain.map(() => 200));
        const winners = range(24).filter((n) => n % 2 === 0 && answers[n]!.status === 200);
        expect(winners.length).toBeLessThanOrEqual(1);
        for (const n of range(24).filter((m) => m % 2 === 0 && !winners.includes(m))) {
          expect(answers[n]).toMatchObject({
            status: 412,
            body: { status: 412, error: { message: 'User to update has been modified after it was read.', source: 'objects' } },
          });
        }
        const stored = await ok(call(1 - (round % 2), 'GET', `uuids/${id}`, { query: 'include=custom' }), 'read');
        expect(stored.data.name).toBe(winners.length === 1 ? `Writer ${winners[0]}` : 'Start');
        expect(Object.keys(stored.data.custom ?? {}).sort()).toEqual(
          range(24)
            .filter((n) => n % 2 === 1)
            .map((n) => `k${n}`)
            .sort(),
        );
        await announcedOnce(
          subscriber,
          id,
          answers.filter((answer) => answer.status === 200).map((answer) => String(answer.body.data.eTag)),
        );
      } finally {
        await subscriber.stop();
      }
    }
  });

  it('never brings back what a DELETE racing a PATCH on the other node removed', async () => {
    const rounds = range(16).map((n) => ({ id: fresh('raced'), withIfMatch: n % 2 === 1 }));
    const created = await Promise.all(
      rounds.map(({ id }, n) => ok(patchUser(n % 2, id, { name: 'Before', email: 'before@example.com', custom: { old: true } }), 'create')),
    );
    const outcomes = await Promise.all(
      rounds.map(({ id, withIfMatch }, n) =>
        Promise.all([
          patchUser(n % 2, id, { name: 'After', custom: { new: true } }, withIfMatch ? { ...merge, 'if-match': created[n].data.eTag } : merge),
          call(1 - (n % 2), 'DELETE', `uuids/${id}`),
        ]),
      ),
    );
    for (const [n, [patch, removal]] of outcomes.entries()) {
      const { id, withIfMatch } = rounds[n]!;
      expect(removal.status, `${id}: DELETE`).toBe(200);
      expect(withIfMatch ? [200, 412] : [200], `${id}: PATCH ${JSON.stringify(patch.body)}`).toContain(patch.status);
      const stored = await call(n % 2, 'GET', `uuids/${id}`, { query: 'include=custom' });
      if (withIfMatch) {
        // Its PATCH either came first and was deleted, or found nothing to match: never a record.
        expect(stored.status, id).toBe(404);
      } else if (stored.status === 200) {
        // The PATCH came after the DELETE: it made a new user of what it sent alone.
        expect(stored.body.data, id).toMatchObject({ name: 'After', email: null, custom: { new: true } });
      } else {
        expect(stored.status, id).toBe(404);
      }
    }
  });

  it('lists on one node, page and count, every write acknowledged on the other, while that list is asked again and again', async () => {
    const status = fresh('rw');
    const list = (node: number) => ok(call(node, 'GET', 'uuids', { query: `filter=${encode(`status == "${status}"`)}&count=true&limit=100&sort=id` }), 'list');
    let hammering = true;
    // Keeps the list's page kept on both nodes, so that a stale one would be served.
    const hammer = Promise.all(
      [0, 1].map(async (node) => {
        while (hammering) await list(node);
      }),
    );
    try {
      const written: string[] = [];
      for (let round = 0; round < 24; round++) {
        const writer = round % 2;
        const id = `${status}-${String(round).padStart(2, '0')}`;
        if (round % 6 === 5) {
          // A member leaves the list: the next list must not show it.
          const leaving = written.shift()!;
          await ok(patchUser(writer, leaving, { status: 'gone' }), 'leave');
        }
        await ok(patchUser(writer, id, { name: id, status }), 'write');
        written.push(id);
        const page = await list(1 - writer);
        expect(
          page.data.map((user: { id: string }) => user.id),
          `round ${round}`,
        ).toEqual([...written].sort());
        expect(page.totalCount, `round ${round}`).toBe(written.length);
      }
    } finally {
      hammering = false;
      await hammer;
    }
  });

  it('lists a membership, and a renamed member, on one node right after the write on the other', async () => {
    const room = fresh('room');
    const members = (node: number) =>
      ok(call(node, 'GET', `channels/${room}/uuids`, { query: 'include=uuid,uuid.custom&count=true&limit=100&sort=uuid.id' }), 'members');
    const expected: { id: string; name: string }[] = [];
    for (let round = 0; round < 12; round++) {
      const writer = round % 2;
      await members(1 - writer); // kept before the write
      const id = `${room}-user-${String(round).padStart(2, '0')}`;
      await ok(patchUser(writer, id, { name: `First ${round}` }), 'user');
      await ok(call(writer, 'PATCH', `uuids/${id}/channels`, { body: { set: [{ channel: { id: room } }] } }), 'join');
      expected.push({ id, name: `First ${round}` });
      let page = await members(1 - writer);
      expect(page.totalCount).toBe(expected.length);
      expect(page.data.map((member: { uuid: { id: string; name: string } }) => ({ id: member.uuid.id, name: member.uuid.name }))).toEqual(expected);
      const renamed = expected[round >> 1]!;
      renamed.name = `Renamed ${round}`;
      await ok(patchUser(writer, renamed.id, { name: renamed.name }), 'rename');
      page = await members(1 - writer);
      expect(page.data.map((member: { uuid: { id: string; name: string } }) => ({ id: member.uuid.id, name: member.uuid.name }))).toEqual(expected);
    }
  });

  it('lists right after each write while a transaction stays open in the database, and its own change once it commits', async () => {
    const status = fresh('open');
    const list = (node: number) => ok(call(node, 'GET', 'uuids', { query: `filter=${encode(`status == "${status}"`)}&count=true&sort=id` }), 'list');
    await ok(patchUser(0, `${status}-held`, { name: 'Held', status: 'elsewhere' }), 'held user');
    await ok(patchUser(1, `${status}-first`, { name: 'First', status }), 'first');
    const open = await sql.reserve();
    try {
      await open`BEGIN`;
      // Moves the held user into the list, in a transaction that stays open (the filter's index
      // reads the sort key, so it is copied from a user of that status).
      await open`UPDATE uuids SET status = ${status}, status_key = (SELECT status_key FROM uuids WHERE sub_key = 'demo' AND id = ${`${status}-first`})
        WHERE sub_key = 'demo' AND id = ${`${status}-held`}`;
      const ids = [`${status}-first`];
      for (let round = 0; round < 8; round++) {
        const id = `${status}-${round}`;
        await ok(patchUser(round % 2, id, { name: id, status }), 'write');
        ids.push(id);
        const page = await list(1 - (round % 2));
        expect(page.data.map((user: { id: string }) => user.id)).toEqual([...ids].sort());
        expect(page.totalCount).toBe(ids.length);
      }
      await open`COMMIT`;
      ids.push(`${status}-held`);
      for (const node of [0, 1]) {
        const page = await list(node);
        expect(page.data.map((user: { id: string }) => user.id)).toEqual([...ids].sort());
        expect(page.totalCount).toBe(ids.length);
      }
    } finally {
      await open`ROLLBACK`.catch(() => {});
      open.release();
    }
  });

  it('keeps a name and custom values holding U+0000 through a write on one node and a read and a list on the other', async () => {
    const id = fresh('nul');
    const name = `Nul\u0000name ${id}`;
    await ok(patchUser(0, id, { name: 'Plain' }), 'create');
    const written = await ok(patchUser(0, id, { name, custom: { 'k\u0000': 'v\u0000\u0001' } }), 'write');
    const read = await ok(call(1, 'GET', `uuids/${id}`, { query: 'include=custom' }), 'read');
    expect(read.data).toMatchObject({ name, custom: { 'k\u0000': 'v\u0000\u0001' }, eTag: written.data.eTag });
    const listed = await ok(call(1, 'GET', 'uuids', { query: `filter=${encode(`id == "${id}"`)}&include=custom` }), 'list');
    expect(listed.data).toMatchObject([{ id, name }]);
  });

  // Writes of one turn share one statement: a row another transaction holds is skipped there (SKIP LOCKED), not waited for.
  it("answers writes of other users at once while one user's row is locked by a transaction elsewhere", async () => {
    const locked = fresh('hol-locked');
    const others = range(40).map((n) => `${locked}-other-${n}`);
    await Promise.all([locked, ...others].map((id) => ok(patchUser(0, id, { name: 'Before' }), 'create')));
    const holder = await sql.reserve();
    try {
      await holder`BEGIN`;
      await holder`SELECT 1 FROM uuids WHERE sub_key = 'demo' AND id = ${locked} FOR UPDATE`;
      // Sent amid the others, so that some are read, decided and written in the same turn as it.
      const first = Promise.all(others.slice(0, 20).map((id) => patchUser(0, id, { name: 'After' })));
      const blocked = patchUser(0, locked, { name: 'After' });
      const answers = Promise.all([first, Promise.all(others.slice(20).map((id) => patchUser(0, id, { name: 'After' })))]).then((parts) => parts.flat());
      const settled = await Promise.race([answers, pause(2500).then(() => undefined)]);
      await holder`COMMIT`;
      expect((await blocked).status).toBe(200);
      const all = settled ?? (await answers);
      expect(all.map((answer) => answer.status)).toEqual(others.map(() => 200));
      const slow = others.filter((_, n) => all[n]!.ms > 1500);
      expect(slow, 'writes of unlocked users that waited for the lock').toEqual([]);
    } finally {
      holder.release();
    }
  });

  it('announces every change committed on a node killed (-9) amid writes exactly once, through the outbox, and keeps every acknowledged one', async () => {
    const ids = range(60).map((n) => fresh(`killed-${n}`));
    await Promise.all(ids.map((id) => ok(patchUser(1, id, { name: 'Before' }), 'create')));
    const subscriber = await subscribe(ids);
    try {
      // Writes go out in waves; the node dies once a few were answered, with others at every stage.
      let answered = 0;
      const writes: Promise<Answer | undefined>[] = [];
      for (let wave = 0; wave < ids.length / 4 && answered < 6; wave++) {
        for (const id of ids.slice(wave * 4, wave * 4 + 4)) {
          writes.push(
            patchUser(0, id, { name: `After ${id}` }).then(
              (answer) => ((answered += 1), answer),
              () => undefined,
            ),
          );
        }
        await pause(3);
      }
      server.process.kill('SIGKILL');
      const answers = await Promise.all(writes);
      const committed: { id: string; eTag: string }[] = [];
      for (const [n, id] of ids.slice(0, writes.length).entries()) {
        const stored = await ok(call(1, 'GET', `uuids/${id}`), 'read');
        if (answers[n]?.status === 200) expect(stored.data).toMatchObject({ name: `After ${id}`, eTag: answers[n].body.data.eTag });
        if (stored.data.name !== 'Before') committed.push({ id, eTag: String(stored.data.eTag) });
      }
      // The outbox relay hands over what the killed node left, once records are 5 s old.
      await eventually(async () => expect(committed.filter(({ id }) => setEvents(subscriber.received, id).length === 0)).toEqual([]), 15_000);
      await pause(500);
      for (const { id, eTag } of committed) expect(setEvents(subscriber.received, id).map((envelope) => envelope.d.data.eTag)).toEqual([eTag]);
    } finally {
      await subscriber.stop();
    }
  });
});
