import type { Condition, FilterNode, FilterValue, Operator } from './ast.ts';
import { at, bounds, expected, FilterSyntaxError, found, trailing, unclosed, type ShownToken } from './syntax-error.ts';
import { IDENTIFIER, Lexer, type Punctuation, type Token } from './lexer.ts';

/** Longest filter accepted, in UTF-16 code units (what `String.length` counts). */
export const MAX_FILTER_LENGTH = 4096;
/** Deepest nesting of `(` and `!` accepted; bounds the parser's recursion. */
export const MAX_FILTER_DEPTH = 64;
/**
 * Most comparisons (conditions) one filter may hold, as subscribe `filter-expr` allows (the
 * server's realtime/message-filter.ts `MAX_COMPARISONS`; a test keeps the two equal). Every
 * condition on a `custom` field reads that row's whole custom JSON, so this bounds the work per row.
 */
export const MAX_FILTER_COMPARISONS = 64;
/**
 * Most LIKE conditions whose pattern starts with or holds a wildcard before its last run
 * (`*x`, `*x*`, `a*b*c`) one filter may hold: no index helps these, so each one folds and scans
 * every candidate value in full (up to the largest custom value, 32 KiB by default, per row).
 */
export const MAX_FILTER_SCANNING_LIKES = 8;

/**
 * Parses an App Context filter (wire-protocol.md §8.1) into its AST. Precedence is
 * `!` > `&&` > `||`; `!` applies to the next condition or group. Any malformed input throws a
 * `FilterSyntaxError` whose message names the 0-based character position and whose `position`
 * and `length` span the fault (syntax-error.ts); the first fault in reading order is the one.
 */
export function parseFilter(text: string): FilterNode {
  if (text.length > MAX_FILTER_LENGTH) {
    throw new FilterSyntaxError(bounds.tooLong('filter', text.length, MAX_FILTER_LENGTH), MAX_FILTER_LENGTH, text.length - MAX_FILTER_LENGTH);
  }
  if (text.trim() === '') throw new FilterSyntaxError(bounds.empty('filter'), 0, text.length);
  return new Parser(text).parse();
}

/** A field path as it would be written in a filter: `custom["a b"]`, `channel.name`. */
export function formatPath(path: readonly string[]): string {
  return path
    .map((segment, index) => {
      if (!IDENTIFIER.test(segment)) return `[${JSON.stringify(segment)}]`;
      return index === 0 ? segment : `.${segment}`;
    })
    .join('');
}

/** A token as messages show it; `undefined` for the end. */
function shown(token: Token): ShownToken | undefined {
  return token.kind === 'end' ? undefined : { text: token.text, literal: token.kind === 'string' };
}

/** How a token is named in a message. */
function describe(token: Token): string {
  return found('filter', shown(token));
}

/** The error for `detail`, spanning `token` (1 at the end of the text). */
function fault(detail: string, token: Token): FilterSyntaxError {
  return new FilterSyntaxError(detail, token.position, token.text.length);
}

function isPunctuation(token: Token, text: Punctuation): boolean {
  return token.kind === 'punctuation' && token.text === text;
}

class Parser {
  readonly #lexer: Lexer;
  #token: Token;
  #depth = 0;
  #comparisons = 0;
  #scanningLikes = 0;

  constructor(text: string) {
    this.#lexer = new Lexer(text);
    this.#token = this.#lexer.next();
  }

  parse(): FilterNode {
    const node = this.#or();
    const token = this.#token;
    if (token.kind === 'end') return node;
    throw fault(trailing('filter', shown(token)!, token.position), token);
  }

