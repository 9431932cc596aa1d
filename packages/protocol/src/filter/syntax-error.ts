/**
 * The one shape of a refused filter, for both filter languages: the App Context list `filter`
 * (this folder) and the subscribe `filter-expr` (the server's realtime/message-filter.ts).
 * - A `FilterSyntaxError`: a message saying what broke and where, and the span it names. The
 *   server answers it as an INVALID_FILTER 400 (its query/filter/filter-error.ts); a client can
 *   show it at its place in the text.
 * - The message follows the patterns built below: "Expected … at position N, found …",
 *   "Unexpected … at position N; …", "The <parameter> …".
 * - Positions count UTF-16 code units from 0 (`text.slice(N)` starts at the fault).
 */
export type FilterParameter = 'filter' | 'filter-expr';

/** Tokens are shown up to this many characters, then `…`. */
const SHOWN_CHARS = 24;

/**
 * A filter the language refuses. `position` is the 0-based UTF-16 offset of the fault, `length`
 * (at least 1) the code units of the offending token or run; at the end of the text it is 1.
 */
export class FilterSyntaxError extends Error {
  override name = 'FilterSyntaxError';
  readonly position: number;
  readonly length: number;

  constructor(message: string, position: number, length = 1) {
    super(message);
    this.position = position;
    this.length = Math.max(1, length);
  }
}

/** Where, in every filter message: `at position N`, N from 0. */
export function at(position: number): string {
  return `at position ${position}`;
}

/** A token as messages show it; `literal` for a quoted string, whose `text` has its quotes. */
export interface ShownToken {
  text: string;
  literal: boolean;
}

/** What stands where something else was expected: a token's source text, or the end of the text (`undefined`). */
export function found(parameter: FilterParameter, token: ShownToken | undefined): string {
  if (token === undefined) return `the end of the ${parameter}`;
  const text = token.text.length > SHOWN_CHARS ? `${token.text.slice(0, SHOWN_CHARS)}…` : token.text;
  return token.literal ? text : `'${text}'`;
}

export function expected(what: string, position: number, actual: string): string {
  return `Expected ${what} ${at(position)}, found ${actual}`;
}

/** A bracket or parenthesis that `actual` stands where it should have been closed. */
export function unclosed(close: ')' | ']', position: number, openPosition: number, actual: string): string {
  const open = close === ')' ? '(' : '[';
  return `Expected '${close}' ${at(position)} to close the '${open}' ${at(openPosition)}, found ${actual}`;
}

/** A token after a complete expression. */
export function trailing(parameter: FilterParameter, token: ShownToken, position: number): string {
  if (!token.literal && token.text === ')') return `Unmatched ')' ${at(position)}`;
  return `Unexpected ${found(parameter, token)} ${at(position)}; expected '&&', '||' or the end of the ${parameter}`;
}

/** A character no token starts with; `=`, `&` and `|` are likely a half operator. */
export function strayCharacter(char: string, position: number): string {
  if (char === '=') return `Unexpected '=' ${at(position)}; compare with '=='`;
  if (char === '&' || char === '|') return `Unexpected '${char}' ${at(position)}; use '${char}${char}'`;
  return `Unexpected character '${char}' ${at(position)}`;
}

export function unterminatedString(position: number): string {
  return `Unterminated string starting ${at(position)}`;
}

/** The bounds both languages share, worded alike. */
export const bounds = {
  empty: (parameter: FilterParameter) => `The ${parameter} is empty`,
  tooLong: (parameter: FilterParameter, length: number, max: number) => `The ${parameter} is ${length} characters long; at most ${max} are allowed`,
  tooDeep: (parameter: FilterParameter, max: number, position: number) => `The ${parameter} nests deeper than ${max} levels ${at(position)}`,
  tooManyComparisons: (parameter: FilterParameter, max: number, position: number) =>
    `The ${parameter} holds more than ${max} comparisons; comparison ${max + 1} is ${at(position)}`,
};
