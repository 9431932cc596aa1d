import { useServer } from '@roster/testing';
import { describe, expect, it, vi } from 'vitest';

describe('GET /v2/subscribe: a held poll whose client goes away', () => {
  const server = useServer({ args: ['--subscribe-hold', '30'] });

  const heldPolls = async (): Promise<number> => {
    const text = await (await fetch(`${server.url}/metrics`)).text();
    return Number(/^roster_subscribe_held_polls (\S+)$/m.exec(text)?.[1] ?? NaN);
  };

  it('is forgotten at once, and the others still get what comes next', async () => {
    const handshake = (await (await fetch(`${server.url}/v2/subscribe/demo/leaving/0`)).json()) as { t: { t: string } };
    const aborts = [new AbortController(), new AbortController(), new AbortController()];
    const polls = aborts.map((abort) =>
      fetch(`${server.url}/v2/subscribe/demo/leaving/0?tt=${handshake.t.t}&tr=1`, { signal: abort.signal }).then(
        async (response) => (await response.json()) as { m: { d: unknown }[] },
        () => 'aborted' as const,
      ),
    );
    await vi.waitFor(async () => expect(await heldPolls()).toBe(3), { timeout: 5000, interval: 50 });
    aborts[0]!.abort();
    await vi.waitFor(async () => expect(await heldPolls()).toBe(2), { timeout: 5000, interval: 50 });
    const published = await fetch(`${server.url}/publish/demo/demo/0/leaving/0/%22hi%22`);
    expect(published.status).toBe(200);
    const answers = await Promise.all(polls);
    expect(answers[0]).toBe('aborted');
    expect(answers.slice(1).map((answer) => (answer === 'aborted' ? answer : answer.m.map(({ d }) => d)))).toEqual([['hi'], ['hi']]);
    expect(await heldPolls()).toBe(0);
  });
});
