/**
 * A paging cursor. A list result's `next` and `prev` are pages you pass straight back to
 * `.page(...)`; build one yourself from a stored cursor with `new PNPage.Next(hash)` or
 * `new PNPage.Previous(hash)`.
 *
 * Cursors are opaque. Note that PubNub (and Roster, for compatibility) returns `next` even on
 * the last page: stop when a page comes back empty.
 * @example
 * let page: PNPage | null = null;
 * do {
 *   const { result } = await client.getAllUUIDMetadata().limit(50).page(page).sync();
 *   if (result.data.length === 0) break;
 *   page = result.next;
 * } while (page);
 */
export abstract class PNPage {
  /** Builds a page that continues after a `next` cursor. */
  static Next: typeof PNNextPage;
  /** Builds a page that goes back before a `prev` cursor. */
  static Previous: typeof PNPreviousPage;

  abstract readonly direction: 'next' | 'prev';

  /** The opaque cursor. */
  readonly hash: string;

  constructor(hash: string) {
    this.hash = hash;
  }
}

/** The page after the current one; sent as the `start` query parameter. */
export class PNNextPage extends PNPage {
  readonly direction = 'next' as const;
}

/** The page before the current one; sent as the `end` query parameter. */
export class PNPreviousPage extends PNPage {
  readonly direction = 'prev' as const;
}

PNPage.Next = PNNextPage;
PNPage.Previous = PNPreviousPage;
