/**
 * Attacks on the work one filter may cost (issue 10, item 1), against a real node: pathological
 * `LIKE` and `CONTAINS` patterns of every shape in subscribe filters (`filter-expr`, held while
 * long messages are published) and in App Context list filters (`filter`, over long names and
 * custom values), plus expressions past the bounds, which must be refused with a 400.
 *
 * Every answer must be a 2xx or a 4xx, never a 5xx; each publish and list must answer within
 * a bound that a backtracking matcher misses by orders of magnitude; a probe request during the
 * attack must answer promptly (the node is not stalled); the node must stay up. Prints
 * `ATTACK filters: attempts=N refused=N accepted=N 5xx=N crashes=N`.
 */
import { useServer } from '@roster/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encode, objectsClient } from '../test/http.ts';
import { scale } from './scale.ts';
import { runBounded } from './support.ts';

const ROUNDS = scale(5, 1);
const LONG_USERS = scale(100, 20);
/** Longest a single publish or list may take under attack, on a loaded machine. */
const BOUND_MS = 3000;
const a = (count: number) => 'a'.repeat(count);

/**
 * Filters whose LIKE is pathological for a backtracking or quadratic matcher. Each needs a `z`
 * that no seeded value or attack message holds, so none matches: a matcher must find that out.
 */
function pathologicalPatterns(field: string): string[] {
  return [
    `${field} LIKE "${'*a'.repeat(16)}*z"`,
    `${field} LIKE "${'*a'.repeat(1000)}*z"`,
    `${field} LIKE "${'*ab'.repeat(600)}*z"`,
    `${field} LIKE "${'*\\*'.repeat(600)}*z"`,
    `${field} LIKE "${'*A*a'.repeat(450)}*Z"`,
    `${field} LIKE "${'*é'.repeat(900)}*z"`,
    `${field} LIKE "*${a(1900)}z${a(1900)}*"`,
    `${field} LIKE "${a(1000)}*${a(1000)}*${a(1000)}z"`,
    `${field} like "${'*%_'.repeat(600)}*z"`,
  ];
}

/** Subscribe-only shapes: CONTAINS, and a pattern read from the message itself. */
const SUBSCRIBE_EXTRAS = [`data.x CONTAINS "${a(1900)}z${a(1900)}"`, 'data.x LIKE data.p'];
/** Expressions past the bounds: too long, too many comparisons, too deep. */
const OVER_BOUNDS = [
  `data.x LIKE "${'*'.repeat(5000)}"`,
  Array.from({ length: 65 }, (_, n) => `data.x LIKE "*${n}*"`).join(' || '),
  `${'('.repeat(100)}data.x == 1${')'.repeat(100)}`,
];
/** Messages the subscribe filters run over (`x` also as meta, within 32 KiB in all): none matches any pathological pattern. */
const MESSAGES = [{ x: a(36) }, { x: a(14_000), p: `${'*a'.repeat(1000)}*z` }, { x: 'ab'.repeat(7000) }, { x: 'É'.repeat(7000) }];

type Outcome = 'refused' | 'accepted' | '5xx' | 'crash';

class Tally {
  attempts = 0;
  refused = 0;
  accepted = 0;
  serverErrors = 0;
  crashes = 0;
  slowest = 0;

  count(outcome: Outcome, ms = 0): void {
    this.attempts++;
    this.slowest = Math.max(this.slowest, ms);
    if (outcome === 'refused') this.refused++;
    else if (outcome === 'accepted') this.accepted++;
    else if (outcome === '5xx') this.serverErrors++;
    else this.crashes++;
  }

  line(): string {
    return `ATTACK filters: attempts=${this.attempts} refused=${this.refused} accepted=${this.accepted} 5xx=${this.serverErrors} crashes=${this.crashes}`;
  }
}

const server = useServer({ args: ['--subscribe-hold', '2'] });
const tally = new Tally();

beforeAll(async () => {
  const api = objectsClient(server);
  await runBounded(LONG_USERS, 8, async (n) => {
    const reply = await api.patch(`uuids/long-${n}`, { name: n % 2 ? a(2000) : 'ab'.repeat(1000), custom: { x: n % 3 ? a(30_000) : '*'.repeat(30_000) } });
    if (reply.status !== 200) throw new Error(`seeding long-${n}: ${reply.status}`);
  });
});
afterAll(() => {
  console.log(tally.line());
});

const alive = () => server.process.exitCode === null && server.process.signalCode === null;

/** Sends one request and counts its outcome; a network failure with the process gone is a crash. */
async function attempt(path: string, init?: RequestInit): Promise<{ status: number; body: any; ms: number }> {
  const started = performance.now();
  try {
    const response = await fetch(`${server.url}${path}`, init);
    const body = (await response.json()) as unknown;
    const ms = performance.now() - started;
    const status = response.status;
    tally.count(status >= 500 ? '5xx' : status >= 400 ? 'refused' : 'accepted', ms);
    return { status, body, ms };
  } catch (error) {
    tally.count(alive() ? '5xx' : 'crash');
    throw error;
  }
}

