import { describe, expect, it } from 'vitest';
import { RosterError } from '../errors.ts';
import type { FilterSubject } from './channel-log.ts';
import { MessageFilterCache, parseMessageFilter } from './message-filter.ts';

const subject = (meta: unknown, data: unknown = 'hello', publisher: string | undefined = 'alice'): FilterSubject => ({ meta, data, publisher });
const matches = (expression: string, on: FilterSubject) => parseMessageFilter(expression)(on);

describe('filter-expr: comparisons on meta', () => {
  const message = subject({ priority: 'high', level: 5, score: '12', vip: true, region: 'eu-west', nested: { role: 'admin' } });

  it.each([
    ['meta.priority == "high"', true],
    ["meta.priority == 'low'", false],
    ['meta.priority != "low"', true],
    ['meta.level > 3', true],
    ['meta.level >= 5', true],
    ['meta.level < 5', false],
    ['meta.level <= 4.5', false],
    ['meta.score > 9', true],
    ['meta.level == "5"', true],
    ['meta.vip == true', true],
    ['meta.vip != false', true],
    ['meta.nested.role == "admin"', true],
    ['meta["nested"]["role"] == "admin"', true],
    ['meta.region LIKE "eu-*"', true],
    ['meta.region LIKE "EU*"', true],
    ['meta.region like "*west"', true],
    ['meta.region LIKE "us*"', false],
    ['meta.region CONTAINS "west"', true],
    ['meta.region CONTAINS "WEST"', false],
    ['priority == "high"', true],
    ['meta.missing == null', true],
    ['meta.priority != null', true],
  ])('%s → %s', (expression, expected) => {
    expect(matches(expression, message)).toBe(expected);
  });

  it('a condition on a missing field or across types is false, whichever operator', () => {
    for (const expression of ['meta.missing == "x"', 'meta.missing != "x"', 'meta.missing > 1', 'meta.priority > 1', 'meta.vip == "true"']) {
      expect(matches(expression, message), expression).toBe(false);
    }
  });

  it('combines with && || ! and parentheses, && binding tighter', () => {
    expect(matches('meta.priority == "low" || meta.level == 5 && meta.vip == true', message)).toBe(true);
    expect(matches('(meta.priority == "low" || meta.level == 5) && meta.vip == false', message)).toBe(false);
    expect(matches('!(meta.priority == "low")', message)).toBe(true);
    expect(matches('!meta.priority == "high"', message)).toBe(false);
  });

  it('LIKE treats \\* as a literal asterisk and regex characters literally', () => {
    expect(matches('meta.name LIKE "a\\*b*"', subject({ name: 'a*bc' }))).toBe(true);
    expect(matches('meta.name LIKE "a\\*b*"', subject({ name: 'axbc' }))).toBe(false);
    expect(matches('meta.name LIKE "a.c"', subject({ name: 'abc' }))).toBe(false);
    expect(matches('meta.name LIKE "(x)*"', subject({ name: '(x)y' }))).toBe(true);
  });
});

describe('filter-expr: uuid and data', () => {
  it('uuid is the publisher unless meta names one', () => {
    expect(matches('uuid != "alice"', subject({}))).toBe(false);
    expect(matches('uuid == "alice"', subject({}))).toBe(true);
    expect(matches('uuid == "bob"', subject({ uuid: 'bob' }))).toBe(true);
    expect(matches('uuid != "me"', { meta: undefined, data: 'x', publisher: undefined })).toBe(false);
  });

  it('data.* reads the payload', () => {
    expect(matches('data.score > 80', subject({}, { score: 81 }))).toBe(true);
    expect(matches('data.text LIKE "hi*"', subject({}, { text: 'hi there' }))).toBe(true);
    expect(matches('data.score > 80', subject({}, 'not an object'))).toBe(false);
  });
});

describe('filter-expr: errors', () => {
  it.each(['', 'meta.a ==', 'meta.a = 1', '(meta.a == 1', 'meta.a == 1)', 'meta.a == "x', 'meta. == 1', 'meta.a ~ 1', 'meta.a == 1 &&'])(
    '%j is a 400 naming a position',
    (expression) => {
      let error: unknown;
      try {
        parseMessageFilter(expression);
      } catch (caught) {
        error = caught;
      }
      expect(error).toBeInstanceOf(RosterError);
      expect((error as RosterError).status).toBe(400);
      expect((error as RosterError).message).toMatch(/^Invalid filter expression: .* at position \d+\.$/);
    },
  );
});

describe('filter-expr: bounds', () => {
  it('refuses deep nesting and very long expressions with a 400, not a stack overflow', () => {
    for (const expression of ['('.repeat(10_000) + 'meta.a == 1' + ')'.repeat(10_000), '!'.repeat(10_000) + 'meta.a == 1', 'meta.a == 1 || '.repeat(400) + 'meta.a == 1']) {
      expect(() => parseMessageFilter(expression)).toThrow(/^Invalid filter expression: (nesting deeper|longer than)/);
    }
  });

  it('accepts nesting within the bound', () => {
    expect(parseMessageFilter('('.repeat(30) + 'meta.a == 1' + ')'.repeat(30))(subject({ a: 1 }))).toBe(true);
  });
});

describe('MessageFilterCache', () => {
  it('parses each distinct expression once and stays bounded', () => {
    const cache = new MessageFilterCache(2);
    const first = cache.get('meta.a == 1');
    expect(cache.get('meta.a == 1')).toBe(first);
    cache.get('meta.b == 1');
    cache.get('meta.c == 1');
    expect(cache.get('meta.a == 1')).not.toBe(first);
  });
});
