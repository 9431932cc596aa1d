import { describe, expect, it } from 'vitest';
import { SizedStatements, TurnCalls } from './batches.ts';

const nextTurn = () => new Promise((resolve) => setImmediate(resolve));

/** A `run` whose calls the test answers when it likes: each run's key and items, and a way to end it. */
function heldRuns() {
  const runs: { key: string; items: string[]; end: (error?: Error) => void }[] = [];
  const run = (key: string, items: string[]) =>
    new Promise<string[]>((resolve, reject) => {
      runs.push({ key, items, end: (error) => (error ? reject(error) : resolve(items.map((item) => `${key}:${item}`))) });
    });
  return { runs, run };
}

describe('TurnCalls', () => {
  it("runs one turn's calls together, a key's at most `max` at a time, and answers each with its own output", async () => {
    const { runs, run } = heldRuns();
    const calls = new TurnCalls(run, 2);
    const answers = Promise.all(['a', 'b', 'c'].map((id) => calls.call('sub-c', id)).concat(calls.call('sub-d', 'a')));
    await nextTurn();
    expect(runs.map(({ key, items }) => [key, items])).toEqual([
      ['sub-c', ['a', 'b']],
      ['sub-c', ['c']],
      ['sub-d', ['a']],
    ]);
    runs.forEach((held) => held.end());
    expect(await answers).toEqual(['sub-c:a', 'sub-c:b', 'sub-c:c', 'sub-d:a']);
  });

  it("rejects every call of a run that failed, and not the other runs' calls", async () => {
    const { runs, run } = heldRuns();
    const calls = new TurnCalls(run);
    const failed = [calls.call('sub-c', 'a'), calls.call('sub-c', 'b')];
    const other = calls.call('sub-d', 'a');
    await nextTurn();
    runs[0]!.end(new Error('connection reset'));
    runs[1]!.end();
    await Promise.all(failed.map((call) => expect(call).rejects.toThrow('connection reset')));
    expect(await other).toBe('sub-d:a');
  });
});

describe('SizedStatements', () => {
  it('pads a batch to the next of 1, 2, 3, 4, 6, 8, 12, 16… and binds NULL for the padding', () => {
    const statements = new SizedStatements((size) => `read ${size}`);
    expect([1, 2, 3, 4, 5, 6, 7, 9, 13, 17].map((count) => statements.for(count).size)).toEqual([1, 2, 3, 4, 6, 6, 8, 12, 16, 24]);
    expect(statements.ofIds('sub-c', ['a', 'b', 'c', 'd', 'e'])).toEqual({ sql: 'read 6', params: ['sub-c', 'a', 'b', 'c', 'd', 'e', null] });
  });
});
