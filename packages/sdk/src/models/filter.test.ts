import { describe, expect, it } from 'vitest';
import { checkFilter, type FilterCheck } from './filter.ts';

/** The refusal of `expression`, with the text its span covers. */
function refusal(expression: string): Extract<FilterCheck, { ok: false }> & { token: string } {
  const check = checkFilter(expression);
  if (check.ok) throw new Error(`expected ${JSON.stringify(expression)} to be refused`);
  return { ...check, token: expression.slice(check.position, check.position + check.length) };
}

describe('checkFilter', () => {
  it('accepts valid filters, and an empty one (no filter is sent)', () => {
    for (const expression of [
      'name == "Alice"',
      `email LIKE '*@example.com' && !(custom.age < 18) || updated >= "2024-01-01"`,
      'custom["key with space"] == true && channel.custom.x != null',
      '',
    ]) {
      expect(checkFilter(expression)).toEqual({ ok: true });
    }
  });

  it('marks an unterminated string from its quote to the end', () => {
    expect(refusal('name == "Ali')).toEqual({
      ok: false,
      message: 'Unterminated string starting at position 8',
      position: 8,
      length: 4,
      token: '"Ali',
    });
  });

  it('marks a stray character, whole even outside the Basic Multilingual Plane', () => {
    expect(refusal('name == "x" # 1')).toMatchObject({ message: "Unexpected character '#' at position 12", position: 12, length: 1 });
    expect(refusal('name == "x" 😀')).toMatchObject({ position: 12, length: 2, token: '😀' });
    expect(refusal('name = "x"')).toMatchObject({ message: "Unexpected '=' at position 5; compare with '=='", position: 5, length: 1 });
  });

  it('marks the end of the text, with length 1, after a trailing operator', () => {
    expect(refusal('name == "x" &&')).toEqual({
      ok: false,
      message: 'Expected a field name at position 14, found the end of the filter',
      position: 14,
      length: 1,
      token: '',
    });
    expect(refusal('custom.age >=')).toMatchObject({ position: 13, length: 1 });
  });

  it('marks the whole offending token', () => {
    expect(refusal('name == Alice')).toMatchObject({ position: 8, length: 5, token: 'Alice' });
    expect(refusal('name LIKES "x"')).toMatchObject({ position: 5, length: 5, token: 'LIKES' });
    expect(refusal('custom.n == 12abc')).toMatchObject({ position: 12, length: 5, token: '12abc' });
    expect(refusal('(name == "x" id == "y")')).toMatchObject({ position: 13, length: 2, token: 'id' });
  });

  it('refuses what the server refuses before any field is read: blank text, too long, too deep', () => {
    expect(refusal('   ')).toMatchObject({ message: 'The filter is empty', position: 0, length: 3 });
    const long = `name == "${'x'.repeat(5000)}"`;
    expect(refusal(long)).toMatchObject({ position: 4096, length: long.length - 4096 });
    expect(refusal(`${'('.repeat(65)}a == 1${')'.repeat(65)}`)).toMatchObject({ position: 64, length: 1, token: '(' });
  });

  it('leaves field names to the server', () => {
    expect(checkFilter('nope == 1')).toEqual({ ok: true });
  });
});
