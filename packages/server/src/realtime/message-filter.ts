import { RosterError } from '../errors.ts';
import { containsText, foldCase, LikePattern } from '../query/filter/like.ts';
import type { FilterSubject } from './channel-log.ts';

/**
 * Subscribe filters (`filter-expr`): a small expression language over a published message's
 * `meta`, its payload and its publisher, evaluated on the server for each subscriber.
 *
 * Grammar (`||` binds looser than `&&`, `!` tighter):
 *   expr       := and ('||' and)*
 *   and        := unary ('&&' unary)*
 *   unary      := '!' unary | '(' expr ')' | comparison
 *   comparison := operand ('==' | '!=' | '<' | '<=' | '>' | '>=' | LIKE | CONTAINS) operand
 *   operand    := path | string | number | true | false | null
 *   path       := name ('.' name | '[' string ']')*
 * A path starts at `meta.` or `data.` (the payload); a bare name reads `meta` (PubNub's original
 * form), except a bare `uuid` with no `meta.uuid`, which is the publisher's uuid.
 *
 * Cost: every comparison takes time linear in the values it reads (LIKE and CONTAINS included,
 * see query/filter/like.ts), and an expression holds at most `MAX_COMPARISONS` of them, so one
 * evaluation costs at most that many passes over the message.
 */
export interface MessageFilter {
  (subject: FilterSubject): boolean;
  /** The expression it was parsed from: polls whose filters have the same text wait with one filter. */
  readonly text: string;
}

type Operand = (subject: FilterSubject) => unknown;
type Predicate = (subject: FilterSubject) => boolean;

interface Token {
  kind: 'op' | 'string' | 'number' | 'name';
  /** The value (a string's unescaped content). */
  text: string;
  /** A string's content as written, escapes included. */
  raw?: string;
  position: number;
}

const OPERATORS = ['&&', '||', '==', '!=', '<=', '>=', '<', '>', '!', '(', ')', '[', ']', '.'];
const COMPARISONS = new Set(['==', '!=', '<', '<=', '>', '>=', 'LIKE', 'CONTAINS']);
const NUMBER = /-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
const NAME = /[A-Za-z_$][\w$]*/y;
/** Longer expressions and deeper nesting are refused: a filter is parsed per distinct text, and recursion has a bound. */
export const MAX_FILTER_EXPR_LENGTH = 4096;
const MAX_DEPTH = 64;
/** Comparisons one expression may hold: what one publish may cost per distinct filter is this many passes over the message. */
export const MAX_COMPARISONS = 64;

/** A 400 naming the `filter-expr` query parameter (the subscribe envelope shows only the message). */
function fail(message: string, position: number): never {
  const text = `Invalid filter expression: ${message} at position ${position + 1}.`;
  throw new RosterError('INVALID_FILTER', text, [{ message: text, location: 'filter-expr', locationType: 'query' }]);
}

/** A quoted string: its value, its text between the quotes (escapes kept, for LIKE), and where it ends. */
function readString(text: string, start: number): { value: string; raw: string; end: number } {
  const quote = text[start];
  let value = '';
  for (let index = start + 1; index < text.length; index++) {
    const char = text[index]!;
    if (char === quote) return { value, raw: text.slice(start + 1, index), end: index + 1 };
    if (char === '\\' && index + 1 < text.length) value += text[++index]!;
    else value += char;
  }
  return fail('unterminated string', start);
}

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let index = 0;
  while (index < text.length) {
    const char = text[index]!;
    if (/\s/.test(char)) {
      index++;
      continue;
    }
    if (char === '"' || char === "'") {
      const { value, raw, end } = readString(text, index);
      tokens.push({ kind: 'string', text: value, raw, position: index });
      index = end;
      continue;
    }
    NUMBER.lastIndex = index;
    const number = NUMBER.exec(text);
    if (number) {
      tokens.push({ kind: 'number', text: number[0], position: index });
      index += number[0].length;
      continue;
    }
    NAME.lastIndex = index;
    const name = NAME.exec(text);
    if (name) {
      tokens.push({ kind: 'name', text: name[0], position: index });
      index += name[0].length;
      continue;
    }
    const operator = OPERATORS.find((op) => text.startsWith(op, index));
    if (!operator) fail(`unexpected '${char}'`, index);
    tokens.push({ kind: 'op', text: operator, position: index });
    index += operator.length;
  }
  return tokens;
}

/** Numbers compare as numbers, also when one side is a numeric string (meta values often are). */
function asNumber(value: unknown): number | undefined {
  if (typeof value === 'number') return value;
  if (typeof value === 'string' && value.trim() !== '' && Number.isFinite(Number(value))) return Number(value);
  return undefined;
}

