import { describe, expect, it } from 'vitest';
import { TurnBatch } from './turn-batch.ts';

const nextTurn = () => new Promise((resolve) => setImmediate(resolve));

describe('TurnBatch', () => {
  it('gives what one turn added to one run, in order, once the turn ends', async () => {
    const runs: number[][] = [];
    const batch = new TurnBatch<number>((items) => runs.push(items));
    batch.add(1);
    batch.add(2);
    await Promise.resolve();
    batch.add(3); // a microtask of the same turn
    expect(runs).toEqual([]);
    await nextTurn();
    expect(runs).toEqual([[1, 2, 3]]);
  });

  it('starts a new batch for what is added during or after a run', async () => {
    const runs: string[][] = [];
    const batch = new TurnBatch<string>((items) => {
      runs.push(items);
      if (items.includes('first')) batch.add('added while running');
    });
    batch.add('first');
    await nextTurn();
    batch.add('later');
    await nextTurn();
    expect(runs).toEqual([['first'], ['added while running', 'later']]);
    await nextTurn();
    expect(runs).toHaveLength(2);
  });
});
