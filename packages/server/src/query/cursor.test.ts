import { describe, expect, it } from 'vitest';
import { RosterError } from '../errors.ts';
import { SORT_KEY_BYTES } from './collation.ts';
import { cursorWidth, decodeCursor, encodeCursor, fingerprint } from './cursor.ts';
import { parseSort } from './sort.ts';

const print = fingerprint(['uuids', undefined, 'name:asc', '']);

function refusal(run: () => unknown): { location?: string; message?: string } | undefined {
  try {
    run();
  } catch (error) {
    if (error instanceof RosterError && error.status === 400) return error.details[0];
    throw error;
  }
  return undefined;
}

describe('page cursors', () => {
  it('hold one value per column key, two per custom key, and the id that ends every order', () => {
    expect(cursorWidth(parseSort('uuids', []))).toBe(2);
    expect(cursorWidth(parseSort('uuids', ['name:desc', 'updated']))).toBe(3);
    expect(cursorWidth(parseSort('members', ['custom.rank', 'uuid.custom.team:desc', 'status']))).toBe(6);
  });

  it('decode what they encode, for the query they belong to', () => {
    const text = encodeCursor('prev', ['Ann', 'u-1'], print);
    expect(decodeCursor(text, 'end', { print, width: 2 })).toEqual({ direction: 'prev', values: ['Ann', 'u-1'] });
    expect(refusal(() => decodeCursor(text, 'end', { print: fingerprint(['uuids', undefined, 'id:asc', '']), width: 2 }))).toEqual({
      location: 'end',
      locationType: 'query',
      message: "The 'end' cursor is not valid for this list, sort and filter.",
    });
  });

  it('refuse values that do not fit the sort, naming the cursor, before any query runs', () => {
    const short = encodeCursor('next', ['Ann'], print);
    expect(refusal(() => decodeCursor(short, 'start', { print, width: 2 }))).toMatchObject({
      location: 'start',
      message: 'The cursor does not match this sort.',
    });
    const long = encodeCursor('prev', ['Ann', 'u-1', 3], print);
    expect(refusal(() => decodeCursor(long, 'end', { print, width: 2 }))).toMatchObject({ location: 'end', message: 'The cursor does not match this sort.' });
  });

  it('carry any value exactly: nulls, numbers, and keys with control characters, U+0000 and emoji', () => {
    const values = [null, -0.5, 2 ** 53, '', '\u0000\u0001\u0002', 'Zoë \u{1F600}', 'u-1'];
    const text = encodeCursor('next', values, print);
    expect(decodeCursor(text, 'start', { print, width: values.length }).values).toEqual(values);
  });

  it('stay well within a URL (32 KiB) for the widest sort: eight custom keys of cut sort keys that JSON would escape sixfold', () => {
    const key = '\u0001'.repeat(SORT_KEY_BYTES);
    const values = [...Array.from({ length: 8 }, () => [3, key]).flat(), 'i'.repeat(128)];
    const text = encodeCursor('next', values, print);
    expect(text.length).toBeLessThan(12_000);
    expect(decodeCursor(text, 'start', { print, width: values.length }).values).toEqual(values);
  });

  it('refuse damaged values as damaged, naming the cursor', () => {
    const good = encodeCursor('next', ['Ann', 'u-1'], print);
    const head = good.slice(0, 12);
    const damaged = [
      `${good.slice(0, -4)}`, // a text's bytes cut short
      `${head}${Buffer.of(9).toString('base64url')}`, // an unknown tag
      `${head}${Buffer.of(2, 0, 0).toString('base64url')}`, // a number cut short
      `${head}${Buffer.from([2, 0x7f, 0xf8, 0, 0, 0, 0, 0, 0]).toString('base64url')}`, // NaN
      `${head}!!`, // not base64url
    ];
    for (const text of damaged) {
      expect(
        refusal(() => decodeCursor(text, 'start', { print, width: 2 })),
        text,
      ).toEqual({
        location: 'start',
        locationType: 'query',
        message: "The 'start' cursor is damaged.",
      });
    }
  });
});
