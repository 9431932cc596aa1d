/**
 * Roster's text collation: the order every list answers in when it sorts on a text field.
 *
 * It is defined here once, as a sort key: a string whose code point order (the byte order of
 * its UTF-8, so SQLite's BINARY collation or PostgreSQL's `COLLATE "C"`) is the collation. A
 * store computes the key with `sortKey` (SQLite calls it from a generated column; a store that
 * cannot call JavaScript in SQL writes the key the application computed) and sorts by it, so
 * every store answers in the same order, byte for byte.
 *
 * Levels, each deciding only between texts equal at every level before it:
 *  1. base letters: the text upper-cased, decomposed (NFKD), accents and other combining marks
 *     dropped, a few letters Unicode does not decompose spelled out (`æ` as `AE`, `ø` as `O`,
 *     `ß` as `SS`…), control and format characters ignored; compared by code point, so
 *     `Adam` < `émile` < `Émilie` < `Eve` < `Zoe`, `Ångström` sorts with the A's, digits
 *     sort digit by digit, and `_` after the letters (PubNub's own order:
 *     `somechannelid` < `somechannel_x`);
 *  2. accents: the combining marks on each base letter, left to right, a letter without marks
 *     first (`emile` < `émile` < `èmile`… by the marks' code points);
 *  3. the exact text by code point, so case decides last (`ZOE` < `Zoe` < `zoe`).
 * The caller then breaks remaining ties by id.
 *
 * The key is `level1 U+0001 level2 U+0001 text`. Levels 1 and 2 never hold a character below
 * U+0002, so the separators keep the levels apart: a shorter level sorts first.
 *
 * The key is cut to at most `SORT_KEY_BYTES` bytes of UTF-8, so that an index entry holding it
 * fits PostgreSQL's B-tree (a name of 2,048 characters has a key of several kilobytes). The cut
 * keeps the code points that start within the first `SORT_KEY_BYTES - 3` bytes: it never splits
 * a character, and it keeps order (a text before another never gets a key after the other's).
 * Texts whose whole keys agree on those bytes get one key and tie, so the caller's id decides
 * between them; texts whose keys differ there keep their order. Equality and prefix lookups
 * compare cut keys with cut keys (`sortKey`, `baseLetters`) and then the text itself.
 *
 * The key depends on Unicode's data as this Node.js build has it (`process.versions.unicode`);
 * a store that keeps keys must recompute them when that or `COLLATION_VERSION` changes
 * (`COLLATION_STAMP`). The last level is the text itself, U+0000 included: a store whose text
 * type cannot hold U+0000 (PostgreSQL's) must store the key as bytes (`bytea`), which compare
 * the same way.
 */

/** Bump when `sortKey` changes for any input: stored keys must then be recomputed. */
export const COLLATION_VERSION = 2;

/** What stored keys were computed with: this collation and this build's Unicode data. */
export const COLLATION_STAMP = `roster-collation-${COLLATION_VERSION} unicode-${process.versions.unicode ?? 'unknown'}`;

/**
 * The most bytes of UTF-8 a sort key holds. A B-tree entry holds at most 2,704 bytes (PostgreSQL's
 * limit for an 8 KiB page). The widest entry with a key is a membership's (`sub_key`, `uuid_id`,
 * `channel_id_key`, `channel_id`): two ids of up to 92 characters (368 bytes each at the default
 * `maxIdLength`), a subscribe key and this key, with an 8-byte entry header and up to 4 bytes of
 * header per column: about 1,830 bytes for a 42-byte subscribe key, some 870 bytes to spare. An object's entry
 * (`sub_key`, `name_key`, `id`) is smaller. PostgreSQL compresses a long entry, but text that
 * rarely repeats itself barely shrinks: the bound must hold uncompressed.
 */
export const SORT_KEY_BYTES = 1024;
/** The cut keeps the code points that start before this byte; a code point has at most 4 bytes. */
const CUT_BEFORE_BYTE = SORT_KEY_BYTES - 3;
/** A UTF-16 code unit is at most 3 bytes of UTF-8 (a surrogate pair, 2 units, is 4). */
const MAX_UTF8_BYTES_PER_UNIT = 3;

const LEVEL_SEPARATOR = '\u0001';
/** Starts the marks of one base letter in level 2; above the level separator, below any mark. */
const MARK_END = '\u0002';

/** Letters that Unicode does not decompose, spelled as the letters readers file them under. */
const SPELLED: Readonly<Record<string, string>> = {
  Æ: 'AE',
  æ: 'AE',
  Œ: 'OE',
  œ: 'OE',
  Ø: 'O',
  ø: 'O',
  ẞ: 'SS',
  Đ: 'D',
  đ: 'D',
  Ð: 'D',
  ð: 'D',
  Ł: 'L',
  ł: 'L',
  Ħ: 'H',
  ħ: 'H',
  Ŧ: 'T',
  ŧ: 'T',
};

