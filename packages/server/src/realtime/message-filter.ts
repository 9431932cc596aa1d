import { RosterError } from '../errors.ts';
import { bounds, filterError } from '../query/filter/filter-error.ts';
import type { FilterSubject } from './channel-log.ts';
import { Parser } from './message-filter-parser.ts';

/**
 * Subscribe filters (`filter-expr`): a small expression language over a published message's
 * `meta`, its payload and its publisher, evaluated on the server for each subscriber.
 *
 * Grammar (`||` binds looser than `&&`, `!` tighter):
 *   expr       := and ('||' and)*
 *   and        := unary ('&&' unary)*
 *   unary      := '!' unary | '(' expr ')' | comparison
 *   comparison := operand ('==' | '!=' | '<' | '<=' | '>' | '>=' | LIKE | CONTAINS) operand
 *   operand    := path | string | number | true | false | null
 *   path       := name ('.' name | '[' string ']')*
 * A path starts at `meta.` or `data.` (the payload); a bare name reads `meta` (PubNub's original
 * form), except a bare `uuid` with no `meta.uuid`, which is the publisher's uuid.
 *
 * Cost: every comparison takes time linear in the values it reads (LIKE and CONTAINS included,
 * see message-filter-match.ts), and an expression holds at most `MAX_COMPARISONS` of them, so one
 * evaluation costs at most that many passes over the message.
 *
 * Lexer, parser and comparisons sit in message-filter-{lexer,parser,match}.ts.
 */
export interface MessageFilter {
  (subject: FilterSubject): boolean;
  /** The expression it was parsed from: polls whose filters have the same text wait with one filter. */
  readonly text: string;
}

/** Longer expressions are refused: a filter is parsed per distinct text. */
export const MAX_FILTER_EXPR_LENGTH = 4096;
export { MAX_COMPARISONS } from './message-filter-parser.ts';

/**
 * Parses an expression into a predicate; a 400 naming `filter-expr` and the 0-based position
 * when it is not valid (query/filter/filter-error.ts: the same shape as App Context filters).
 */
export function parseMessageFilter(text: string): MessageFilter {
  if (text.length > MAX_FILTER_EXPR_LENGTH) {
    throw filterError('filter-expr', bounds.tooLong('filter-expr', text.length, MAX_FILTER_EXPR_LENGTH));
  }
  const predicate = new Parser(text).parse();
  return Object.assign((subject: FilterSubject) => predicate(subject), { text });
}

/**
 * The 400 for a subscribe that would hold one distinct filter too many on `channel` (see
 * `HubOptions.maxFiltersPerChannel`), naming `filter-expr`.
 */
export function tooManyFilters(channel: string, limit: number): RosterError {
  const text = `Channel '${channel}' already has ${limit} distinct filter expressions waiting on it; subscribe with one of those, or without filter-expr.`;
  return new RosterError('INVALID_FILTER', text, [{ message: text, location: 'filter-expr', locationType: 'query' }]);
}

/**
 * Parsed filters by expression text: each distinct expression is parsed once, and keeps being
 * the same filter while it is in use (the least recently used is dropped), so polls with the
 * same text share one evaluation per publish.
 */
export class MessageFilterCache {
  /** Each expression's filter, and the count of `get`s when it was last put at the newest end. */
  readonly #filters = new Map<string, { filter: MessageFilter; placed: number }>();
  readonly #capacity: number;
  #gets = 0;

  /**
   * @param capacity distinct expressions kept; past it the least recently used goes (an expression
   * asked for again within the last `capacity / 2` others stays where it is, so it is never the one).
   * @default 1000
   */
  constructor(capacity = 1000) {
    this.#capacity = capacity;
  }

  get(text: string): MessageFilter {
    const gets = ++this.#gets;
    const known = this.#filters.get(text);
    // Moving the one every subscriber sends on every poll would leave a deleted slot in its bucket of V8's Map each time.
    if (known !== undefined && gets - known.placed <= this.#capacity / 2) return known.filter;
    if (known !== undefined) this.#filters.delete(text);
    else if (this.#filters.size >= this.#capacity) this.#filters.delete(this.#filters.keys().next().value!);
    const filter = known?.filter ?? parseMessageFilter(text);
    this.#filters.set(text, { filter, placed: gets });
    return filter;
  }
}
