import { href } from '../router.ts';
import { formatSort, parseSort, type SortTerm } from '../sort.ts';

/**
 * What a list shows, kept in the hash route so reload, back and shared links reopen it:
 * `#/users?filter=…&sort=name:asc,updated:desc&limit=25&start=<cursor>&offset=25`
 * (`start` a next cursor, `end` a prev cursor, as the wire names them).
 */
export interface ListState {
  /** `''` for none. */
  filter: string;
  sort: SortTerm[];
  limit: number;
  /** The cursor to fetch; `{}` for the first page. */
  page: { next?: string | undefined; prev?: string | undefined };
  /** How many items come before this page, for "26–50 of 80" (the server's cursors do not say). */
  offset: number;
}

export const DEFAULT_LIMIT = 25;

function readLimit(text: string | null): number {
  const limit = Number(text);
  return Number.isInteger(limit) && limit >= 1 && limit <= 100 ? limit : DEFAULT_LIMIT;
}

function readOffset(text: string | null): number {
  const offset = Number(text);
  return Number.isInteger(offset) && offset > 0 ? offset : 0;
}

/** The list state of a route's query; `sortable` are the fields a sort may name. */
export function readListState(query: URLSearchParams, sortable: readonly string[]): ListState {
  const next = query.get('start') ?? undefined;
  const prev = next === undefined ? (query.get('end') ?? undefined) : undefined;
  return {
    filter: query.get('filter') ?? '',
    sort: parseSort(query.get('sort'), sortable),
    limit: readLimit(query.get('limit')),
    page: next !== undefined ? { next } : prev !== undefined ? { prev } : {},
    offset: next === undefined && prev === undefined ? 0 : readOffset(query.get('offset')),
  };
}

/** The hash of a list of `section` (`users`, `channels`) in `state`; defaults are left out. */
export function listHash(section: string, state: ListState): string {
  const query = new URLSearchParams();
  if (state.filter !== '') query.set('filter', state.filter);
  if (state.sort.length > 0) query.set('sort', formatSort(state.sort));
  if (state.limit !== DEFAULT_LIMIT) query.set('limit', String(state.limit));
  if (state.page.next !== undefined) query.set('start', state.page.next);
  else if (state.page.prev !== undefined) query.set('end', state.page.prev);
  if ((state.page.next !== undefined || state.page.prev !== undefined) && state.offset > 0) query.set('offset', String(state.offset));
  const search = query.toString();
  return search === '' ? href(section) : `${href(section)}?${search}`;
}
