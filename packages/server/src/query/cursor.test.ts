import { describe, expect, it } from 'vitest';
import { RosterError } from '../errors.ts';
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
});
