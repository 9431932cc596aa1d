import type { FilterParameter, FilterSyntaxError } from '@roster/protocol';
import { RosterError } from '../../errors.ts';

/**
 * The one shape of a refused filter, for both filter languages: the App Context list `filter`
 * (this folder) and the subscribe `filter-expr` (realtime/message-filter.ts).
 * - An INVALID_FILTER 400 with one detail `{message, location: <parameter>, locationType: 'query'}`.
 * - The detail says what broke and where, in the patterns of @roster/protocol's
 *   filter/syntax-error.ts: "Expected … at position N, found …", "Unexpected … at position N; …",
 *   "The <parameter> …".
 * - Positions count UTF-16 code units from 0 (`text.slice(N)` starts at the fault).
 */

/**
 * The error for `detail`. The objects envelope shows `details`, so `filter` keeps the fixed
 * headline (wire-protocol.md §8.2); the subscribe envelope shows only the message, so
 * `filter-expr` puts the detail in it too.
 */
export function filterError(parameter: FilterParameter, detail: string): RosterError {
  const message = parameter === 'filter' ? 'Invalid filter expression.' : `Invalid filter expression: ${detail}.`;
  return new RosterError('INVALID_FILTER', message, [{ message: detail, location: parameter, locationType: 'query' }]);
}

/** The App Context list filter's error (the compiler's, and the parser's through `fromSyntaxError`). */
export function invalidFilter(detail: string): RosterError {
  return filterError('filter', detail);
}

/** The error answered for a list filter the parser refuses: its message is the detail. */
export function fromSyntaxError(error: FilterSyntaxError): RosterError {
  return invalidFilter(error.message);
}

// The message builders live with the language (@roster/protocol filter/syntax-error.ts); the
// subscribe `filter-expr` words its errors with them too.
export { at, bounds, expected, found, strayCharacter, trailing, unclosed, unterminatedString } from '@roster/protocol';
export type { FilterParameter, ShownToken } from '@roster/protocol';
