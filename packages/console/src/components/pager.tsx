import type { JSX } from 'preact';
import { useId } from 'preact/hooks';

/** The cursors of the page on screen, as the server gave them. */
export interface PageCursors {
  next?: string | undefined;
  prev?: string | undefined;
}

/** The page sizes offered (the server allows 1 to 100). */
export const PAGE_SIZES = [10, 25, 50, 100] as const;

/**
 * `prev` / `next` buttons and "n of totalCount"; `onPage` gets the cursor to fetch (`{}`: the
 * first page). With `offset` (items before this page) it says "26–50 of 80" and knows the last
 * page; with `limit` and `onLimit` it offers the page size.
 */
export function Pager(props: {
  cursors: PageCursors;
  shown: number;
  totalCount: number | undefined;
  onPage: (page: { next?: string; prev?: string }) => void;
  offset?: number | undefined;
  limit?: number | undefined;
  onLimit?: ((limit: number) => void) | undefined;
}): JSX.Element {
  const id = useId();
  const { cursors, shown, totalCount, offset, onPage } = props;
  // PubNub sends `next` on the last page too: the count tells where the list ends.
  const atEnd = shown === 0 || (totalCount !== undefined && offset !== undefined && offset + shown >= totalCount);
  const canNext = cursors.next !== undefined && !atEnd;
  const canFirst = cursors.prev !== undefined || (offset ?? 0) > 0;
  return (
    <nav class="pager toolbar" aria-label="Pages">
      {canFirst && (
        <button type="button" class="secondary" onClick={() => onPage({})}>
          First
        </button>
      )}
      <PageButton label="Previous" enabled={cursors.prev !== undefined} onClick={() => cursors.prev !== undefined && onPage({ prev: cursors.prev })} />
      <p class="pager-range" role="status">
        {rangeText(shown, offset, totalCount)}
      </p>
      <PageButton label="Next" enabled={canNext} onClick={() => cursors.next !== undefined && onPage({ next: cursors.next })} />
      {props.onLimit && (
        <span class="pager-size">
          <label for={`${id}-size`}>Per page</label>
          <select id={`${id}-size`} value={String(props.limit ?? 100)} onChange={(event) => props.onLimit?.(Number(event.currentTarget.value))}>
            {PAGE_SIZES.map((size) => (
              <option key={size} value={String(size)}>
                {size}
              </option>
            ))}
          </select>
        </span>
      )}
    </nav>
  );
}

/** "26–50 of 80", "3 of 80" without an offset, "None of 80" on an empty page. */
function rangeText(shown: number, offset: number | undefined, totalCount: number | undefined): string {
  const of = totalCount === undefined ? '' : ` of ${totalCount}`;
  if (shown === 0) return `None${of}`;
  if (offset === undefined) return `${shown}${of}`;
  return `${offset + 1}–${offset + shown}${of}`;
}

/** Stays focusable when it cannot be used (aria-disabled), so focus is not lost on the last page. */
function PageButton(props: { label: string; enabled: boolean; onClick: () => void }): JSX.Element {
  return (
    <button type="button" class="secondary" aria-disabled={props.enabled ? undefined : 'true'} onClick={() => props.enabled && props.onClick()}>
      {props.label}
    </button>
  );
}
