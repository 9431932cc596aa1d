import { describe, expect, it } from 'vitest';
import { keptBy } from '../kept-bytes.ts';
import { keptObjectAnswer, keptPageAnswer, pageAnswer, wireText } from './wire-text.ts';

// The wire text of a record is made once only when neither the record nor the include set can
// change any more; anything else is serialized anew, so no answer is ever stale.

const include = Object.freeze({ custom: true });
const toWire = (record: { name: string }, flags: { custom: boolean }) => {
  made++;
  return { name: record.name, ...(flags.custom ? { custom: null } : {}) };
};
let made = 0;

describe('wireText', () => {
  it('makes a frozen record’s text once per include set', () => {
    made = 0;
    const record = Object.freeze({ name: 'Ann' });
    expect(wireText(record, include, toWire)).toBe('{"name":"Ann","custom":null}');
    expect(wireText(record, include, toWire)).toBe('{"name":"Ann","custom":null}');
    expect(wireText(record, Object.freeze({ custom: false }), toWire)).toBe('{"name":"Ann"}');
    expect(made).toBe(2);
  });

  it('serializes a record that may still change every time', () => {
    made = 0;
    const record = { name: 'Ann' };
    expect(wireText(record, include, toWire)).toBe('{"name":"Ann","custom":null}');
    record.name = 'Bob';
    expect(wireText(record, include, toWire)).toBe('{"name":"Bob","custom":null}');
    expect(wireText(Object.freeze({ name: 'Cy' }), { custom: true }, toWire)).toBe('{"name":"Cy","custom":null}');
    expect(made).toBe(3);
  });
});

describe('keptObjectAnswer', () => {
  it('answers a frozen record with the same bytes each time, in memory of their own', () => {
    made = 0;
    const record = Object.freeze({ name: 'Zoë' });
    const answer = keptObjectAnswer(record, include, toWire);
    expect(keptObjectAnswer(record, include, toWire)).toBe(answer);
    expect(made).toBe(1);
    expect(answer.bytes.toString()).toBe('{"status":200,"data":{"name":"Zoë","custom":null}}');
    expect(answer.json).toBe(answer.bytes.toString());
    // Not a slice of Node's shared pool, whose whole 8 KiB slab a kept answer would keep alive.
    expect(answer.bytes.buffer.byteLength).toBe(answer.bytes.length);
  });

  it('answers a record that may still change anew every time', () => {
    const record = { name: 'Ann' };
    expect(keptObjectAnswer(record, include, toWire).json).toBe('{"status":200,"data":{"name":"Ann","custom":null}}');
    record.name = 'Bob';
    expect(keptObjectAnswer(record, include, toWire).json).toBe('{"status":200,"data":{"name":"Bob","custom":null}}');
  });
});

describe('pageAnswer', () => {
  it('writes PubNub’s keys in order, leaving out those it does not have', () => {
    expect(JSON.parse(pageAnswer(['{"id":"a"}'], { totalCount: 1, next: 'n"x', prev: undefined }).json)).toEqual({
      status: 200,
      data: [{ id: 'a' }],
      totalCount: 1,
      next: 'n"x',
    });
    expect(pageAnswer([], {}).json).toBe('{"status":200,"data":[]}');
  });
});

describe('what is kept beside a record or page', () => {
  /** `value`, kept by a keeper that adds up what it is told; `held()` is that sum. */
  function keptValue<T extends object>(value: T) {
    let held = 0;
    keptBy(value, (bytes) => (held += bytes));
    return { value, held: () => held };
  }

  it('is counted by whoever keeps the record, and given back when a ninth include set makes room', () => {
    const { value: record, held } = keptValue(Object.freeze({ name: 'x'.repeat(1000) }));
    const sets = Array.from({ length: 9 }, () => Object.freeze({ custom: false }));
    keptObjectAnswer(record, sets[0]!, toWire);
    const one = held();
    expect(one).toBeGreaterThan(1000); // the answer's bytes
    for (const set of sets.slice(1, 8)) keptObjectAnswer(record, set, toWire);
    keptObjectAnswer(record, sets[0]!, toWire); // kept already: nothing more
    expect(held()).toBe(8 * one);
    keptObjectAnswer(record, sets[8]!, toWire); // the 8 kept go, the ninth is kept
    expect(held()).toBe(one);
  });

  it('counts a kept page’s answer, and what replacing it for another include set changes', () => {
    const { value: page, held } = keptValue(Object.freeze({ rows: [] }));
    const answerOf = (size: number) => () => pageAnswer(['"' + 'x'.repeat(size) + '"'], {});
    const first = keptPageAnswer(page, include, 'list', answerOf(1000));
    expect(keptPageAnswer(page, include, 'list', answerOf(5))).toBe(first);
    expect(held()).toBe(first.weight);
    const second = keptPageAnswer(page, Object.freeze({ custom: false }), 'list', answerOf(3000));
    expect(held()).toBe(second.weight);
    expect(held()).toBeGreaterThan(3000);
  });
});
