import { useServer, type RunningServer } from '@roster/testing';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';

/** V8's account of its pretenuring decisions, printed on stdout at each collection that made any. */
const TRACE = '--trace-pretenuring-statistics';

/** What a node printed of V8's pretenuring decisions while it served `requests` sets and gets of users. */
async function pretenuringWhileServing(server: RunningServer, requests: number): Promise<string[]> {
  let printed = '';
  server.process.stdout?.on('data', (chunk: Buffer) => (printed += chunk.toString()));
  const custom = Object.fromEntries(Array.from({ length: 40 }, (_, n) => [`field${n}`, `value ${n}`]));
  for (let n = 0; n < requests; n += 20) {
    await Promise.all(
      Array.from({ length: 20 }, (_, k) =>
        fetch(`${server.url}/v2/objects/demo/uuids/user-${(n + k) % 50}?include=custom`, {
          method: n % 40 === 0 ? 'PATCH' : 'GET',
          headers: { 'content-type': 'application/json' },
          ...(n % 40 === 0 ? { body: JSON.stringify({ name: `User ${n}`, custom }) } : {}),
        }).then((response) => response.arrayBuffer()),
      ),
    );
  }
  return printed.split('\n').filter((line) => line.includes('pretenuring:'));
}

describe('heap tuning', () => {
  // The bench's ROSTER_NODE_OPTIONS would come after each node's own options here, and could undo them.
  beforeAll(() => void vi.stubEnv('ROSTER_NODE_OPTIONS', ''));
  afterAll(() => void vi.unstubAllEnvs());
  /** A node as `npm start` runs it, and one told on its command line to keep V8's default. */
  const tuned = useServer({ nodeOptions: [TRACE] });
  const untuned = useServer({ nodeOptions: ['--allocation-site-pretenuring', TRACE] });

  it('turns off V8’s pretenuring in a node started from the command line, unless that names it', async () => {
    const [fromTuned, fromUntuned] = await Promise.all([pretenuringWhileServing(tuned, 4000), pretenuringWhileServing(untuned, 4000)]);
    expect(fromUntuned.length).toBeGreaterThan(0);
    expect(fromTuned).toEqual([]);
  }, 60_000);
});