  #advance(): Token {
    const token = this.#token;
    this.#token = this.#lexer.next();
    return token;
  }

  #or(): FilterNode {
    let left = this.#and();
    while (isPunctuation(this.#token, '||')) {
      this.#advance();
      left = { type: 'or', left, right: this.#and() };
    }
    return left;
  }

  #and(): FilterNode {
    let left = this.#unary();
    while (isPunctuation(this.#token, '&&')) {
      this.#advance();
      left = { type: 'and', left, right: this.#unary() };
    }
    return left;
  }

  #unary(): FilterNode {
    const token = this.#token;
    if (isPunctuation(token, '!')) {
      this.#enter(token);
      this.#advance();
      const expr = this.#unary();
      this.#depth -= 1;
      return { type: 'not', expr };
    }
    if (isPunctuation(token, '(')) {
      this.#enter(token);
      this.#advance();
      const expr = this.#or();
      const close = this.#token;
      if (!isPunctuation(close, ')')) throw fault(unclosed(')', close.position, token.position, describe(close)), close);
      this.#advance();
      this.#depth -= 1;
      return expr;
    }
    return this.#condition();
  }

  #enter(token: Token): void {
    this.#depth += 1;
    if (this.#depth > MAX_FILTER_DEPTH) {
      throw fault(bounds.tooDeep('filter', MAX_FILTER_DEPTH, token.position), token);
    }
  }

  #condition(): Condition {
    const position = this.#token.position;
    if (++this.#comparisons > MAX_FILTER_COMPARISONS) {
      throw fault(bounds.tooManyComparisons('filter', MAX_FILTER_COMPARISONS, position), this.#token);
    }
    const path = this.#path();
    const operatorToken = this.#token;
    const operator = this.#operator(path);
    const valueToken = this.#token;
    const valuePosition = valueToken.position;
    if (operator === 'like') {
      if (valueToken.kind !== 'string') {
        throw fault(`LIKE needs a string pattern ${at(valuePosition)}, found ${describe(valueToken)}`, valueToken);
      }
      this.#countScanningLike(valueToken.runs, position, valuePosition + valueToken.text.length);
      this.#advance();
      return { type: 'condition', path, operator, value: valueToken.value, position, valuePosition, pattern: valueToken.runs };
    }
    const value = this.#value(operatorToken);
    return { type: 'condition', path, operator, value, position, valuePosition };
  }

  /**
   * Counts a LIKE whose pattern has a leading or inner wildcard (`runs` are the texts between
   * wildcards); the condition runs from `position` to `end`.
   */
  #countScanningLike(runs: readonly string[], position: number, end: number): void {
    const scans = runs.length > 2 || (runs.length === 2 && runs[0] === '');
    if (scans && ++this.#scanningLikes > MAX_FILTER_SCANNING_LIKES) {
      throw new FilterSyntaxError(
        `The filter holds more than ${MAX_FILTER_SCANNING_LIKES} LIKE conditions with a leading or inner wildcard ('*x', '*x*', 'a*b*c'); the next is ${at(position)}`,
        position,
        end - position,
      );
    }
  }

  #path(): string[] {
    const first = this.#token;
    if (first.kind === 'identifier') {
      this.#advance();
    } else if (!isPunctuation(first, '[')) {
      throw fault(expected('a field name', first.position, describe(first)), first);
    }
    const path = first.kind === 'identifier' ? [first.text] : [];
    for (;;) {
      const token = this.#token;
      if (isPunctuation(token, '[')) {
        path.push(this.#bracketSegment());
      } else if (isPunctuation(token, '.')) {
        this.#advance();
        const name = this.#advance();
        if (name.kind !== 'identifier') {
          throw fault(expected("a field name after '.'", name.position, describe(name)), name);
        }
        path.push(name.text);
      } else {
        return path;
      }
    }
  }

  /** `["key"]` or `['key']`: a segment that may hold any text. */
  #bracketSegment(): string {
    const open = this.#advance();
    const name = this.#advance();
    if (name.kind !== 'string') {
      throw fault(expected("a quoted field name after '['", name.position, describe(name)), name);
    }
    const close = this.#advance();
    if (!isPunctuation(close, ']')) throw fault(unclosed(']', close.position, open.position, describe(close)), close);
    return name.value;
  }

  #operator(path: readonly string[]): Operator {
    const token = this.#advance();
    if (token.kind === 'operator') return token.text;
    if (token.kind === 'identifier' && token.text.toLowerCase() === 'like') return 'like';
    throw fault(expected(`an operator (==, !=, <, <=, >, >=, LIKE) after '${formatPath(path)}'`, token.position, describe(token)), token);
  }

  #value(operator: Token): FilterValue {
    const token = this.#advance();
    switch (token.kind) {
      case 'string':
      case 'number':
        return token.value;
      case 'identifier':
        if (token.text === 'true') return true;
        if (token.text === 'false') return false;
        if (token.text === 'null') return null;
        throw fault(`${expected(`a value after '${operator.text}'`, token.position, describe(token))} (strings need quotes)`, token);
      default:
        throw fault(expected(`a value after '${operator.text}'`, token.position, describe(token)), token);
    }
  }
}
