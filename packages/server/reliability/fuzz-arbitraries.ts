/**
 * fast-check arbitraries shared by the fuzz tests: App Context filter texts (well-formed ones with
 * the AST they must parse to, near misses and token soup) and hostile strings for paths, query
 * values and bodies.
 */
import fc from 'fast-check';
import type { Operator, FilterValue } from '../src/query/filter/ast.ts';
import type { Resource } from '../src/query/fields.ts';
import { MAX_FILTER_COMPARISONS, MAX_FILTER_DEPTH, MAX_FILTER_LENGTH, MAX_FILTER_SCANNING_LIKES } from '../src/query/filter/parser.ts';

/** The AST a generated filter must parse to, without source positions and LIKE patterns. */
export type ExpectedNode =
  | { type: 'and' | 'or'; left: ExpectedNode; right: ExpectedNode }
  | { type: 'not'; expr: ExpectedNode }
  | { type: 'condition'; path: string[]; operator: Operator; value: FilterValue };

/** A filter as text together with the AST it means; `depth` is the nesting the parser counts. */
export interface GeneratedFilter {
  text: string;
  ast: ExpectedNode;
  depth: number;
}

export const RESOURCES: readonly Resource[] = ['uuids', 'channels', 'memberships', 'members'];

// ---------------------------------------------------------------------------------------------
// Hostile strings

/** Each byte as a URL carries it: unreserved characters as they are, the rest as `%XX`. */
const ENCODED_BYTE = Array.from({ length: 256 }, (_, byte) => {
  const char = String.fromCharCode(byte);
  return /[A-Za-z0-9\-_.~]/.test(char) ? char : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
});

/** Percent-encodes UTF-8 bytes (lone surrogates become U+FFFD, as any client would send them). */
export function percentEncode(text: string): string {
  let encoded = '';
  for (const byte of Buffer.from(text, 'utf8')) encoded += ENCODED_BYTE[byte]!;
  return encoded;
}

/** Lone UTF-16 surrogates, which no well-formed Unicode string holds. */
const loneSurrogate = fc.integer({ min: 0xd800, max: 0xdfff }).map((unit) => String.fromCharCode(unit));

/** Short strings of every flavour: ASCII, any code point, control characters and lone surrogates. */
export const weirdString = fc.oneof(
  fc.string({ maxLength: 30 }),
  fc.string({ unit: 'binary', maxLength: 30 }),
  fc.string({ unit: 'binary-ascii', maxLength: 30 }),
  fc.string({ unit: 'grapheme', maxLength: 10 }),
  fc.string({ unit: fc.oneof(fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }), loneSurrogate), maxLength: 12 }),
  fc.constantFrom('', ' ', '\u0000', '\n', 'null', 'true', '0', '-1', 'NaN', 'Infinity', '__proto__', 'constructor', '\ufeff', '\u202e', '\u{1F600}'),
);

/** Strings up to many kilobytes: a character repeated, or a short string repeated. */
export const longString = fc
  .tuple(fc.oneof(fc.constantFrom('a', 'é', '\u{1F600}', '"', '\\', '%'), fc.string({ minLength: 1, maxLength: 8 })), fc.integer({ min: 50, max: 20_000 }))
  .map(([unit, times]) => unit.repeat(times));

// ---------------------------------------------------------------------------------------------
// Filter building blocks

const WHITESPACE = [' ', '  ', '\t', '\n', '\r\n', '\u00a0', '\u2003', '\u3000', '\ufeff'];
/** Optional whitespace between tokens. */
const ws = fc.oneof(
  { weight: 3, arbitrary: fc.constant('') },
  { weight: 3, arbitrary: fc.constant(' ') },
  { weight: 1, arbitrary: fc.constantFrom(...WHITESPACE) },
);
/** Whitespace that must be there, e.g. between a field name and LIKE. */
const ws1 = fc.oneof({ weight: 4, arbitrary: fc.constant(' ') }, { weight: 1, arbitrary: fc.constantFrom(...WHITESPACE) });

