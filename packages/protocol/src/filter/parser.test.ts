import { describe, expect, it } from 'vitest';
import type { FilterNode } from './ast.ts';
import { MAX_FILTER_COMPARISONS, MAX_FILTER_LENGTH, MAX_FILTER_SCANNING_LIKES, parseFilter } from './parser.ts';
import { FilterSyntaxError } from './syntax-error.ts';

/** The AST without source offsets, to compare two spellings of one filter. */
function stripPositions(node: FilterNode): unknown {
  return JSON.parse(JSON.stringify(node, (key, value: unknown) => (key === 'position' || key === 'valuePosition' ? undefined : value)));
}

function cond(path: string[], operator: string, value: unknown): Record<string, unknown> {
  return { type: 'condition', path, operator, value };
}

describe('parseFilter: structure', () => {
  it('parses one condition with its position', () => {
    expect(parseFilter('  name == "Alice"')).toEqual({
      type: 'condition',
      path: ['name'],
      operator: '==',
      value: 'Alice',
      position: 2,
      valuePosition: 10,
    });
  });

  it('binds ! tighter than && and && tighter than ||', () => {
    expect(parseFilter('a == 1 || b == 2 && c == 3')).toMatchObject({
      type: 'or',
      left: cond(['a'], '==', 1),
      right: { type: 'and', left: cond(['b'], '==', 2), right: cond(['c'], '==', 3) },
    });
    expect(parseFilter('!a == 1 && b == 2')).toMatchObject({
      type: 'and',
      left: { type: 'not', expr: cond(['a'], '==', 1) },
      right: cond(['b'], '==', 2),
    });
  });

  it('groups with parentheses and chains left to right', () => {
    expect(parseFilter('(a == 1 || b == 2) && c == 3')).toMatchObject({
      type: 'and',
      left: { type: 'or', left: cond(['a'], '==', 1), right: cond(['b'], '==', 2) },
    });
    expect(parseFilter('a == 1 && b == 2 && c == 3')).toMatchObject({
      type: 'and',
      left: { type: 'and', left: cond(['a'], '==', 1), right: cond(['b'], '==', 2) },
      right: cond(['c'], '==', 3),
    });
    expect(parseFilter('!!(a == 1)')).toMatchObject({ type: 'not', expr: { type: 'not', expr: cond(['a'], '==', 1) } });
    expect(parseFilter('!(name == "Alice")')).toMatchObject({ type: 'not', expr: cond(['name'], '==', 'Alice') });
  });

  it('reads every operator, LIKE in any case', () => {
    for (const op of ['==', '!=', '<', '<=', '>', '>=']) {
      expect(parseFilter(`id ${op} "250"`)).toMatchObject(cond(['id'], op, '250'));
    }
    for (const like of ['LIKE', 'like', 'Like']) {
      expect(parseFilter(`email ${like} '*@pubnub.com'`)).toMatchObject(cond(['email'], 'like', '*@pubnub.com'));
    }
  });

  it('allows any whitespace between tokens, and none', () => {
    const dense = parseFilter('name=="x"&&id!=\'y\'');
    const spaced = parseFilter(' name \t==\n"x"  &&\r\n  id  !=  \'y\' ');
    expect(spaced).toMatchObject({ type: 'and', left: { position: 1, valuePosition: 10 }, right: { position: 21 } });
    expect(stripPositions(spaced)).toEqual(stripPositions(dense));
    expect(parseFilter('description  LIKE "x*"')).toMatchObject(cond(['description'], 'like', 'x*'));
    expect(parseFilter('custom [ "a" ] == 1')).toMatchObject(cond(['custom', 'a'], '==', 1));
  });
});

describe('parseFilter: paths', () => {
  it('reads dotted and bracket segments in both quote styles', () => {
    expect(parseFilter('channel.custom.x == 1')).toMatchObject({ path: ['channel', 'custom', 'x'] });
    expect(parseFilter('custom["key with space"] == 1')).toMatchObject({ path: ['custom', 'key with space'] });
    expect(parseFilter('[\'description\'] LIKE "*support*"')).toMatchObject({ path: ['description'] });
    expect(parseFilter('custom["employment-status"] == "valid"')).toMatchObject({ path: ['custom', 'employment-status'] });
    expect(parseFilter('channel["custom"].x == 1')).toMatchObject({ path: ['channel', 'custom', 'x'] });
  });

  it('accepts Unicode letters, $ and _ in identifiers, and keywords as field names', () => {
    expect(parseFilter('custom.ñandú_2 == 1')).toMatchObject({ path: ['custom', 'ñandú_2'] });
    expect(parseFilter('custom.$x == 1')).toMatchObject({ path: ['custom', '$x'] });
    expect(parseFilter('custom._Ωμέγα == 1')).toMatchObject({ path: ['custom', '_Ωμέγα'] });
    expect(parseFilter('custom.like like "x"')).toMatchObject(cond(['custom', 'like'], 'like', 'x'));
    expect(parseFilter('custom.null == null')).toMatchObject(cond(['custom', 'null'], '==', null));
  });
});

