import { FilterSyntaxError, parseFilter as parseFilterSyntax, type FilterNode } from '@roster/protocol';
import { fromSyntaxError } from './filter-error.ts';

export { formatPath, MAX_FILTER_COMPARISONS, MAX_FILTER_DEPTH, MAX_FILTER_LENGTH, MAX_FILTER_SCANNING_LIKES } from '@roster/protocol';

/**
 * Parses an App Context filter (wire-protocol.md §8.1) into its AST with the language shared
 * with the SDK (@roster/protocol filter/parser.ts). Any malformed input is an INVALID_FILTER 400
 * whose detail names the 0-based character position (filter-error.ts).
 */
export function parseFilter(text: string): FilterNode {
  try {
    return parseFilterSyntax(text);
  } catch (error) {
    if (error instanceof FilterSyntaxError) throw fromSyntaxError(error);
    throw error;
  }
}