const IDENTIFIERS = [
  'name',
  'id',
  'custom',
  'status',
  'type',
  'updated',
  'description',
  'email',
  'externalId',
  'profileUrl',
  'channel',
  'uuid',
  'space',
  'user',
  'like',
  'LIKE',
  'null',
  'true',
  'false',
  'x',
  '$x',
  '_',
  'ñandú_2',
  'Ωμέγα',
  'a1',
];

/** Text the lexer reads as one identifier. */
const identifier = fc.oneof(fc.constantFrom(...IDENTIFIERS), fc.stringMatching(/^[A-Za-z_$][A-Za-z0-9_$]{0,8}$/));
const isIdentifier = (text: string): boolean => /^[\p{L}$_][\p{L}\p{M}\p{Nd}$_]*$/u.test(text);

/** One character of a string literal's value: any code point but a lone surrogate. */
const literalChar = fc.oneof(
  { weight: 4, arbitrary: fc.string({ unit: 'grapheme-ascii', minLength: 1, maxLength: 1 }) },
  { weight: 1, arbitrary: fc.constantFrom('"', "'", '\\', '*', '/', '\b', '\f', '\n', '\r', '\t', '%', '_', '\u0000') },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }) },
);

const SIMPLE_ESCAPE: Record<string, string> = {
  '"': '\\"',
  "'": "\\'",
  '\\': '\\\\',
  '/': '\\/',
  '\b': '\\b',
  '\f': '\\f',
  '\n': '\\n',
  '\r': '\\r',
  '\t': '\\t',
  '*': '\\*',
};
const unicodeEscape = (char: string): string => [...Array(char.length).keys()].map((i) => `\\u${char.charCodeAt(i).toString(16).padStart(4, '0')}`).join('');

/** How one character is written: as itself (where it may be), with a short escape, or as `\uXXXX`. */
function writeChar(char: string, quote: '"' | "'", style: number): string {
  const mustEscape = char === quote || char === '\\';
  const simple = SIMPLE_ESCAPE[char];
  if (style === 0 && !mustEscape) return char;
  if (style === 1 && simple !== undefined) return simple;
  if (style === 2 || simple === undefined) return unicodeEscape(char);
  return simple;
}

/** A quoted string literal and the value it decodes to. */
const stringLiteral = fc.tuple(fc.constantFrom<'"' | "'">('"', "'"), fc.array(fc.tuple(literalChar, fc.nat(4)), { maxLength: 12 })).map(([quote, chars]) => ({
  text: `${quote}${chars.map(([char, style]) => writeChar(char, quote, style < 3 ? style : 0)).join('')}${quote}`,
  value: chars.map(([char]) => char).join(''),
}));

/** A number as the lexer reads it (always finite) and its value. */
const numberLiteral = fc
  .tuple(
    fc.boolean(),
    fc.stringMatching(/^\d{1,6}$/),
    fc.option(fc.stringMatching(/^\d{1,6}$/), { nil: undefined }),
    fc.option(fc.tuple(fc.constantFrom('e', 'E'), fc.constantFrom('', '+', '-'), fc.integer({ min: 0, max: 300 })), { nil: undefined }),
  )
  .map(([negative, whole, fraction, exponent]) => {
    const text = `${negative ? '-' : ''}${whole}${fraction === undefined ? '' : `.${fraction}`}${exponent === undefined ? '' : exponent.join('')}`;
    return { text, value: Number(text) };
  });

type Literal = { text: string; value: FilterValue };

/** `"text*"`: a LIKE pattern that starts with literal text, which compiles to an index range. */
const prefixPattern = fc.stringMatching(/^[A-Za-z0-9 _%é]{1,4}$/).map((prefix): Literal => ({ text: `"${prefix}*"`, value: `${prefix}*` }));

const keywordLiteral = fc.constantFrom<Literal>({ text: 'true', value: true }, { text: 'false', value: false }, { text: 'null', value: null });
const anyLiteral: fc.Arbitrary<Literal> = fc.oneof(stringLiteral, numberLiteral, keywordLiteral);

