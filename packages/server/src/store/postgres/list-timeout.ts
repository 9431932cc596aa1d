import { RosterError } from '../../errors.ts';
import { invalidFilter } from '../../query/filter/filter-error.ts';
import type { SqlBackend } from '../sql/executor.ts';
import { listPage } from '../sql/page.ts';
import type { SqlValues } from '../sql/rows.ts';
import type { ListPage, ListQuery } from '../store.ts';
import { StatementTimeout } from './executor.ts';

/**
 * What a client hears when its list ran past the time a statement may run (executor.ts). With a
 * filter, the filter made it slow (without one, a page is an index seek and a count a pass over
 * an index): a 400 naming `filter`, which sending again would not change. Without one, the
 * server is overloaded: a 503, to try again later.
 */
export function listTimeoutError(query: ListQuery, timeout: StatementTimeout): RosterError {
  const seconds = `${timeout.milliseconds / 1000} s`;
  if (query.filter !== undefined) {
    return invalidFilter(
      `The filter took longer than ${seconds} to evaluate and was stopped; narrow it, for instance with == on an indexed field (id, name, status, type) or a LIKE that starts with literal text`,
    );
  }
  return new RosterError('STORAGE_UNAVAILABLE', `The server could not list these records within ${seconds}; try again later.`);
}

/** `listPage` with a timed-out statement answered as `listTimeoutError` says. */
export async function boundedListPage<T>(backend: SqlBackend, query: ListQuery, fromRow: (row: SqlValues) => T): Promise<ListPage<T>> {
  try {
    return await listPage(backend, query, fromRow);
  } catch (error) {
    throw error instanceof StatementTimeout ? listTimeoutError(query, error) : error;
  }
}