const IGNORABLES = /[\p{Cc}\p{Cf}]+/gu;
const MARKS = /\p{M}+/gu;
const HAS_MARK = /\p{M}/u;
const LETTER = /\P{M}/gu;
const TRAILING_MARK_ENDS = /\u0002+$/;
const SPELLED_LETTER = new RegExp(`[${Object.keys(SPELLED).join('')}]`, 'gu');
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;
/** Printable ASCII: upper-casing alone gives level 1, and level 2 is empty. */
const PLAIN_ASCII = /^[\x20-\x7E]*$/;

/** The text as UTF-8 can carry it: a lone surrogate becomes U+FFFD, as it does when stored. */
function wellFormed(text: string): string {
  return text.replace(LONE_SURROGATE, '\uFFFD');
}

interface Levels {
  primary: string;
  secondary: string;
}

/**
 * Levels 1 and 2, from one string of base letters and marks. Level 2 holds, for each base
 * letter of level 1, MARK_END and then the marks on that letter (marks before any letter come
 * first), trailing MARK_ENDs dropped. Texts equal at level 1 have as many MARK_ENDs, so it
 * compares the marks letter by letter (a letter without marks first), and it is empty for a
 * text without marks.
 *
 * Every step maps each character on its own (decomposition only reorders marks, which level 1
 * drops), so level 1 of a text is level 1 of its upper case, letter by letter: `baseLetters`.
 */
function levels(text: string): Levels {
  if (PLAIN_ASCII.test(text)) return { primary: text.toUpperCase(), secondary: '' };
  const letters = text
    .toUpperCase()
    .normalize('NFKD')
    .replace(IGNORABLES, '')
    .replace(SPELLED_LETTER, (letter) => SPELLED[letter] ?? letter)
    // Compatibility forms may decompose to lower case (`㎏` is `kg`).
    .toUpperCase();
  const primary = letters.replace(MARKS, '');
  const secondary = HAS_MARK.test(letters) ? letters.replace(LETTER, MARK_END).replace(TRAILING_MARK_ENDS, '') : '';
  return { primary, secondary };
}

/**
 * The code points of `key` that start within its first `CUT_BEFORE_BYTE` bytes of UTF-8: at most
 * `SORT_KEY_BYTES` bytes. Cutting every key at the same place (not at each key's last whole
 * character before the bound) keeps order: keys that differ before it keep their order, and keys
 * that agree on every byte before it become equal. `key` is well-formed, so no surrogate is lone.
 */
function cut(key: string): string {
  if (key.length * MAX_UTF8_BYTES_PER_UNIT <= CUT_BEFORE_BYTE) return key;
  const bytes = Buffer.from(key, 'utf8');
  if (bytes.length <= CUT_BEFORE_BYTE) return key;
  let end = CUT_BEFORE_BYTE;
  // 10xxxxxx continues the code point that started before `end`: keep it whole.
  while (end < bytes.length && (bytes[end]! & 0xc0) === 0x80) end++;
  return bytes.subarray(0, end).toString('utf8');
}

/**
 * The sort key of a text, at most `SORT_KEY_BYTES` bytes of UTF-8; `null` (an unset field) gets
 * `''`, below every text's key. Keys compare by code point (`compareSortKeys`), never with a
 * locale. Texts whose keys agree past the bound get the same key (see the module doc).
 */
export function sortKey(text: string | null): string {
  if (text === null) return '';
  const whole = wellFormed(text);
  const { primary, secondary } = levels(whole);
  return cut(`${primary}${LEVEL_SEPARATOR}${secondary}${LEVEL_SEPARATOR}${whole}`);
}

/**
 * Level 1 of the key alone, cut as keys are. It is built letter by letter from the upper-cased
 * text, so a text whose upper case starts with `prefix.toUpperCase()` (a case-insensitive
 * `LIKE "prefix*"`) has a key starting with `baseLetters(prefix)`, however long the prefix: an
 * index on the key can seek to the range. A prefix whose base letters run past the bound gives
 * the cut that every such key shares, so the range also holds texts that only agree with the
 * prefix before the bound: LIKE must still decide.
 */
export function baseLetters(text: string): string {
  return cut(levels(wellFormed(text)).primary);
}

/** Compares two sort keys by code point (as their UTF-8 bytes compare): negative, 0 or positive. */
export function compareSortKeys(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

/** Compares two texts in the collation; `null` first. */
export function compareText(a: string | null, b: string | null): number {
  return compareSortKeys(sortKey(a), sortKey(b));
}