/** A path segment after the first: `.name` when it can be, else (or by choice) `["any text"]`. */
function laterSegment(segment: string): fc.Arbitrary<string> {
  const bracket = stringLiteralFor(segment).map((literal) => `[${literal}]`);
  if (!isIdentifier(segment)) return bracket;
  return fc.oneof({ weight: 3, arbitrary: fc.constant(`.${segment}`) }, { weight: 1, arbitrary: bracket });
}

/** A literal for a given value (escaping what must be escaped). */
function stringLiteralFor(value: string): fc.Arbitrary<string> {
  const chars = [...value];
  return fc
    .tuple(fc.constantFrom<'"' | "'">('"', "'"), fc.array(fc.nat(3), { minLength: chars.length, maxLength: chars.length }))
    .map(([quote, styles]) => `${quote}${chars.map((char, i) => writeChar(char, quote, styles[i] ?? 0)).join('')}${quote}`);
}

/** How a field path is written: `a.b`, `a["b"]`, `["a"].b` or `["a"]["b"]`. */
function pathText(path: readonly string[]): fc.Arbitrary<string> {
  const [head, ...rest] = path;
  if (head === undefined) return fc.constant('');
  const first = isIdentifier(head)
    ? fc.oneof({ weight: 4, arbitrary: fc.constant(head) }, { weight: 1, arbitrary: stringLiteralFor(head).map((l) => `[${l}]`) })
    : stringLiteralFor(head).map((l) => `[${l}]`);
  return fc.tuple(first, ...rest.map(laterSegment)).map((parts) => parts.join(''));
}

const COMPARISONS = ['==', '!=', '<', '<=', '>', '>='] as const;
const likeSpelling = fc.constantFrom('like', 'LIKE', 'Like', 'lIkE');

/** `path op value` from a chosen path, operator and literal. */
function conditionFrom(path: string[], operator: Operator, literal: Literal): fc.Arbitrary<GeneratedFilter> {
  const opText =
    operator === 'like' ? fc.tuple(ws1, likeSpelling, ws).map(([a, like, b]) => `${a}${like}${b}`) : fc.tuple(ws, ws).map(([a, b]) => `${a}${operator}${b}`);
  return fc.tuple(pathText(path), opText).map(([field, op]) => ({
    text: `${field}${op}${literal.text}`,
    ast: { type: 'condition', path, operator, value: literal.value },
    depth: 0,
  }));
}

const anyPath = fc
  .tuple(fc.oneof(identifier, fc.string({ maxLength: 6 })), fc.array(fc.oneof(identifier, fc.string({ maxLength: 6 })), { maxLength: 3 }))
  .map(([head, rest]) => [head, ...rest]);

/** Any condition the parser accepts, whether or not a resource knows its field. */
const anyCondition: fc.Arbitrary<GeneratedFilter> = fc.oneof(
  fc.tuple(anyPath, fc.constantFrom(...COMPARISONS), anyLiteral).chain(([path, op, literal]) => conditionFrom(path, op, literal)),
  fc.tuple(anyPath, stringLiteral).chain(([path, literal]) => conditionFrom(path, 'like', literal)),
);

// ---------------------------------------------------------------------------------------------
// Conditions that compile for one resource

const OBJECT_FIELDS = {
  uuids: ['id', 'name', 'externalId', 'profileUrl', 'email', 'status', 'type'],
  channels: ['id', 'name', 'description', 'status', 'type'],
} as const;

/** ISO 8601 instants in the spellings `updated` literals may take. */
const dateLiteral = fc
  .tuple(fc.date({ min: new Date('0001-01-01T00:00:00Z'), max: new Date('9998-12-31T00:00:00Z'), noInvalidDate: true }), fc.nat(5), fc.nat(999))
  .map(([date, style, micros]) => {
    const iso = date.toISOString();
    const day = iso.slice(0, 10);
    switch (style) {
      case 0:
        return day;
      case 1:
        return `${iso.slice(0, 19)}Z`;
      case 2:
        return `${iso.slice(0, 23)}${String(micros).padStart(3, '0')}Z`;
      case 3:
        return `${day} ${iso.slice(11, 16)}`;
      case 4:
        return `${iso.slice(0, 19)}+02:00`;
      default:
        return iso;
    }
  });