function bothNumbers(left: unknown, right: unknown): [number, number] | undefined {
  if (typeof left !== 'number' && typeof right !== 'number') return undefined;
  const a = asNumber(left);
  const b = asNumber(right);
  return a === undefined || b === undefined ? undefined : [a, b];
}

function equal(left: unknown, right: unknown): boolean | undefined {
  if (left === undefined || right === undefined) return undefined;
  const numbers = bothNumbers(left, right);
  if (numbers) return numbers[0] === numbers[1];
  if (typeof left !== typeof right) return undefined;
  return left === right;
}

function order(left: unknown, right: unknown): number | undefined {
  const numbers = bothNumbers(left, right);
  if (numbers) return numbers[0] - numbers[1];
  if (typeof left === 'string' && typeof right === 'string') return left < right ? -1 : left > right ? 1 : 0;
  return undefined;
}

/**
 * A LIKE pattern: `*` matches any run of characters, `\*` (when `escapes`, as in a quoted
 * literal) a literal asterisk, and matching ignores case (decisions.md). Linear in the text.
 */
function likePattern(pattern: string, escapes: boolean): LikePattern {
  const runs: string[] = [];
  let run = '';
  for (let index = 0; index < pattern.length; index++) {
    const char = pattern[index]!;
    if (escapes && char === '\\' && index + 1 < pattern.length) run += pattern[++index]!;
    else if (char === '*') {
      runs.push(foldCase(run));
      run = '';
    } else run += char;
  }
  runs.push(foldCase(run));
  return new LikePattern(runs);
}

/** Texts shorter than this are folded again at each use: cheaper than remembering them. */
const FOLD_KEPT_FROM = 64;

/**
 * Folded forms of a message's texts, per message: every LIKE of every filter evaluated on one
 * published message folds each of its fields once (the subject is parsed once per message, so
 * its fields are the same strings for all filters). Dropped with the message.
 */
const foldedBySubject = new WeakMap<FilterSubject, Map<string, string>>();

function folded(subject: FilterSubject, text: string): string {
  if (text.length < FOLD_KEPT_FROM) return foldCase(text);
  let forms = foldedBySubject.get(subject);
  if (!forms) foldedBySubject.set(subject, (forms = new Map()));
  let form = forms.get(text);
  if (form === undefined) forms.set(text, (form = foldCase(text)));
  return form;
}

function like(subject: FilterSubject, value: unknown, pattern: LikePattern): boolean {
  const text = typeof value === 'number' ? String(value) : value;
  return typeof text === 'string' && pattern.matches(folded(subject, text));
}

function compare(subject: FilterSubject, operator: string, left: unknown, right: unknown): boolean {
  switch (operator) {
    case '==':
      if (right === null) return left === null || left === undefined;
      return equal(left, right) === true;
    case '!=':
      if (right === null) return left !== null && left !== undefined;
      return equal(left, right) === false;
    case 'LIKE':
      return typeof right === 'string' && like(subject, left, likePattern(right, false));
    case 'CONTAINS':
      if (typeof left === 'string') return typeof right === 'string' && containsText(left, right);
      return Array.isArray(left) && left.some((item) => equal(item, right) === true);
    default: {
      const sign = order(left, right);
      if (sign === undefined || Number.isNaN(sign)) return false;
      return operator === '<' ? sign < 0 : operator === '<=' ? sign <= 0 : operator === '>' ? sign > 0 : sign >= 0;
    }
  }
}

function field(value: unknown, key: string): unknown {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  return Object.hasOwn(value, key) ? (value as Record<string, unknown>)[key] : undefined;
}

class Parser {
  readonly #tokens: Token[];
  readonly #end: number;
  #index = 0;
  #depth = 0;
  #comparisons = 0;

  constructor(tokens: Token[], length: number) {
    this.#tokens = tokens;
    this.#end = length;
  }

  parse(): Predicate {
    if (this.#tokens.length === 0) fail('empty expression', 0);
    const filter = this.#or();
    const extra = this.#peek();
    if (extra) fail(`unexpected '${extra.text}'`, extra.position);
    return filter;
  }

  #peek(): Token | undefined {
    return this.#tokens[this.#index];
  }

  #take(): Token {
    const token = this.#tokens[this.#index++];
    return token ?? fail('unexpected end', this.#end);
  }

