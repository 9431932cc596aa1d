/**
 * `LIKE` matching in time linear in the text, shared by both filter languages (App Context
 * `filter`, through the SQLite function `like_match`, and subscribe `filter-expr`).
 *
 * A pattern is literal runs separated by wildcards that each match any run of characters,
 * possibly empty. With such wildcards only, placing every inner run at its leftmost place after
 * the one before is always best, so no choice is ever undone: the first run must start the text,
 * the last must end it, and each inner run is found with one Knuth–Morris–Pratt scan that starts
 * where the previous one ended. A match costs O(text + pattern) whatever the pattern
 * (a backtracking regular expression costs up to text^stars).
 */

/** Runs this short are found with `indexOf` (at most this many comparisons per character). */
const SHORT_RUN = 8;

const isHigh = (code: number) => code >= 0xd800 && code <= 0xdbff;
const isLow = (code: number) => code >= 0xdc00 && code <= 0xdfff;

/** Whether `index` falls between the two halves of a surrogate pair: no match may start or end there. */
function splitsPair(text: string, index: number): boolean {
  return index > 0 && index < text.length && isHigh(text.charCodeAt(index - 1)) && isLow(text.charCodeAt(index));
}

/** KMP failure table: for each prefix of `run`, the length of its longest proper border. */
function failureTable(run: string): Int32Array {
  const table = new Int32Array(run.length);
  let border = 0;
  for (let index = 1; index < run.length; index++) {
    while (border > 0 && run.charCodeAt(index) !== run.charCodeAt(border)) border = table[border - 1]!;
    if (run.charCodeAt(index) === run.charCodeAt(border)) border++;
    table[index] = border;
  }
  return table;
}

/**
 * A compiled pattern; compare with `matches`. Both sides must already be case-folded by the
 * caller if matching is to ignore case.
 *
 * @example
 * new LikePattern(['eu-', '']).matches('eu-west') // true: `eu-*`
 * new LikePattern(['', 'a', 'b', '']).matches('xaxbx') // true: `*a*b*`
 */
export class LikePattern {
  readonly #first: string;
  readonly #last: string;
  /** The runs between the first and the last, empty ones left out. */
  readonly #inner: string[];
  readonly #tables: (Int32Array | undefined)[];
  readonly #exact: boolean;
  readonly #minLength: number;

  /** @param runs the literal text before, between and after the wildcards (`a*b` is `['a', 'b']`); at least one. */
  constructor(runs: readonly string[]) {
    if (runs.length === 0) throw new RangeError('A LIKE pattern has at least one run');
    this.#exact = runs.length === 1;
    this.#first = runs[0]!;
    this.#last = runs.at(-1)!;
    this.#inner = runs.slice(1, -1).filter((run) => run !== '');
    this.#tables = this.#inner.map(() => undefined);
    this.#minLength = this.#exact ? this.#first.length : runs.reduce((sum, run) => sum + run.length, 0);
  }