/** In a `u` regex a surrogate class matches only unpaired halves, which filter strings may not hold. */
const hasLoneSurrogate = (text: string): boolean => /[\uD800-\uDFFF]/u.test(text);
const customKey = fc.oneof(
  identifier,
  weirdString.filter((key) => !hasLoneSurrogate(key)),
);

/** Paths (as segments) of a resource's own fields, typed by how they compile. */
interface TypedField {
  path: string[];
  kind: 'string' | 'date' | 'custom';
}

function ownFields(columns: readonly string[]): fc.Arbitrary<TypedField> {
  return fc.oneof(
    fc.constantFrom(...columns).map((name): TypedField => ({ path: [name], kind: 'string' })),
    fc.constant<TypedField>({ path: ['updated'], kind: 'date' }),
    customKey.map((key): TypedField => ({ path: ['custom', key], kind: 'custom' })),
  );
}

function fieldsOf(resource: Resource): fc.Arbitrary<TypedField> {
  if (resource === 'uuids' || resource === 'channels') return ownFields(OBJECT_FIELDS[resource]);
  const [aliases, columns] = resource === 'memberships' ? [['channel', 'space'], OBJECT_FIELDS.channels] : [['uuid', 'user'], OBJECT_FIELDS.uuids];
  const related = fc.tuple(fc.constantFrom(...aliases), ownFields(columns)).map(([alias, field]) => ({ ...field, path: [alias, ...field.path] }));
  return fc.oneof(ownFields(['status', 'type']), related);
}

/** A condition on a field the resource has, with a value its type accepts: it always compiles. */
function compilableCondition(resource: Resource): fc.Arbitrary<GeneratedFilter> {
  return fieldsOf(resource).chain(({ path, kind }) => {
    if (kind === 'date') {
      const date = dateLiteral.chain((text) => stringLiteralFor(text).map((literal): Literal => ({ text: literal, value: text })));
      return fc
        .tuple(fc.constantFrom(...COMPARISONS), fc.oneof(date, fc.constant<Literal>({ text: 'null', value: null })))
        .chain(([op, literal]) => conditionFrom(path, op, literal));
    }
    return fc.oneof(
      fc.tuple(fc.constantFrom(...COMPARISONS), anyLiteral).chain(([op, literal]) => conditionFrom(path, op, literal)),
      fc.oneof(stringLiteral, prefixPattern).chain((literal) => conditionFrom(path, 'like', literal)),
    );
  });
}

// ---------------------------------------------------------------------------------------------
// Expressions

const needsParens = (child: ExpectedNode, parent: 'and' | 'or' | 'not', side: 'left' | 'right'): boolean => {
  if (child.type === 'condition' || child.type === 'not') return false;
  if (parent === 'not') return true;
  if (parent === 'and') return child.type === 'or' || side === 'right';
  return child.type === 'or' && side === 'right';
};

/** Parentheses where precedence needs them, and sometimes where it does not. */
function operand(child: GeneratedFilter, parent: 'and' | 'or' | 'not', side: 'left' | 'right', extra: number, spaces: [string, string]): GeneratedFilter {
  let { text, depth } = child;
  const parens = (needsParens(child.ast, parent, side) ? 1 : 0) + extra;
  for (let i = 0; i < parens; i += 1) {
    text = `(${spaces[0]}${text}${spaces[1]})`;
    depth += 1;
  }
  return { text, ast: child.ast, depth };
}

function junction(
  left: GeneratedFilter,
  right: GeneratedFilter,
  type: 'and' | 'or',
  extras: [number, number],
  spaces: [string, string, string, string],
): GeneratedFilter {
  const l = operand(left, type, 'left', extras[0], [spaces[2], spaces[3]]);
  const r = operand(right, type, 'right', extras[1], [spaces[3], spaces[2]]);
  return {
    text: `${l.text}${spaces[0]}${type === 'and' ? '&&' : '||'}${spaces[1]}${r.text}`,
    ast: { type, left: left.ast, right: right.ast },
    depth: Math.max(l.depth, r.depth),
  };
}

function negation(expr: GeneratedFilter, extra: number, spaces: [string, string]): GeneratedFilter {
  const inner = operand(expr, 'not', 'left', extra, spaces);
  return { text: `!${spaces[0]}${inner.text}`, ast: { type: 'not', expr: expr.ast }, depth: inner.depth + 1 };
}