  #accept(text: string): boolean {
    const token = this.#peek();
    if (token?.kind !== 'op' || token.text !== text) return false;
    this.#index++;
    return true;
  }

  #or(): Predicate {
    const parts = [this.#and()];
    while (this.#accept('||')) parts.push(this.#and());
    return parts.length === 1 ? parts[0]! : (subject) => parts.some((part) => part(subject));
  }

  #and(): Predicate {
    const parts = [this.#unary()];
    while (this.#accept('&&')) parts.push(this.#unary());
    return parts.length === 1 ? parts[0]! : (subject) => parts.every((part) => part(subject));
  }

  #unary(): Predicate {
    const token = this.#peek();
    if (++this.#depth > MAX_DEPTH) fail(`nesting deeper than ${MAX_DEPTH}`, token?.position ?? this.#end);
    try {
      return this.#nested();
    } finally {
      this.#depth--;
    }
  }

  #nested(): Predicate {
    if (this.#accept('!')) {
      const inner = this.#unary();
      return (subject) => !inner(subject);
    }
    if (this.#accept('(')) {
      const inner = this.#or();
      const close = this.#take();
      if (close.text !== ')' || close.kind !== 'op') fail(`expected ')' but found '${close.text}'`, close.position);
      return inner;
    }
    return this.#comparison();
  }

  #comparison(): Predicate {
    const left = this.#operand();
    const token = this.#take();
    const operator = token.kind === 'name' ? token.text.toUpperCase() : token.kind === 'op' ? token.text : '';
    if (!COMPARISONS.has(operator)) fail(`expected a comparison operator but found '${token.text}'`, token.position);
    if (++this.#comparisons > MAX_COMPARISONS) fail(`filter-expr holds more than ${MAX_COMPARISONS} comparisons`, token.position);
    const literal = this.#peek();
    const right = this.#operand();
    if (operator === 'LIKE' && literal?.kind === 'string') {
      const pattern = likePattern(literal.raw ?? literal.text, true);
      return (subject) => like(subject, left(subject), pattern);
    }
    return (subject) => compare(subject, operator, left(subject), right(subject));
  }

  #operand(): Operand {
    const token = this.#take();
    if (token.kind === 'string') return () => token.text;
    if (token.kind === 'number') {
      const value = Number(token.text);
      return () => value;
    }
    if (token.kind !== 'name') return fail(`expected a field or a value but found '${token.text}'`, token.position);
    const lower = token.text.toLowerCase();
    if (lower === 'true' || lower === 'false') return () => lower === 'true';
    if (lower === 'null') return () => null;
    return this.#path(token);
  }

  #path(first: Token): Operand {
    const keys: string[] = [];
    for (;;) {
      if (this.#accept('.')) {
        const name = this.#take();
        if (name.kind !== 'name') fail(`expected a field name after '.'`, name.position);
        keys.push(name.text);
      } else if (this.#accept('[')) {
        const key = this.#take();
        if (key.kind !== 'string') fail('expected a quoted key inside [ ]', key.position);
        const close = this.#take();
        if (close.text !== ']') fail(`expected ']'`, close.position);
        keys.push(key.text);
      } else break;
    }
    const root = first.text;
    const read = (start: unknown) => keys.reduce<unknown>((value, key) => field(value, key), start);
    if (root === 'meta' && keys.length > 0) return (subject) => read(subject.meta);
    if (root === 'data' && keys.length > 0) return (subject) => read(subject.data);
    if (root === 'uuid' && keys.length === 0) {
      return (subject) => field(subject.meta, 'uuid') ?? subject.publisher;
    }
    return (subject) => read(field(subject.meta, root));
  }
}

/** Parses an expression into a predicate; a 400 naming the position when it is not valid. */
export function parseMessageFilter(text: string): MessageFilter {
  if (text.length > MAX_FILTER_EXPR_LENGTH) fail(`longer than ${MAX_FILTER_EXPR_LENGTH} characters`, MAX_FILTER_EXPR_LENGTH);
  const predicate = new Parser(tokenize(text), text.length).parse();
  return Object.assign((subject: FilterSubject) => predicate(subject), { text });
}

/**
 * The 400 for a subscribe that would hold one distinct filter too many on `channel` (see
 * `HubOptions.maxFiltersPerChannel`), naming `filter-expr`.
 */
export function tooManyFilters(channel: string, limit: number): RosterError {
  const text = `Channel '${channel}' already has ${limit} distinct filter expressions waiting on it; subscribe with one of those, or without filter-expr.`;
  return new RosterError('INVALID_FILTER', text, [{ message: text, location: 'filter-expr', locationType: 'query' }]);
}

/**
 * Parsed filters by expression text: each distinct expression is parsed once, and keeps being
 * the same filter while it is in use (the least recently used is dropped), so polls with the
 * same text share one evaluation per publish.
 */
export class MessageFilterCache {
  readonly #filters = new Map<string, MessageFilter>();
  readonly #capacity: number;

  /** @param capacity distinct expressions kept; the least recently used is dropped past it. @default 1000 */
  constructor(capacity = 1000) {
    this.#capacity = capacity;
  }

  get(text: string): MessageFilter {
    let filter = this.#filters.get(text);
    if (filter) this.#filters.delete(text);
    else {
      filter = parseMessageFilter(text);
      if (this.#filters.size >= this.#capacity) this.#filters.delete(this.#filters.keys().next().value!);
    }
    this.#filters.set(text, filter);
    return filter;
  }
}
