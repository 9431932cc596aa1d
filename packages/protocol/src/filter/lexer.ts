import { at, FilterSyntaxError, strayCharacter, unterminatedString } from './syntax-error.ts';

export type ComparisonOperator = '==' | '!=' | '<' | '<=' | '>' | '>=';
export type Punctuation = '(' | ')' | '[' | ']' | '.' | '!' | '&&' | '||';

/**
 * One token; `text` is its source text and `position` its 0-based offset. Keywords (`LIKE`,
 * `true`, `false`, `null`) arrive as identifiers: the parser reads them by where they stand,
 * so `custom.like` or `custom.null` stay usable field names.
 */
export type Token =
  | { kind: 'identifier'; text: string; position: number }
  | { kind: 'string'; text: string; position: number; value: string; runs: string[] }
  | { kind: 'number'; text: string; position: number; value: number }
  | { kind: 'operator'; text: ComparisonOperator; position: number }
  | { kind: 'punctuation'; text: Punctuation; position: number }
  | { kind: 'end'; text: ''; position: number };

const IDENTIFIER_START = /[\p{L}$_]/u;
const IDENTIFIER_PART = /[\p{L}\p{M}\p{Nd}$_]/u;
export const IDENTIFIER = /^[\p{L}$_][\p{L}\p{M}\p{Nd}$_]*$/u;

const NUMBER = /-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
/** What may not touch the end of a number: `1.`, `2e`, `3abc`. */
const NUMBER_TAIL = /[\p{L}\p{N}$_.]/u;
/** In a `u` regex a surrogate class matches only unpaired halves. */
const LONE_SURROGATE = /[\uD800-\uDFFF]/u;

const SIMPLE_ESCAPES = new Map<string, string>([
  ['"', '"'],
  ["'", "'"],
  ['\\', '\\'],
  ['/', '/'],
  ['b', '\b'],
  ['f', '\f'],
  ['n', '\n'],
  ['r', '\r'],
  ['t', '\t'],
  ['*', '*'],
]);

/** Turns filter text into tokens on demand, so the first error in reading order is the one reported. */
export class Lexer {
  readonly #source: string;
  #offset = 0;

  constructor(source: string) {
    this.#source = source;
  }