const extraParens = fc.oneof({ weight: 5, arbitrary: fc.constant(0) }, { weight: 1, arbitrary: fc.integer({ min: 1, max: 2 }) });
const spaces2 = fc.tuple(ws, ws);
const spaces4 = fc.tuple(ws, ws, ws, ws);

/**
 * Whether a generated filter stays within the parser's counts: at most `MAX_FILTER_COMPARISONS`
 * conditions and, conservatively, at most `MAX_FILTER_SCANNING_LIKES` LIKE conditions of any pattern.
 */
function withinCounts(ast: ExpectedNode): boolean {
  let conditions = 0;
  let likes = 0;
  const stack = [ast];
  while (stack.length > 0) {
    const node = stack.pop()!;
    if (node.type === 'condition') {
      conditions += 1;
      if (node.operator === 'like') likes += 1;
    } else if (node.type === 'not') stack.push(node.expr);
    else stack.push(node.left, node.right);
  }
  return conditions <= MAX_FILTER_COMPARISONS && likes <= MAX_FILTER_SCANNING_LIKES;
}

/** Well-formed expressions over `condition`: precedence, negation and parentheses, up to `maxDepth` deep. */
function filterExpression(condition: fc.Arbitrary<GeneratedFilter>, maxDepth = 6): fc.Arbitrary<GeneratedFilter> {
  const { node } = fc.letrec<{ node: GeneratedFilter }>((tie) => ({
    node: fc.oneof(
      { maxDepth, depthSize: 'small', withCrossShrink: true },
      condition,
      fc.tuple(tie('node'), extraParens, spaces2).map(([expr, extra, spaces]) => negation(expr, extra, spaces)),
      fc
        .tuple(tie('node'), tie('node'), fc.constantFrom<'and' | 'or'>('and', 'or'), fc.tuple(extraParens, extraParens), spaces4)
        .map(([left, right, type, extras, spaces]) => junction(left, right, type, extras, spaces)),
    ),
  }));
  return node.filter((filter) => filter.depth <= MAX_FILTER_DEPTH && filter.text.length <= MAX_FILTER_LENGTH && withinCounts(filter.ast));
}

/**
 * Deep nesting: a condition wrapped in up to `MAX_FILTER_DEPTH` levels of `(`, `!` and
 * `a && (…)` / `a || (…)`, each level counting once (or twice for `!(`) as the parser counts.
 */
function deepExpression(condition: fc.Arbitrary<GeneratedFilter>): fc.Arbitrary<GeneratedFilter> {
  const level = fc.oneof(
    fc.constant({ kind: 'paren' as const }),
    fc.constant({ kind: 'not' as const }),
    fc
      .tuple(condition, fc.constantFrom<'and' | 'or'>('and', 'or'), fc.boolean())
      .map(([other, type, otherFirst]) => ({ kind: 'junction' as const, other, type, otherFirst })),
  );
  return fc
    .tuple(condition, fc.array(level, { minLength: 1, maxLength: MAX_FILTER_DEPTH }))
    .map(([start, levels]) => {
      let current: GeneratedFilter = start;
      for (const wrap of levels) {
        if (current.depth >= MAX_FILTER_DEPTH - 1) break;
        if (wrap.kind === 'paren') current = { text: `(${current.text})`, ast: current.ast, depth: current.depth + 1 };
        else if (wrap.kind === 'not') current = negation(current, 0, ['', '']);
        else {
          const inner = { text: `(${current.text})`, ast: current.ast, depth: current.depth + 1 };
          const ast: ExpectedNode = wrap.otherFirst
            ? { type: wrap.type, left: wrap.other.ast, right: inner.ast }
            : { type: wrap.type, left: inner.ast, right: wrap.other.ast };
          const text = wrap.otherFirst
            ? `${wrap.other.text} ${wrap.type === 'and' ? '&&' : '||'} ${inner.text}`
            : `${inner.text} ${wrap.type === 'and' ? '&&' : '||'} ${wrap.other.text}`;
          current = { text, ast, depth: inner.depth };
        }
      }
      return current;
    })
    .filter((filter) => filter.text.length <= MAX_FILTER_LENGTH && withinCounts(filter.ast));
}

