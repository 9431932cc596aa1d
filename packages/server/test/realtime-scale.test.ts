/**
 * Many idle subscribers on one node, and shutdown with long-polls held: black-box, over real
 * loopback connections.
 */
import { execFileSync } from 'node:child_process';
import { Agent, request } from 'node:http';
import { onCluster, startServer, useServer } from '@roster/testing';
import { describe, expect, it } from 'vitest';

/** Open files this process may hold; each long-poll costs one here and one in the server. */
function fileLimit(): number {
  try {
    return Number(execFileSync('sh', ['-c', 'ulimit -n'], { encoding: 'utf8' }).trim()) || 1024;
  } catch {
    return 1024;
  }
}

const WANTED = 10_000;
/**
 * Leave room for the runtime's own files (vitest workers, the server's database). On a cluster
 * each long-poll also holds two sockets of the test's balancing proxy in this process.
 */
const SUBSCRIBERS = Math.min(WANTED, Math.floor((fileLimit() - 256) / (onCluster ? 3 : 1)));

/** A GET on a fresh connection; resolves with status and body text. */
function longPoll(agent: Agent, url: string): { connected: Promise<void>; done: Promise<{ status: number; body: string }> } {
  let connected!: () => void;
  const connectedPromise = new Promise<void>((resolve) => (connected = resolve));
  const done = new Promise<{ status: number; body: string }>((resolve, reject) => {
    const req = request(url, { agent }, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (body += chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
      response.on('error', reject);
    });
    req.on('socket', (socket) => (socket.connecting ? socket.once('connect', connected) : connected()));
    req.on('error', reject);
    req.end();
  });
  return { connected: connectedPromise, done };
}

describe(`${SUBSCRIBERS} concurrent long-polls on one node`, () => {
  const server = useServer({ args: ['--subscribe-hold', '120'] });

  it('holds them all and delivers one App Context event to every one', { timeout: 120_000 }, async () => {
    const handshake = (await (await fetch(`${server.url}/v2/subscribe/demo/crowd/0`)).json()) as { t: { t: string } };
    const agent = new Agent({ keepAlive: false, maxSockets: Infinity });
    const polls: ReturnType<typeof longPoll>[] = [];
    // Connect in batches so the listen backlog never overflows.
    for (let start = 0; start < SUBSCRIBERS; start += 500) {
      const batch = Array.from({ length: Math.min(500, SUBSCRIBERS - start) }, (_, index) =>
        longPoll(agent, `${server.url}/v2/subscribe/demo/crowd,own-${start + index}/0?tt=${handshake.t.t}&tr=1&uuid=s${start + index}`),
      );
      await Promise.all(batch.map((poll) => poll.connected));
      polls.push(...batch);
    }
    await new Promise((done) => setTimeout(done, 500));
    const patched = await fetch(`${server.url}/v2/objects/demo/channels/crowd`, {
      method: 'PATCH',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'Everyone' }),
    });
    expect(patched.status).toBe(200);
    const answers = await Promise.all(polls.map((poll) => poll.done));
    agent.destroy();
    const failures = answers.filter(({ status }) => status !== 200);
    expect(failures).toEqual([]);
    const delivered = answers.filter(({ body }) => {
      const m = (JSON.parse(body) as { m: { e?: number; d: { type: string; data: { name?: string } } }[] }).m;
      return m.length === 1 && m[0]!.e === 2 && m[0]!.d.type === 'channel' && m[0]!.d.data.name === 'Everyone';
    });
    expect(delivered.length).toBe(SUBSCRIBERS);
  });
});

describe('shutdown with held long-polls', () => {
  it('answers every held poll at once on SIGTERM and exits cleanly', { timeout: 30_000 }, async () => {
    const server = await startServer(); // the default 280 s hold
    try {
      const handshake = (await (await fetch(`${server.url}/v2/subscribe/demo/idle/0`)).json()) as { t: { t: string } };
      const agent = new Agent({ keepAlive: false, maxSockets: Infinity });
      const polls = Array.from({ length: 50 }, () => longPoll(agent, `${server.url}/v2/subscribe/demo/idle/0?tt=${handshake.t.t}&tr=1`));
      await Promise.all(polls.map((poll) => poll.connected));
      await new Promise((done) => setTimeout(done, 300));
      const started = performance.now();
      const exit = server.stop();
      const answers = await Promise.all(polls.map((poll) => poll.done));
      expect(await exit).toBe(0);
      expect(performance.now() - started).toBeLessThan(5_000);
      for (const { status, body } of answers) {
        expect(status).toBe(200);
        expect(JSON.parse(body)).toEqual({ t: { t: expect.stringMatching(/^\d{17}$/), r: expect.any(Number) }, m: [] });
      }
      agent.destroy();
    } finally {
      await server.close();
    }
  });
});
