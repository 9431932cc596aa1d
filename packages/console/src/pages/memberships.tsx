import type { JSX } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { ConfirmDialog } from '../components/confirm-dialog.tsx';
import { FilterInput } from '../components/filter-input.tsx';
import { ErrorAlert, useAction } from '../components/form-parts.tsx';
import { MembershipAddForm } from '../components/membership-add.tsx';
import { MembershipBulkBar } from '../components/membership-bulk.tsx';
import {
  countOf,
  listTitle,
  otherNoun,
  removeMemberships,
  setMemberships,
  turnPage,
  type MembershipFields,
  type MembershipRow,
  type SortField,
} from '../components/membership-calls.ts';
import { MembershipEditDialog } from '../components/membership-edit.tsx';
import { useMembershipList, type MembershipList } from '../components/membership-list.ts';
import { MembershipTable } from '../components/membership-table.tsx';
import { Pager } from '../components/pager.tsx';
import { describeError } from '../errors.ts';
import { KINDS, type RecordKind } from '../records.ts';
import type { Session } from '../session.ts';

type OpenDialog = { type: 'edit'; row: MembershipRow } | { type: 'remove'; ids: string[] };

interface PanelProps {
  kind: RecordKind;
  id: string;
  session: Session;
}

/** asc → desc → asc on the same header; a new header starts ascending. */
function nextSort(list: MembershipList, field: SortField): MembershipList['query'] {
  const { sort } = list.query;
  const direction = sort?.field === field && sort.direction === 'asc' ? 'desc' : 'asc';
  return { ...list.query, sort: { field, direction }, page: null, offset: 0 };
}

/** The selected ids still listed and not deleted elsewhere. */
function selectedIds(list: MembershipList, selected: ReadonlySet<string>): string[] {
  return (list.page?.rows ?? []).map((row) => row.otherId).filter((id) => selected.has(id) && !list.deleted.has(id));
}

/**
 * A user's channels (kind `user`) or a channel's members (kind `channel`): paged, filterable,
 * sortable by the other end's id or the last update, kept live; add (several at once), edit and
 * remove, one at a time or the selected rows together.
 */
export function MembershipsPanel(props: PanelProps): JSX.Element {
  const { kind, id, session } = props;
  const list = useMembershipList(session, kind, id);
  const heading = useRef<HTMLHeadingElement>(null);
  const [selected, setSelected] = useState<ReadonlySet<string>>(new Set());
  const [dialog, setDialog] = useState<OpenDialog>();
  const removal = useAction(describeError);
  const [notice, setNotice] = useState('');
  const headingId = `memberships-${kind}`;

  // A new page, filter or order starts with nothing selected.
  useEffect(() => setSelected(new Set()), [list.query]);
  // After a removal the rows (and the button that had focus) are gone once the page reloads.
  const focusHeading = useRef(false);
  useEffect(() => {
    if (!focusHeading.current) return;
    focusHeading.current = false;
    heading.current?.focus();
  }, [list.page]);

  const write = async (action: () => Promise<void>, done: string) => {
    await action();
    setNotice(done);
    list.reload();
  };
  const add = (ids: string[], fields: MembershipFields) =>
    write(() => setMemberships(session, kind, id, ids, fields), `Added or updated ${countOf(kind, ids.length)}.`);
  const setOnSelected = (fields: MembershipFields) => {
    const ids = selectedIds(list, selected);
    return write(() => setMemberships(session, kind, id, ids, fields), `Updated ${countOf(kind, ids.length)}.`);
  };
  const save = (row: MembershipRow) => async (fields: MembershipFields) => {
    await write(() => setMemberships(session, kind, id, [row.otherId], fields), `Saved ${otherNoun(kind)} ${row.otherId}.`);
    setDialog(undefined);
  };
  const closeDialog = () => {
    setDialog(undefined);
    removal.setError(undefined);
  };
  const remove = (ids: string[]) =>
    removal.run(async () => {
      await write(() => removeMemberships(session, kind, id, ids), `Removed ${countOf(kind, ids.length)}.`);
      setSelected((current) => new Set([...current].filter((other) => !ids.includes(other))));
      focusHeading.current = true;
      closeDialog();
    });

  const rows = list.page?.rows ?? [];
  const chosen = selectedIds(list, selected);
  const title = listTitle(kind);
  const removing = dialog?.type === 'remove' ? dialog.ids : [];
  return (
    <section class="memberships" aria-labelledby={headingId}>
      <h2 id={headingId} ref={heading} tabIndex={-1}>
        {title}
      </h2>
      <MembershipAddForm kind={kind} onAdd={add} />
      <FilterInput
        resource={kind === 'user' ? 'membership' : 'member'}
        value={list.query.filter}
        serverError={list.filterError}
        onCommit={(filter) => list.setQuery({ ...list.query, filter, page: null, offset: 0 })}
      />
      <p role="status" class="ok">
        {notice}
      </p>
      <p class="hint" aria-live="polite">
        {list.liveNotice}
      </p>
      <ErrorAlert message={list.error} />
      <MembershipBulkBar count={chosen.length} onRemove={() => setDialog({ type: 'remove', ids: chosen })} onSetFields={setOnSelected} />
      {list.loading && list.page === undefined ? (
        <p class="hint">Loading…</p>
      ) : rows.length === 0 ? (
        <p class="hint">{list.query.filter === '' ? `No ${title.toLowerCase()} yet.` : `No ${title.toLowerCase()} match the filter.`}</p>
      ) : (
        <MembershipTable
          kind={kind}
          ownerId={id}
          rows={rows}
          state={{ selected, flashing: list.flashing, deleted: list.deleted, sort: list.query.sort }}
          actions={{
            onSelect: (other, on) => setSelected((current) => (on ? new Set(current).add(other) : new Set([...current].filter((item) => item !== other)))),
            onSelectPage: (on) => setSelected(new Set(on ? rows.map((row) => row.otherId).filter((other) => !list.deleted.has(other)) : [])),
            onSort: (field) => list.setQuery(nextSort(list, field)),
            onEdit: (row) => setDialog({ type: 'edit', row }),
            onRemove: (row) => setDialog({ type: 'remove', ids: [row.otherId] }),
          }}
        />
      )}
      {list.page !== undefined && (
        <Pager
          cursors={{ next: list.page.next, prev: list.page.prev }}
          shown={rows.length}
          totalCount={list.page.totalCount}
          offset={list.query.offset}
          onPage={(cursor) => list.setQuery(turnPage(list.query, cursor, rows.length))}
        />
      )}
      {dialog?.type === 'edit' && <MembershipEditDialog kind={kind} row={dialog.row} onSave={save(dialog.row)} onClose={closeDialog} />}
      <ConfirmDialog
        open={dialog?.type === 'remove'}
        title={removing.length === 1 ? `Remove ${otherNoun(kind)} ${removing[0]}?` : `Remove ${countOf(kind, removing.length)}?`}
        confirmLabel="Remove"
        busy={removal.busy}
        onConfirm={() => void remove(removing)}
        onCancel={closeDialog}
      >
        <p>
          {KINDS[kind].singular === 'user' ? 'User' : 'Channel'} {id} loses {removing.length === 1 ? 'this membership' : 'these memberships'}:{' '}
          {removing.join(', ')}.
        </p>
        <ErrorAlert message={removal.error} />
      </ConfirmDialog>
    </section>
  );
}
