import { FilterSyntaxError, parseFilter } from '@roster/protocol';

/**
 * What `checkFilter` finds: `ok`, or the first fault in reading order. `position` is its 0-based
 * offset in the expression (in UTF-16 code units, as `String.prototype.slice` counts) and `length`
 * (at least 1) the code units of the offending token; at the end of the expression it is 1.
 * `message` is the server's own wording, e.g. "Expected a value after '==' at position 7, found
 * the end of the filter".
 */
export type FilterCheck = { ok: true } | { ok: false; message: string; position: number; length: number };

/**
 * Checks a list `filter` expression (users, channels, memberships, members) without asking the
 * server, with the parser the server runs: an expression it refuses here is one the server would
 * answer with a 400, with the same message. Only the syntax and the server's bounds (length,
 * nesting, comparisons, LIKE patterns with a leading wildcard) are checked; field names and the
 * types of values are left to the server, which refuses an unknown field with a 400 naming it. An
 * empty expression is `ok`: the SDK sends no filter then.
 *
 * @example
 * const check = checkFilter('name == "Alice" && custom.age >');
 * if (!check.ok) {
 *   // "Expected a value after '>' at position 31, found the end of the filter", 31, 1
 *   console.log(check.message, check.position, check.length);
 * }
 */
export function checkFilter(expression: string): FilterCheck {
  if (expression === '') return { ok: true };
  try {
    parseFilter(expression);
    return { ok: true };
  } catch (error) {
    if (!(error instanceof FilterSyntaxError)) throw error;
    return { ok: false, message: error.message, position: error.position, length: error.length };
  }
}
