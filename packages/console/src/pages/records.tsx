import { PNPage, PNSortKey, type PNListResult } from '@roster/sdk';
import type { JSX } from 'preact';
import { useCallback, useMemo, useState } from 'preact/hooks';
import { FilterInput } from '../components/filter-input.tsx';
import { useFlash, usePageLoad } from '../components/list-load.ts';
import { NewRecordButton } from '../components/list-new.tsx';
import { listHash, readListState, type ListState } from '../components/list-query.ts';
import { columnsOf, ListTable, type ListRow, type RowMarks } from '../components/list-table.tsx';
import { Pager, type PageCursors } from '../components/pager.tsx';
import { useLiveChanges, type LiveChange } from '../live.ts';
import { KINDS, type RecordKind } from '../records.ts';
import { navigate, type Route } from '../router.ts';
import type { Session } from '../session.ts';
import { toggleSort } from '../sort.ts';

interface ListView {
  rows: ListRow[];
  cursors: PageCursors;
  totalCount: number | undefined;
  /** Items before this page. */
  offset: number;
}

const EMPTY_VIEW: ListView = { rows: [], cursors: {}, totalCount: undefined, offset: 0 };

async function fetchPage(session: Session, kind: RecordKind, state: ListState): Promise<PNListResult<ListRow>> {
  const builder = kind === 'user' ? session.client.getAllUUIDMetadata() : session.client.getAllChannelMetadata();
  builder
    .limit(state.limit)
    .includeTotalCount(true)
    .sort(state.sort.map((term) => (term.direction === 'asc' ? PNSortKey.asc(term.field) : PNSortKey.desc(term.field))))
    .page(state.page.next !== undefined ? new PNPage.Next(state.page.next) : state.page.prev !== undefined ? new PNPage.Previous(state.page.prev) : null);
  if (state.filter !== '') builder.filter(state.filter);
  const { result } = await builder.sync();
  return { ...result, data: result.data.map((item) => ({ ...item })) };
}

function viewOf(result: PNListResult<ListRow>, state: ListState): ListView {
  return {
    rows: [...result.data],
    cursors: { next: result.next?.hash, prev: result.prev?.hash },
    totalCount: result.totalCount ?? undefined,
    // Without `prev` this is the first page, whatever the route guessed.
    offset: result.prev === null ? 0 : state.offset,
  };
}

/** The page on screen, fetched again whenever the route's list state changes. */
function useListPage(session: Session, kind: RecordKind, state: ListState, stateKey: string) {
  const [view, setView] = useState<ListView>(EMPTY_VIEW);
  const { loading, error, filterError } = usePageLoad(
    () => fetchPage(session, kind, state),
    [session, kind, stateKey],
    (result) => setView(viewOf(result, state)),
    () => setView(EMPTY_VIEW),
  );
  return { view, setView, busy: loading, error, filterError };
}

/** Live changes to the rows on screen: merged in and flashed, or marked deleted. */
function useLiveRows(session: Session, kind: RecordKind, rows: readonly ListRow[], setView: (update: (view: ListView) => ListView) => void): RowMarks {
  const [flashing, flash] = useFlash();
  const [deleted, setDeleted] = useState<ReadonlySet<string>>(new Set());
  const idsKey = rows.map((row) => row.id).join('\n');
  const ids = useMemo(() => rows.map((row) => row.id), [idsKey]);

  const onChange = useCallback(
    (change: LiveChange) => {
      if ((change.type !== 'set' && change.type !== 'delete') || change.kind !== kind) return;
      const { id } = change;
      if (change.type === 'delete') {
        setDeleted((current) => new Set(current).add(id));
        return;
      }
      setView((view) => ({ ...view, rows: view.rows.map((row) => (row.id === id ? { ...row, ...change.data, id } : row)) }));
      setDeleted((current) => new Set([...current].filter((item) => item !== id)));
      flash(id);
    },
    [kind, setView, flash],
  );
  useLiveChanges(session, ids, onChange);
  return { flashing, deleted };
}

/** The list of users or channels: search, sort, pages, new. */
export function RecordsPage(props: { kind: RecordKind; session: Session; route: Route }): JSX.Element {
  const { kind, session } = props;
  const info = KINDS[kind];
  const fields = columnsOf(kind).map((column) => column.field);
  const state = readListState(props.route.query, fields);
  const stateKey = listHash(info.section, state);
  const { view, setView, busy, error, filterError } = useListPage(session, kind, state, stateKey);
  const marks = useLiveRows(session, kind, view.rows, setView);

  const go = (next: Partial<ListState>) => navigate(listHash(info.section, { ...state, page: {}, offset: 0, ...next }));
  const onPage = (page: PageCursors) => {
    const offset = page.next !== undefined ? view.offset + view.rows.length : page.prev !== undefined ? Math.max(0, view.offset - state.limit) : 0;
    go({ page, offset });
  };

  return (
    <>
      <div class="list-head">
        <h1>{info.title}</h1>
        <NewRecordButton kind={kind} />
      </div>
      <div role="search" aria-label={`Search ${info.section}`}>
        <FilterInput resource={kind === 'user' ? 'uuid' : 'channel'} value={state.filter} serverError={filterError} onCommit={(filter) => go({ filter })} />
      </div>
      <div class="list-alert" role="alert">
        {error !== undefined && <p class="error">{error}</p>}
      </div>
      <ListTable
        kind={kind}
        rows={view.rows}
        sort={state.sort}
        onSort={(field, additive) => go({ sort: toggleSort(state.sort, field, additive) })}
        marks={marks}
        busy={busy}
      />
      <Pager
        cursors={view.cursors}
        shown={view.rows.length}
        totalCount={view.totalCount}
        offset={view.offset}
        limit={state.limit}
        onPage={onPage}
        onLimit={(limit) => go({ limit })}
      />
    </>
  );
}
