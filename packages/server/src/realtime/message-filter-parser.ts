import { bounds, expected, filterError, found, trailing, unclosed, type ShownToken } from '../query/filter/filter-error.ts';
import type { FilterSubject } from './channel-log.ts';
import { Lexer, type Token } from './message-filter-lexer.ts';
import { compare, field, like, likePattern } from './message-filter-match.ts';

/** Deepest nesting of `(` and `!` accepted, as in App Context filters: recursion has a bound. */
export const MAX_DEPTH = 64;
/** Comparisons one expression may hold: what one publish may cost per distinct filter is this many passes over the message. */
export const MAX_COMPARISONS = 64;

type Operand = (subject: FilterSubject) => unknown;
export type Predicate = (subject: FilterSubject) => boolean;

const COMPARISONS = new Set(['==', '!=', '<', '<=', '>', '>=', 'LIKE', 'CONTAINS']);
const OPERATOR_LIST = '(==, !=, <, <=, >, >=, LIKE, CONTAINS)';

function fail(detail: string): never {
  throw filterError('filter-expr', detail);
}

function isOp(token: Token, text: string): boolean {
  return token.kind === 'op' && token.text === text;
}

/** Reads one `filter-expr` (grammar in message-filter.ts) into a predicate. */
export class Parser {
  readonly #source: string;
  readonly #lexer: Lexer;
  #token: Token;
  /** Where the last token taken ends. */
  #taken = 0;
  #depth = 0;
  #comparisons = 0;

  constructor(source: string) {
    this.#source = source;
    this.#lexer = new Lexer(source);
    this.#token = this.#lexer.next();
  }

  parse(): Predicate {
    if (this.#peek().kind === 'end') fail(bounds.empty('filter-expr'));
    const filter = this.#or();
    const extra = this.#peek();
    if (extra.kind !== 'end') fail(trailing('filter-expr', this.#shown(extra)!, extra.position));
    return filter;
  }

  #peek(): Token {
    return this.#token;
  }

  /** The next token; the end stays the next token once reached. */
  #take(): Token {
    const token = this.#token;
    if (token.kind !== 'end') {
      this.#taken = token.end;
      this.#token = this.#lexer.next();
    }
    return token;
  }

  #accept(text: string): boolean {
    if (!isOp(this.#token, text)) return false;
    this.#take();
    return true;
  }

  /** `token` as written, for messages; `undefined` for the end. */
  #shown(token: Token): ShownToken | undefined {
    if (token.kind === 'end') return undefined;
    return { text: this.#source.slice(token.position, token.end), literal: token.kind === 'string' };
  }

  #found(token: Token): string {
    return found('filter-expr', this.#shown(token));
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
    const open = this.#peek();
    if (this.#accept('!')) {
      this.#enter(open);
      const inner = this.#unary();
      this.#depth--;
      return (subject) => !inner(subject);
    }
    if (this.#accept('(')) {
      this.#enter(open);
      const inner = this.#or();
      const close = this.#take();
      if (!isOp(close, ')')) fail(unclosed(')', close.position, open.position, this.#found(close)));
      this.#depth--;
      return inner;
    }
    return this.#comparison();
  }

  #enter(token: Token): void {
    if (++this.#depth > MAX_DEPTH) fail(bounds.tooDeep('filter-expr', MAX_DEPTH, token.position));
  }

  #comparison(): Predicate {
    const start = this.#peek();
    if (++this.#comparisons > MAX_COMPARISONS) fail(bounds.tooManyComparisons('filter-expr', MAX_COMPARISONS, start.position));
    const left = this.#operand('a field or a value');
    const leftText = this.#source.slice(start.position, this.#taken);
    const token = this.#take();
    const operator = token.kind === 'name' ? token.text.toUpperCase() : token.kind === 'op' ? token.text : '';
    if (!COMPARISONS.has(operator)) {
      const after = found('filter-expr', { text: leftText, literal: false });
      fail(expected(`an operator ${OPERATOR_LIST} after ${after}`, token.position, this.#found(token)));
    }
    const literal = this.#peek();
    const right = this.#operand(`a field or a value after '${token.text}'`);
    if (operator === 'LIKE' && literal.kind === 'string') {
      const pattern = likePattern(literal.raw ?? literal.text, true);
      return (subject) => like(subject, left(subject), pattern);
    }
    return (subject) => compare(subject, operator, left(subject), right(subject));
  }

  /** A literal or a path; `what` names it in the error when neither stands next. */
  #operand(what: string): Operand {
    const token = this.#take();
    if (token.kind === 'string') return () => token.text;
    if (token.kind === 'number') {
      const value = Number(token.text);
      return () => value;
    }
    if (token.kind !== 'name') fail(expected(what, token.position, this.#found(token)));
    const lower = token.text.toLowerCase();
    if (lower === 'true' || lower === 'false') return () => lower === 'true';
    if (lower === 'null') return () => null;
    return this.#path(token);
  }

  #path(first: Token): Operand {
    const keys: string[] = [];
    for (;;) {
      const open = this.#peek();
      if (this.#accept('.')) {
        const name = this.#take();
        if (name.kind !== 'name') fail(expected("a field name after '.'", name.position, this.#found(name)));
        keys.push(name.text);
      } else if (this.#accept('[')) {
        const key = this.#take();
        if (key.kind !== 'string') fail(expected("a quoted field name after '['", key.position, this.#found(key)));
        const close = this.#take();
        if (!isOp(close, ']')) fail(unclosed(']', close.position, open.position, this.#found(close)));
        keys.push(key.text);
      } else break;
    }
    return reader(first.text, keys);
  }
}

/**
 * What a path reads: `meta.…` and `data.…` (the payload), a bare `uuid` (meta's, else the
 * publisher), any other bare name a key of `meta`.
 */
function reader(root: string, keys: readonly string[]): Operand {
  const read = (start: unknown) => keys.reduce<unknown>((value, key) => field(value, key), start);
  if (root === 'meta' && keys.length > 0) return (subject) => read(subject.meta);
  if (root === 'data' && keys.length > 0) return (subject) => read(subject.data);
  if (root === 'uuid' && keys.length === 0) {
    return (subject) => field(subject.meta, 'uuid') ?? subject.publisher;
  }
  return (subject) => read(field(subject.meta, root));
}