/** `/time/0` answered while the attack runs: the node is not stalled. */
async function probe(): Promise<number> {
  const started = performance.now();
  expect((await fetch(`${server.url}/time/0`)).status).toBe(200);
  return performance.now() - started;
}

describe('pathological subscribe filters', () => {
  it('hold every shape while long messages are published, stall nothing and deliver what matches', async () => {
    const filters = [...pathologicalPatterns('data.x'), ...pathologicalPatterns('meta.x'), ...SUBSCRIBE_EXTRAS];
    for (let round = 0; round < ROUNDS; round++) {
      const channel = `trap-${round}`;
      const tt = (await attempt(`/v2/subscribe/demo/${channel}/0?uuid=victim`)).body.t.t as string;
      const held = filters.map((filter) => attempt(`/v2/subscribe/demo/${channel}/0?uuid=victim&tt=${tt}&filter-expr=${encode(filter)}`));
      await new Promise((resolve) => setTimeout(resolve, 300)); // let the long-polls be held
      for (const message of MESSAGES) {
        const meta = encode(JSON.stringify({ x: message.x.slice(0, 4000) })); // URLs stop at 32 KiB
        const [published, probeMs] = await Promise.all([
          attempt(`/publish/demo/demo/0/${channel}/0?uuid=attacker&meta=${meta}`, { method: 'POST', body: JSON.stringify(message) }),
          probe(),
        ]);
        expect(published.status).toBe(200);
        expect(published.ms).toBeLessThan(BOUND_MS);
        expect(probeMs).toBeLessThan(BOUND_MS);
      }
      // Every hold ends empty (nothing matched); a matching message then reaches a fresh poll.
      for (const answer of await Promise.all(held)) {
        expect(answer.status).toBe(200);
        expect(answer.body.m).toEqual([]);
      }
      const next = await attempt(`/v2/subscribe/demo/${channel}/0?uuid=victim&tt=${tt}&filter-expr=${encode(filters[0]!)}`);
      expect(next.body.m).toEqual([]); // the kept messages, parsed again, still do not match
      const tail = attempt(`/v2/subscribe/demo/${channel}/0?uuid=victim&tt=${next.body.t.t as string}&filter-expr=${encode(filters[0]!)}`);
      await new Promise((resolve) => setTimeout(resolve, 300));
      await attempt(`/publish/demo/demo/0/${channel}/0?uuid=attacker`, { method: 'POST', body: JSON.stringify({ x: `${a(36)}z` }) });
      expect((await tail).body.m.map((m: { d: { x: string } }) => m.d.x)).toEqual([`${a(36)}z`]);
    }
    expect(alive()).toBe(true);
  });

  it('refuses expressions past the bounds with a 400 naming filter-expr', async () => {
    for (const filter of OVER_BOUNDS) {
      const reply = await attempt(`/v2/subscribe/demo/trap/0?uuid=victim&tt=1&filter-expr=${encode(filter)}`);
      expect(reply.status).toBe(400);
      expect(reply.body.message).toMatch(/^Invalid filter expression: /);
    }
    const reply = await attempt(`/v2/subscribe/demo/trap/0?uuid=victim&tt=1&filter-expr=${encode(OVER_BOUNDS[1]!)}`);
    expect(reply.body.message).toContain('filter-expr');
  });
});

describe('pathological App Context filters', () => {
  it('list long names and custom values quickly with every shape', async () => {
    const filters = [...pathologicalPatterns('custom.x'), ...pathologicalPatterns('name')];
    for (let round = 0; round < ROUNDS; round++) {
      for (const filter of filters) {
        const [reply, probeMs] = await Promise.all([attempt(`/v2/objects/demo/uuids?filter=${encode(filter)}&count=true`), probe()]);
        expect(reply.status, filter.slice(0, 40)).toBe(200);
        expect(reply.body.totalCount, filter.slice(0, 60)).toBe(0);
        expect(reply.ms).toBeLessThan(BOUND_MS);
        expect(probeMs).toBeLessThan(BOUND_MS);
      }
    }
    // What does match is still found.
    const found = await attempt(`/v2/objects/demo/uuids?filter=${encode(`custom.x LIKE "${'*A'.repeat(500)}*"`)}&count=true`);
    expect(found.body.totalCount).toBe(LONG_USERS - Math.ceil(LONG_USERS / 3));
    expect(alive()).toBe(true);
  });

  it('refuses filters past the bounds with a 400 naming filter', async () => {
    const reply = await attempt(`/v2/objects/demo/uuids?filter=${encode(`name LIKE "${'*'.repeat(5000)}"`)}`);
    expect(reply.status).toBe(400);
    expect(reply.body.error.details[0]).toMatchObject({ location: 'filter' });
  });
});
