import type { JSX } from 'preact';
import { useEffect, useRef } from 'preact/hooks';
import { formatDate } from '../dates.ts';
import { KINDS, type RecordKind } from '../records.ts';
import { href } from '../router.ts';
import { compactCustom, listTitle, otherKind, type MembershipRow, type MembershipSort, type SortField } from './membership-calls.ts';

/** What the table shows besides the rows: selection, live marks, order. */
export interface TableState {
  selected: ReadonlySet<string>;
  /** Rows a live change just touched (class `flash`). */
  flashing: ReadonlySet<string>;
  /** Rows deleted elsewhere since the page loaded (greyed out, "removed"). */
  deleted: ReadonlySet<string>;
  sort: MembershipSort | undefined;
}

export interface TableActions {
  onSelect: (id: string, selected: boolean) => void;
  onSelectPage: (selected: boolean) => void;
  onSort: (field: SortField) => void;
  onEdit: (row: MembershipRow) => void;
  onRemove: (row: MembershipRow) => void;
}

/** A header that sorts the list by its field, telling assistive technology the current order. */
function SortHeader(props: { field: SortField; label: string; sort: MembershipSort | undefined; onSort: (field: SortField) => void }): JSX.Element {
  const current = props.sort?.field === props.field ? props.sort.direction : undefined;
  const ariaSort = current === 'asc' ? 'ascending' : current === 'desc' ? 'descending' : undefined;
  return (
    <th scope="col" aria-sort={ariaSort}>
      <button type="button" onClick={() => props.onSort(props.field)}>
        {props.label}
        {current === 'asc' ? ' ▲' : current === 'desc' ? ' ▼' : ''}
      </button>
    </th>
  );
}

/** "Select all on page", showing a partial selection as mixed. */
function SelectPage(props: { rows: readonly MembershipRow[]; state: TableState; onSelectPage: (selected: boolean) => void }): JSX.Element {
  const ref = useRef<HTMLInputElement>(null);
  const live = props.rows.filter((row) => !props.state.deleted.has(row.otherId));
  const count = live.filter((row) => props.state.selected.has(row.otherId)).length;
  const all = live.length > 0 && count === live.length;
  useEffect(() => {
    if (ref.current) ref.current.indeterminate = count > 0 && !all;
  }, [count, all]);
  return (
    <input
      ref={ref}
      type="checkbox"
      aria-label="Select all on page"
      checked={all}
      disabled={live.length === 0}
      onChange={(event) => props.onSelectPage(event.currentTarget.checked)}
    />
  );
}

function Row(props: { kind: RecordKind; row: MembershipRow; state: TableState; actions: TableActions }): JSX.Element {
  const { row, state, actions } = props;
  const id = row.otherId;
  const deleted = state.deleted.has(id);
  const classes = [deleted && 'deleted', state.flashing.has(id) && 'flash'].filter(Boolean).join(' ');
  return (
    <tr class={classes || undefined} data-id={id}>
      <td>
        <input
          type="checkbox"
          aria-label={`Select ${id}`}
          checked={state.selected.has(id)}
          disabled={deleted}
          onChange={(event) => actions.onSelect(id, event.currentTarget.checked)}
        />
      </td>
      <th scope="row">
        <a href={href(KINDS[otherKind(props.kind)].section, id)}>{id}</a>
        {deleted && <span class="removed"> (removed)</span>}
      </th>
      <td>
        <span class="cell-text">{row.otherName ?? ''}</span>
      </td>
      <td>
        <span class="cell-text">{row.status ?? ''}</span>
      </td>
      <td>
        <span class="cell-text">{row.type ?? ''}</span>
      </td>
      <td>{row.custom !== null && <code class="cell-text">{compactCustom(row.custom)}</code>}</td>
      <td>
        <time dateTime={row.updated}>{formatDate(row.updated)}</time>
      </td>
      <td class="actions">
        <button type="button" class="secondary" aria-label={`Edit ${id}`} disabled={deleted} onClick={() => actions.onEdit(row)}>
          Edit
        </button>{' '}
        <button type="button" class="danger" aria-label={`Remove ${id}`} disabled={deleted} onClick={() => actions.onRemove(row)}>
          Remove
        </button>
      </td>
    </tr>
  );
}

/**
 * The memberships on this page: the other end (a link to its page) and its name, the
 * membership's status, type, custom and last update, a checkbox each, and Edit / Remove.
 */
export function MembershipTable(props: {
  kind: RecordKind;
  ownerId: string;
  rows: readonly MembershipRow[];
  state: TableState;
  actions: TableActions;
}): JSX.Element {
  const other = KINDS[otherKind(props.kind)];
  const caption = `${listTitle(props.kind)} of ${KINDS[props.kind].singular} ${props.ownerId}`;
  return (
    <div class="table-wrap" role="region" aria-label={caption} tabIndex={0}>
      <table>
        <caption class="hint">{caption}</caption>
        <thead>
          <tr>
            <th scope="col">
              <SelectPage rows={props.rows} state={props.state} onSelectPage={props.actions.onSelectPage} />
            </th>
            <SortHeader field="id" label={`${other.singular === 'user' ? 'User' : 'Channel'} id`} sort={props.state.sort} onSort={props.actions.onSort} />
            <th scope="col">Name</th>
            <th scope="col">Status</th>
            <th scope="col">Type</th>
            <th scope="col">Custom</th>
            <SortHeader field="updated" label="Updated" sort={props.state.sort} onSort={props.actions.onSort} />
            <th scope="col">Actions</th>
          </tr>
        </thead>
        <tbody>
          {props.rows.map((row) => (
            <Row key={row.otherId} kind={props.kind} row={row} state={props.state} actions={props.actions} />
          ))}
        </tbody>
      </table>
    </div>
  );
}