describe('parseFilter: values', () => {
  it('reads numbers in decimal and scientific form', () => {
    const values: [string, number][] = [
      ['-42', -42],
      ['3.14159', 3.14159],
      ['6.022e23', 6.022e23],
      ['1E-3', 0.001],
      ['0', 0],
      ['2e+2', 200],
    ];
    for (const [text, value] of values) expect(parseFilter(`custom.n > ${text}`)).toMatchObject({ value });
  });

  it('reads true, false and null', () => {
    expect(parseFilter('custom.a == true')).toMatchObject({ value: true });
    expect(parseFilter('custom.a != false')).toMatchObject({ value: false });
    expect(parseFilter('name == null')).toMatchObject({ value: null });
  });

  it('decodes escapes in both quote styles', () => {
    expect(parseFilter(String.raw`name == "say \"hi\" \\ \/ \t"`)).toMatchObject({ value: 'say "hi" \\ / \t' });
    expect(parseFilter(String.raw`name == 'it\'s "fine"'`)).toMatchObject({ value: `it's "fine"` });
    expect(parseFilter(String.raw`name == "\b\f\n\r"`)).toMatchObject({ value: '\b\f\n\r' });
    expect(parseFilter(String.raw`name == "\u00c9mile \uD83D\uDE00"`)).toMatchObject({ value: 'Émile 😀' });
    expect(parseFilter('name == "Zoë 😀"')).toMatchObject({ value: 'Zoë 😀' });
  });

  it('keeps literal \\* apart from the * wildcard in LIKE patterns', () => {
    expect(parseFilter(String.raw`name LIKE "*\**"`)).toMatchObject({ value: '***', pattern: ['', '*', ''] });
    expect(parseFilter('name LIKE "John*"')).toMatchObject({ pattern: ['John', ''] });
    expect(parseFilter(String.raw`name == "a\*b"`)).toMatchObject({ value: 'a*b' });
  });
});

/** The error `parseFilter` throws for `text`, as a client shows it: message, position and length. */
function syntaxError(text: string): { message: string; position: number; length: number; token: string } {
  try {
    parseFilter(text);
  } catch (error) {
    expect(error).toBeInstanceOf(FilterSyntaxError);
    const { message, position, length } = error as FilterSyntaxError;
    return { message, position, length, token: text.slice(position, position + length) };
  }
  throw new Error(`expected a FilterSyntaxError for ${JSON.stringify(text)}`);
}

describe('parseFilter: errors span the offending token', () => {
  it.each([
    // [text, position, the text the error spans ('' for the end of the text)]
    ['name ==', 7, ''],
    ['name == )', 8, ')'],
    ['name == Alice', 8, 'Alice'],
    ['name = "x"', 5, '='],
    ['name "x"', 5, '"x"'],
    ['name LIKES "x"', 5, 'LIKES'],
    ['(name == "x"', 12, ''],
    ['name == "x")', 11, ')'],
    ['name == "x" &&', 14, ''],
    ['name == "x" id == "y"', 12, 'id'],
    ['name == "x" & id == "y"', 12, '&'],
    ['name == "x" || ', 15, ''],
    ['name == "abc', 8, '"abc'],
    ['name == "abc\\', 8, '"abc\\'],
    [String.raw`name == "a\qb"`, 10, String.raw`\q`],
    [String.raw`name == "\u12"`, 9, String.raw`\u12`],
    [String.raw`name == "\uD800" && id == "x"`, 8, String.raw`"\uD800"`],
    ['name LIKE 5', 10, '5'],
    ['custom.n == 12abc', 12, '12abc'],
    ['custom.n == 1.', 12, '1.'],
    ['custom.n == -x', 12, '-x'],
    ['custom.n == 1e999', 12, '1e999'],
    ['custom. == 1', 8, '=='],
    ['custom[x] == 1', 7, 'x'],
    ['custom["x" == 1', 11, '=='],
    ['== 1', 0, '=='],
    ['name == "x" # 1', 12, '#'],
    ['name == "x" 😀', 12, '😀'],
    ['', 0, ''],
  ])('%j fails at %i over %j', (text, position, token) => {
    const error = syntaxError(text);
    expect(error).toMatchObject({ position, length: Math.max(1, token.length) });
    expect(error.token).toBe(token);
    if (text.trim() !== '') expect(error.message).toContain(`at position ${position}`);
  });

  it('spans the whole text when it is only whitespace, and the excess when it is too long', () => {
    expect(syntaxError(' \t ')).toEqual({ message: 'The filter is empty', position: 0, length: 3, token: ' \t ' });
    const long = `name == "${'x'.repeat(MAX_FILTER_LENGTH)}"`;
    expect(syntaxError(long)).toMatchObject({ position: MAX_FILTER_LENGTH, length: long.length - MAX_FILTER_LENGTH });
  });

  it('spans the first condition past a bound: one comparison too many, one scanning LIKE too many', () => {
    const chain = Array.from({ length: MAX_FILTER_COMPARISONS + 1 }, (_, k) => `custom.x == ${k}`).join(' || ');
    expect(syntaxError(chain)).toMatchObject({ position: chain.lastIndexOf('custom.x'), token: 'custom' });
    const likes = Array.from({ length: MAX_FILTER_SCANNING_LIKES + 1 }, (_, k) => `name LIKE "*${k}"`).join(' || ');
    expect(syntaxError(likes)).toMatchObject({ position: likes.lastIndexOf('name'), token: `name LIKE "*${MAX_FILTER_SCANNING_LIKES}"` });
  });

  it('is an Error with its name, so it reads well when nobody catches it', () => {
    const error = (() => {
      try {
        return parseFilter('name ==');
      } catch (thrown) {
        return thrown;
      }
    })();
    expect(error).toBeInstanceOf(Error);
    expect(String(error)).toBe("FilterSyntaxError: Expected a value after '==' at position 7, found the end of the filter");
  });
});
