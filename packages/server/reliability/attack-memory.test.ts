/**
 * Attack on memory (issue 10, item 2), against a real node with a small channel-log budget
 * (`--channel-log-mib 16`): a flood of messages whose parsed form is many times their text
 * (`[{},{},…]`, `[[],[],…]`, thousands of keys, heap numbers), across many channels so that
 * the logs fill the budget, with some oversized ones that must be refused.
 *
 * The node's resident memory, sampled through the flood, must stay within the budget plus the
 * overhead README states for `--channel-log-mib` (4 × the budget + 128 MiB); no answer may be a
 * 5xx; a subscriber catching up through a filter afterwards must get exactly what matches; the
 * node must stay up. Prints `ATTACK memory: attempts=N refused=N accepted=N 5xx=N crashes=N`.
 */
import { residentBytes, useServer } from '@roster/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { encode } from '../test/http.ts';
import { scale } from './scale.ts';
import { MIB } from './support.ts';

const BUDGET_MIB = 16;
/** README, `--channel-log-mib`: what the process may grow by beyond the budget itself. */
const ALLOWED_GROWTH = (4 * BUDGET_MIB + 128) * MIB;
const PUBLISHES = scale(6000, 1000);
const CHANNELS = 200;
const CONCURRENCY = 8;

/** 24 to 31 KiB of JSON each (under the 32 KiB message limit), parsed into thousands of objects, arrays or heap numbers. */
const PAYLOADS = [
  JSON.stringify(Array.from({ length: 10_000 }, () => ({}))),
  JSON.stringify(Array.from({ length: 10_000 }, () => [])),
  JSON.stringify(Object.fromEntries(Array.from({ length: 3000 }, (_, n) => [`k${n}`, {}]))),
  JSON.stringify(Array.from({ length: 5000 }, (_, n) => (n % 100) + 0.5)),
  JSON.stringify(Array.from({ length: 1600 }, () => ({ a: [{}], b: {} }))),
];
const OVERSIZED = JSON.stringify(Array.from({ length: 12_000 }, () => ({})));

const server = useServer({ args: ['--channel-log-mib', String(BUDGET_MIB), '--subscribe-hold', '1'] });
const tally = { attempts: 0, refused: 0, accepted: 0, serverErrors: 0, crashes: 0 };

afterAll(() => {
  console.log(
    `ATTACK memory: attempts=${tally.attempts} refused=${tally.refused} accepted=${tally.accepted} 5xx=${tally.serverErrors} crashes=${tally.crashes}`,
  );
});

const alive = () => server.process.exitCode === null && server.process.signalCode === null;

async function publish(n: number): Promise<void> {
  const body = n % 97 === 0 ? OVERSIZED : PAYLOADS[n % PAYLOADS.length]!;
  const meta = encode(JSON.stringify({ n, shape: n % PAYLOADS.length }));
  tally.attempts++;
  try {
    const response = await fetch(`${server.url}/publish/demo/demo/0/flood-${n % CHANNELS}/0?meta=${meta}`, { method: 'POST', body });
    await response.text();
    if (response.status >= 500) tally.serverErrors++;
    else if (response.status >= 400) tally.refused++;
    else tally.accepted++;
  } catch (error) {
    if (alive()) tally.serverErrors++;
    else tally.crashes++;
    throw error;
  }
}

describe('a flood of small-object messages', () => {
  it('keeps the node within its channel-log budget plus the stated overhead', async () => {
    for (let n = 0; n < 100; n++) await publish(n); // warm up before the baseline
    const baseline = residentBytes(server.process.pid!);
    let peak = baseline;
    for (let n = 100; n < PUBLISHES; n += CONCURRENCY) {
      await Promise.all(Array.from({ length: CONCURRENCY }, (_, k) => publish(n + k)));
      peak = Math.max(peak, residentBytes(server.process.pid!));
    }
    console.log(`memory flood: ${PUBLISHES} publishes, RSS ${Math.round(baseline / MIB)} MiB → peak ${Math.round(peak / MIB)} MiB`);
    expect(peak - baseline).toBeLessThan(ALLOWED_GROWTH);
    expect(tally.serverErrors).toBe(0);
    expect(tally.refused).toBe(Math.ceil(PUBLISHES / 97)); // the oversized ones, and only those
    expect(alive()).toBe(true);
  });

  it('still answers a subscriber catching up through a filter with exactly what matches', async () => {
    // 60 more flood messages on one channel, ~1.7 MiB: kept (the newest), and more than one
    // answer may parse again, so the catch-up takes several polls.
    const tt = ((await (await fetch(`${server.url}/time/0`)).json()) as number[])[0]!;
    for (let n = 0; n < 60; n++) {
      const meta = encode(JSON.stringify({ n, keep: n % 2 === 0 }));
      const response = await fetch(`${server.url}/publish/demo/demo/0/late-room/0?meta=${meta}`, { method: 'POST', body: PAYLOADS[n % PAYLOADS.length]! });
      expect(response.status).toBe(200);
    }
    let cursor = String(tt);
    const seen: number[] = [];
    let polls = 0;
    for (; polls < 20 && seen.length < 30; polls++) {
      const response = await fetch(`${server.url}/v2/subscribe/demo/late-room/0?uuid=late&tt=${cursor}&filter-expr=${encode('meta.keep == true')}`);
      const answer = (await response.json()) as { t: { t: string }; m: { u: { n: number } }[] };
      expect(response.status).toBe(200);
      seen.push(...answer.m.map((m) => m.u.n));
      cursor = answer.t.t;
    }
    expect(seen).toEqual(Array.from({ length: 30 }, (_, k) => 2 * k));
    expect(polls).toBeGreaterThan(1);
    expect(alive()).toBe(true);
  });
});
