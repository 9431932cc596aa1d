import type { QueryParams } from '@roster/protocol';
import type { PNPage } from '../../models/page.ts';
import type { PNListResult } from '../../models/results.ts';
import type { PNSortKey } from '../../models/sort.ts';
import type { PNStatus } from '../../models/status.ts';
import { Endpoint, type EndpointContext } from '../endpoint.ts';
import type { ParsedResponse } from '../execute.ts';
import { parseListResult } from './parse.ts';

/** The page size the server uses by default and at most. */
export const DEFAULT_LIMIT = 100;

/** Paging, filtering and sorting, shared by every list call. */
export interface ListOptions {
  /**
   * Items per page, 1 to 100.
   * @default 100
   */
  limit?: number;
  /** Which page: a result's `next`/`prev`, or `new PNPage.Next(cursor)`. `null` means the first page. */
  page?: PNPage | null;
  /**
   * A filter expression, e.g. `name LIKE 'a*' && updated >= "2024-01-01"`.
   * @see https://www.pubnub.com/docs/general/metadata/filtering
   */
  filter?: string;
  /** Sort criteria, most significant first. */
  sort?: PNSortKey | readonly PNSortKey[];
  /**
   * Ask for `totalCount` in the result.
   * @default false
   */
  includeTotalCount?: boolean;
}

/** A builder that returns one page of a list. */
export abstract class ListEndpoint<TItem> extends Endpoint<PNListResult<TItem>> {
  private limitValue: number | undefined;
  private pageValue: PNPage | null = null;
  private filterValue: string | undefined;
  private sortKeys: readonly PNSortKey[] = [];
  /** `undefined` until set: some calls send `count` only when it was given. */
  protected totalCount: boolean | undefined;

  constructor(context: EndpointContext, options: ListOptions) {
    super(context);
    this.limitValue = options.limit;
    this.pageValue = options.page ?? null;
    this.filterValue = options.filter;
    if (options.sort !== undefined) this.sort(options.sort);
    this.totalCount = options.includeTotalCount;
  }

  /** Items per page, 1 to 100 (default 100). */
  limit(limit: number): this {
    this.limitValue = limit;
    return this;
  }

  /** The page to fetch; pass a previous result's `next` or `prev`. `null` is the first page. */
  page(page: PNPage | null | undefined): this {
    this.pageValue = page ?? null;
    return this;
  }

  /** A filter expression; only matching items are returned. */
  filter(expression: string): this {
    this.filterValue = expression;
    return this;
  }

  /** Sort criteria, most significant first; replaces earlier ones. Takes keys or arrays of keys. */
  sort(...keys: ReadonlyArray<PNSortKey | readonly PNSortKey[]>): this {
    this.sortKeys = keys.flat();
    return this;
  }

  /** Ask for `totalCount` in the result (default `false`). */
  includeTotalCount(include: boolean): this {
    this.totalCount = include;
    return this;
  }

  /** `filter`, `start`/`end`, `limit` (always sent, as the official SDK does) and repeated `sort`. */
  protected listQuery(): QueryParams {
    const query: Array<readonly [string, string]> = [];
    if (this.filterValue !== undefined && this.filterValue !== '') query.push(['filter', this.filterValue]);
    if (this.pageValue?.direction === 'next') query.push(['start', this.pageValue.hash]);
    if (this.pageValue?.direction === 'prev') query.push(['end', this.pageValue.hash]);
    query.push(['limit', String(this.limitValue ?? DEFAULT_LIMIT)]);
    for (const key of this.sortKeys) query.push(['sort', key.toString()]);
    return query;
  }

  parse(response: ParsedResponse, status: PNStatus): PNListResult<TItem> {
    return parseListResult<TItem>(response, status);
  }
}
