import { startServer, type RunningServer } from '@roster/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { pretenuringChosen } from './heap-tuning.ts';

/** V8's account of its pretenuring decisions (`--trace-pretenuring-statistics`), printed on stdout at each collection that made any. */
const TRACE = '--trace-pretenuring-statistics';

/** What a node printed of V8's pretenuring decisions while it served `requests` sets and gets of users, from its first request on. */
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
  const servers: RunningServer[] = [];
  afterAll(() => Promise.all(servers.map((server) => server.close())));

  // The node as `npm start` runs it, and one told on its command line to keep V8's default.
  it('turns off V8’s pretenuring in a node started from the command line', async () => {
    const [tuned, control] = await Promise.all([startServer({ nodeOptions: [TRACE] }), startServer({ nodeOptions: ['--allocation-site-pretenuring', TRACE] })]);
    servers.push(tuned, control);
    const [fromTuned, fromControl] = await Promise.all([pretenuringWhileServing(tuned, 4000), pretenuringWhileServing(control, 4000)]);
    expect(fromControl.length).toBeGreaterThan(0);
    expect(fromTuned).toEqual([]);
  }, 60_000);

  it('leaves V8 as the command line says when it names the setting', () => {
    expect(pretenuringChosen(['--allocation-site-pretenuring'])).toBe(true);
    expect(pretenuringChosen(['--no-allocation_site_pretenuring'])).toBe(true);
    expect(pretenuringChosen(['--import', 'tsx', '--max-semi-space-size=64'])).toBe(false);
  });
});