  /** Whether the whole of `text` matches. O(text.length + pattern length). */
  matches(text: string): boolean {
    if (this.#exact) return text === this.#first;
    if (text.length < this.#minLength) return false;
    const end = text.length - this.#last.length;
    if (!text.startsWith(this.#first) || splitsPair(text, this.#first.length)) return false;
    if (!text.endsWith(this.#last) || splitsPair(text, end)) return false;
    let from = this.#first.length;
    for (let index = 0; index < this.#inner.length; index++) {
      const at = this.#find(index, text, from, end);
      if (at < 0) return false;
      from = at + this.#inner[index]!.length;
    }
    return true;
  }

  /** The leftmost place of inner run `index` in `text`, starting at `from` and ending by `limit`; -1 when none. */
  #find(index: number, text: string, from: number, limit: number): number {
    const run = this.#inner[index]!;
    if (run.length <= SHORT_RUN) {
      for (let at = text.indexOf(run, from); at >= 0 && at + run.length <= limit; at = text.indexOf(run, at + 1)) {
        if (!splitsPair(text, at) && !splitsPair(text, at + run.length)) return at;
      }
      return -1;
    }
    const table = (this.#tables[index] ??= failureTable(run));
    let matched = 0;
    for (let position = from; position < limit; position++) {
      const code = text.charCodeAt(position);
      while (matched > 0 && code !== run.charCodeAt(matched)) matched = table[matched - 1]!;
      if (code === run.charCodeAt(matched)) matched++;
      if (matched === run.length) {
        const at = position + 1 - run.length;
        if (!splitsPair(text, at) && !splitsPair(text, position + 1)) return at;
        matched = table[matched - 1]!;
      }
    }
    return -1;
  }
}

/** Whether `needle` occurs in `text` (exact, code unit for code unit), in linear time. */
export function containsText(text: string, needle: string): boolean {
  return new LikePattern(['', needle, '']).matches(text);
}

/**
 * The runs of a SQL LIKE pattern in which `%` is the only wildcard and `\` makes the next
 * character literal (compile.ts escapes `%`, `_` and `\` of the filter's text so).
 * An unescaped `_` is refused: it would need a single-character wildcard this matcher lacks.
 */
export function sqlLikeRuns(pattern: string): string[] {
  const runs: string[] = [];
  let run = '';
  for (let index = 0; index < pattern.length; index++) {
    const char = pattern[index]!;
    if (char === '\\' && index + 1 < pattern.length) run += pattern[++index]!;
    else if (char === '%') {
      runs.push(run);
      run = '';
    } else if (char === '_') throw new RangeError('like_match: `_` wildcards are not supported; escape it as `\\_`');
    else run += char;
  }
  runs.push(run);
  return runs;
}

/** Compiled patterns kept per SQL function: a statement passes the same pattern for every row. */
const SQL_PATTERN_CACHE = 64;

/**
 * The SQLite function `like_match(text, pattern)`, registered on every connection: 1 when
 * `text` matches the `%`/`\` pattern ignoring case, else 0 (also when either is not text).
 * Case is ignored by applying `fold` to both sides, the pattern once per distinct pattern.
 */
export function sqlLikeFunction(fold: (text: string) => string): (text: unknown, pattern: unknown) => 0 | 1 {
  const patterns = new Map<string, LikePattern>();
  return (text, pattern) => {
    if (typeof text !== 'string' || typeof pattern !== 'string') return 0;
    let compiled = patterns.get(pattern);
    if (!compiled) {
      compiled = new LikePattern(sqlLikeRuns(pattern).map(fold));
      if (patterns.size >= SQL_PATTERN_CACHE) patterns.delete(patterns.keys().next().value!);
      patterns.set(pattern, compiled);
    }
    return compiled.matches(fold(text)) ? 1 : 0;
  };
}

/** Folded forms of the non-ASCII characters met so far (at most this many are kept). */
const foldedChars = new Map<string, string>();
const FOLDED_CHARS_KEPT = 8192;
const ASCII = /^[\x00-\x7f]*$/;

const single = (text: string): string | undefined => (text.length === 1 || (text.length === 2 && isHigh(text.charCodeAt(0))) ? text : undefined);

/**
 * One character's case-insensitive form: the lower case of its upper case where both are one
 * character (so `ſ`, `K` and `k` meet at `k`, `ς` and `Σ` at `σ`), else its own lower case.
 * Dotless `ı` is its own (`I` folds to `i`), as in Unicode's simple case folding.
 */
function foldChar(char: string): string {
  if (char === 'ı') return char;
  const upper = single(char.toUpperCase());
  const lower = upper === undefined ? undefined : single(upper.toLowerCase());
  return lower ?? upper ?? single(char.toLowerCase()) ?? char;
}

/**
 * `text` with each character replaced by its case-insensitive form, character for character:
 * two texts fold alike exactly when a `/…/iu` regular expression (Unicode simple case folding)
 * calls them equal, which is how subscribe filters have always compared with LIKE. O(length).
 */
export function foldCase(text: string): string {
  if (ASCII.test(text)) return text.toLowerCase();
  let folded = '';
  for (const char of text) {
    if (char.length === 1 && char.charCodeAt(0) < 0x80) {
      folded += char.toLowerCase();
      continue;
    }
    let form = foldedChars.get(char);
    if (form === undefined) {
      form = foldChar(char);
      if (foldedChars.size < FOLDED_CHARS_KEPT) foldedChars.set(char, form);
    }
    folded += form;
  }
  return folded;
}