  next(): Token {
    this.#skipWhitespace();
    const position = this.#offset;
    const char = this.#source[position];
    if (char === undefined) return { kind: 'end', text: '', position };
    switch (char) {
      case '(':
      case ')':
      case '[':
      case ']':
      case '.':
        this.#offset += 1;
        return { kind: 'punctuation', text: char, position };
      case '!':
        return this.#peekChar(1) === '=' ? this.#operator('!=', position) : this.#punctuation('!', position);
      case '=':
        if (this.#peekChar(1) === '=') return this.#operator('==', position);
        throw new FilterSyntaxError(strayCharacter(char, position), position);
      case '<':
        return this.#operator(this.#peekChar(1) === '=' ? '<=' : '<', position);
      case '>':
        return this.#operator(this.#peekChar(1) === '=' ? '>=' : '>', position);
      case '&':
      case '|':
        if (this.#peekChar(1) === char) return this.#punctuation(char === '&' ? '&&' : '||', position);
        throw new FilterSyntaxError(strayCharacter(char, position), position);
      case '"':
      case "'":
        return this.#string(char, position);
    }
    if (char === '-' || (char >= '0' && char <= '9')) return this.#number(position);
    const codePoint = String.fromCodePoint(this.#source.codePointAt(position)!);
    if (IDENTIFIER_START.test(codePoint)) return this.#identifier(position);
    throw new FilterSyntaxError(strayCharacter(codePoint, position), position, codePoint.length);
  }

  #peekChar(ahead: number): string | undefined {
    return this.#source[this.#offset + ahead];
  }

  #skipWhitespace(): void {
    while (/\s/.test(this.#source[this.#offset] ?? '')) this.#offset += 1;
  }

  #operator(text: ComparisonOperator, position: number): Token {
    this.#offset += text.length;
    return { kind: 'operator', text, position };
  }

  #punctuation(text: Punctuation, position: number): Token {
    this.#offset += text.length;
    return { kind: 'punctuation', text, position };
  }

  #identifier(position: number): Token {
    let end = position;
    for (;;) {
      const codePoint = this.#source.codePointAt(end);
      if (codePoint === undefined) break;
      const char = String.fromCodePoint(codePoint);
      if (!IDENTIFIER_PART.test(char)) break;
      end += char.length;
    }
    this.#offset = end;
    return { kind: 'identifier', text: this.#source.slice(position, end), position };
  }

  #number(position: number): Token {
    NUMBER.lastIndex = position;
    const match = NUMBER.exec(this.#source);
    const end = position + (match?.[0].length ?? 0);
    const tail = this.#source.codePointAt(end);
    if (!match || (tail !== undefined && NUMBER_TAIL.test(String.fromCodePoint(tail)))) {
      throw new FilterSyntaxError(`Invalid number ${at(position)}`, position, this.#badNumberLength(position));
    }
    const value = Number(match[0]);
    if (!Number.isFinite(value)) throw new FilterSyntaxError(`Number out of range ${at(position)}`, position, match[0].length);
    this.#offset = end;
    return { kind: 'number', text: match[0], position, value };
  }

  /** Reads a quoted string, splitting it at unescaped `*` so LIKE can tell wildcards from `\*`. */
  #string(quote: '"' | "'", position: number): Token {
    const runs: string[] = [];
    let run = '';
    this.#offset = position + 1;
    for (;;) {
      const char = this.#source[this.#offset];
      if (char === undefined) throw this.#unterminated(position);
      if (char === quote) break;
      if (char === '\\') {
        run += this.#escape(position);
        continue;
      }
      if (char === '*') {
        runs.push(run);
        run = '';
      } else {
        run += char;
      }
      this.#offset += 1;
    }
    this.#offset += 1;
    runs.push(run);
    const value = runs.join('*');
    if (LONE_SURROGATE.test(value)) {
      throw new FilterSyntaxError(`Unpaired UTF-16 surrogate in the string ${at(position)}`, position, this.#offset - position);
    }
    return { kind: 'string', text: this.#source.slice(position, this.#offset), position, value, runs };
  }

  /** Decodes the escape at the current offset (a backslash) of the string at `start`, and moves past it. */
  #escape(start: number): string {
    const position = this.#offset;
    const letter = this.#source[position + 1];
    const simple = letter === undefined ? undefined : SIMPLE_ESCAPES.get(letter);
    if (simple !== undefined) {
      this.#offset += 2;
      return simple;
    }
    if (letter === 'u') {
      const hex = this.#source.slice(position + 2, position + 6);
      if (/^[0-9a-fA-F]{4}$/.test(hex)) {
        this.#offset += 6;
        return String.fromCharCode(Number.parseInt(hex, 16));
      }
      const digits = /^[0-9a-fA-F]*/.exec(hex)![0].length;
      throw new FilterSyntaxError(`Invalid \\u escape ${at(position)}; it needs four hex digits`, position, 2 + digits);
    }
    if (letter === undefined) throw this.#unterminated(start);
    throw new FilterSyntaxError(
      `Invalid escape '\\${letter}' ${at(position)}`,
      position,
      1 + String.fromCodePoint(this.#source.codePointAt(position + 1)!).length,
    );
  }

  /** A string that runs to the end of the text: the rest of the text is the offending token. */
  #unterminated(start: number): FilterSyntaxError {
    return new FilterSyntaxError(unterminatedString(start), start, this.#source.length - start);
  }

  /** How far a malformed number runs: its sign and digits, and whatever letters or dots cling to them. */
  #badNumberLength(position: number): number {
    let end = position + 1;
    for (;;) {
      const codePoint = this.#source.codePointAt(end);
      if (codePoint === undefined) break;
      const char = String.fromCodePoint(codePoint);
      if (!NUMBER_TAIL.test(char) && char !== '+' && char !== '-') break;
      end += char.length;
    }
    return end - position;
  }
}