/** Well-formed filters of every kind the parser must accept. */
export const wellFormedFilter: fc.Arbitrary<GeneratedFilter> = fc.oneof(
  { weight: 4, arbitrary: filterExpression(anyCondition) },
  { weight: 1, arbitrary: deepExpression(anyCondition) },
  { weight: 2, arbitrary: fc.constantFrom(...RESOURCES).chain((resource) => filterExpression(compilableCondition(resource))) },
);

/** A filter that compiles for `resource`, shallow or deep. */
export function compilableFilter(resource: Resource): fc.Arbitrary<GeneratedFilter> {
  return fc.oneof(
    { weight: 3, arbitrary: filterExpression(compilableCondition(resource)) },
    { weight: 1, arbitrary: deepExpression(compilableCondition(resource)) },
  );
}

// ---------------------------------------------------------------------------------------------
// Near misses and soup

const SOUP_TOKENS = [
  'name',
  'id',
  'custom.x',
  'custom["a b"]',
  "custom['q\\'']",
  'custom',
  'status',
  'type',
  'updated',
  'description',
  'email',
  'externalId',
  'profileUrl',
  'channel.name',
  'channel.custom.x',
  'uuid.id',
  'space.id',
  'user.name',
  'channel',
  '==',
  '!=',
  '<',
  '<=',
  '>',
  '>=',
  'like',
  'LIKE',
  '=',
  '&',
  '|',
  '&&',
  '||',
  '!',
  '(',
  ')',
  '[',
  ']',
  '.',
  '"x"',
  "'y'",
  '"a*b"',
  '"\\*"',
  '"\\u00e9"',
  '"\\uD800"',
  '"\\ud83d\\ude00"',
  '"\\q"',
  '"\\u12"',
  '"unterminated',
  "'",
  '"',
  '\\',
  '0',
  '-1',
  '1.5',
  '1e3',
  '1e999',
  '-',
  '1.',
  '.5',
  '0x10',
  '1e',
  '-0',
  'null',
  'true',
  'false',
  'NULL',
  'True',
  '"2024-01-01"',
  '"2024-02-30T00:00:00Z"',
  '"2024-01-01T10:00:00.123456789+01:00"',
  '#',
  '@',
  ',',
  ';',
  '*',
  '?',
  '\u0000',
  '\ud800',
  'é',
  '\u{1F600}',
];

/** Strings made of the filter language's own tokens, in random order, with random whitespace. */
const tokenSoup = fc
  .array(fc.tuple(fc.oneof({ weight: 6, arbitrary: fc.constantFrom(...SOUP_TOKENS) }, { weight: 1, arbitrary: weirdString }), ws), { maxLength: 25 })
  .map((parts) => parts.map(([token, space]) => `${token}${space}`).join(''));

/** A well-formed filter with one to three characters deleted, inserted or replaced. */
const nearMissFilter = fc
  .tuple(
    wellFormedFilter,
    fc.array(fc.tuple(fc.nat(), fc.nat(2), fc.oneof(fc.constantFrom(...'()[]!&|=<>"\'\\.*- '), weirdString)), { minLength: 1, maxLength: 3 }),
  )
  .map(([filter, edits]) => {
    let text = filter.text;
    for (const [at, kind, insert] of edits) {
      const index = text.length === 0 ? 0 : at % (text.length + 1);
      if (kind === 0) text = text.slice(0, index) + text.slice(index + 1);
      else if (kind === 1) text = text.slice(0, index) + insert + text.slice(index);
      else text = text.slice(0, index) + insert + text.slice(index + 1);
    }
    return text;
  });

/** Any text at all that might be sent as a filter: random, soup, near misses and well-formed. */
export const anyFilterText: fc.Arbitrary<string> = fc.oneof(
  weirdString,
  fc.string({ unit: 'binary', maxLength: 200 }),
  tokenSoup,
  nearMissFilter,
  wellFormedFilter.map((filter) => filter.text),
);
