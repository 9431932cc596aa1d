import { filterError, strayCharacter, unterminatedString } from '../query/filter/filter-error.ts';

/**
 * A `filter-expr` token. Its own lexer, not the App Context one (@roster/protocol filter/lexer.ts):
 * here a backslash keeps the next character as it is (`\n` is `n`), names are ASCII, and a string
 * keeps its escapes for LIKE. Positions count UTF-16 code units from 0, as in every filter message.
 */
export interface Token {
  kind: 'op' | 'string' | 'number' | 'name' | 'end';
  /** The value (a string's unescaped content); `''` for the end. */
  text: string;
  /** A string's content as written, escapes included. */
  raw?: string;
  position: number;
  /** Offset just past the token. */
  end: number;
}

const OPERATORS = ['&&', '||', '==', '!=', '<=', '>=', '<', '>', '!', '(', ')', '[', ']', '.'];
const NUMBER = /-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
const NAME = /[A-Za-z_$][\w$]*/y;

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
  throw filterError('filter-expr', unterminatedString(start));
}

/** What `pattern` (sticky) matches at `index`, if anything. */
function match(pattern: RegExp, text: string, index: number): string | undefined {
  pattern.lastIndex = index;
  return pattern.exec(text)?.[0];
}

/** The token at `index` (not whitespace). */
function tokenAt(text: string, index: number): Token {
  const char = text[index]!;
  if (char === '"' || char === "'") {
    const { value, raw, end } = readString(text, index);
    return { kind: 'string', text: value, raw, position: index, end };
  }
  const number = match(NUMBER, text, index);
  if (number) return { kind: 'number', text: number, position: index, end: index + number.length };
  const name = match(NAME, text, index);
  if (name) return { kind: 'name', text: name, position: index, end: index + name.length };
  const operator = OPERATORS.find((op) => text.startsWith(op, index));
  if (operator) return { kind: 'op', text: operator, position: index, end: index + operator.length };
  throw filterError('filter-expr', strayCharacter(String.fromCodePoint(text.codePointAt(index)!), index));
}

/** Reads `text` one token at a time, so the first error in reading order is the one reported. */
export class Lexer {
  readonly #text: string;
  #index = 0;

  constructor(text: string) {
    this.#text = text;
  }

  /** The next token; at the end, an `end` token at `text.length`, again and again. */
  next(): Token {
    const text = this.#text;
    while (this.#index < text.length && /\s/.test(text[this.#index]!)) this.#index++;
    if (this.#index === text.length) return { kind: 'end', text: '', position: text.length, end: text.length };
    const token = tokenAt(text, this.#index);
    this.#index = token.end;
    return token;
  }
}
