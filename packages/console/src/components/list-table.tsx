import type { JSX, TargetedKeyboardEvent, TargetedMouseEvent } from 'preact';
import { useId } from 'preact/hooks';
import { formatDate } from '../dates.ts';
import { KINDS, type RecordKind } from '../records.ts';
import { href } from '../router.ts';
import type { SortTerm } from '../sort.ts';

/** A user or channel as listed: the server's fields, merged with live changes. */
export type ListRow = { id: string } & Record<string, unknown>;

export interface Column {
  field: string;
  label: string;
}

/** The listed columns; all of them are sortable (text fields and `updated`, server query/fields.ts). */
export function columnsOf(kind: RecordKind): Column[] {
  const info = KINDS[kind];
  return [
    { field: 'id', label: 'Id' },
    { field: 'name', label: 'Name' },
    { field: info.extraField, label: info.extraLabel },
    { field: 'status', label: 'Status' },
    { field: 'type', label: 'Type' },
    { field: 'updated', label: 'Updated' },
  ];
}

/** Which rows live changes touched: `flashing` were just set, `deleted` were removed. */
export interface RowMarks {
  flashing: ReadonlySet<string>;
  deleted: ReadonlySet<string>;
}

/**
 * The table of users or channels. A header's button sorts by its column (`onSort(field, additive)`:
 * shift-click or shift+Enter adds it as a further key); the leading key carries `aria-sort`, and
 * with several keys each shows its rank.
 */
export function ListTable(props: {
  kind: RecordKind;
  rows: readonly ListRow[];
  sort: readonly SortTerm[];
  onSort: (field: string, additive: boolean) => void;
  marks: RowMarks;
  busy: boolean;
}): JSX.Element {
  const id = useId();
  const info = KINDS[props.kind];
  const columns = columnsOf(props.kind);
  return (
    <div class="table-wrap" role="region" aria-labelledby={`${id}-caption`} tabIndex={0}>
      <table aria-busy={props.busy ? 'true' : undefined}>
        <caption id={`${id}-caption`}>
          {info.title}
          <span class="hint"> (sort: activate a column heading; with Shift it becomes a further sort key)</span>
        </caption>
        <thead>
          <tr>
            {columns.map((column) => (
              <SortHeader key={column.field} column={column} sort={props.sort} onSort={props.onSort} />
            ))}
          </tr>
        </thead>
        <tbody>
          {props.rows.map((row) => (
            <Row key={row.id} kind={props.kind} row={row} columns={columns} marks={props.marks} />
          ))}
          {props.rows.length === 0 && !props.busy && (
            <tr>
              <td colSpan={columns.length}>No {info.section} match.</td>
            </tr>
          )}
        </tbody>
      </table>
    </div>
  );
}

function SortHeader(props: { column: Column; sort: readonly SortTerm[]; onSort: (field: string, additive: boolean) => void }): JSX.Element {
  const { field, label } = props.column;
  const rank = props.sort.findIndex((term) => term.field === field);
  const term = props.sort[rank];
  const leading = rank === 0 && term !== undefined;
  const onClick = (event: TargetedMouseEvent<HTMLButtonElement>) => props.onSort(field, event.shiftKey);
  // A click from the keyboard may not carry Shift: shift+Enter is handled here.
  const onKeyDown = (event: TargetedKeyboardEvent<HTMLButtonElement>) => {
    if (event.key !== 'Enter' || !event.shiftKey) return;
    event.preventDefault();
    props.onSort(field, true);
  };
  return (
    <th scope="col" aria-sort={leading ? (term.direction === 'asc' ? 'ascending' : 'descending') : undefined}>
      <button type="button" onClick={onClick} onKeyDown={onKeyDown}>
        {label}
        {term && (
          <span class="sort-mark">
            {' '}
            <span aria-hidden="true">{term.direction === 'asc' ? '▲' : '▼'}</span>
            <span class="visually-hidden">{term.direction === 'asc' ? 'ascending' : 'descending'}</span>
            {props.sort.length > 1 && (
              <>
                {' '}
                <span class="sort-rank">{rank + 1}</span>
              </>
            )}
          </span>
        )}
      </button>
    </th>
  );
}

function Row(props: { kind: RecordKind; row: ListRow; columns: readonly Column[]; marks: RowMarks }): JSX.Element {
  const { row, marks } = props;
  const deleted = marks.deleted.has(row.id);
  const classes = [marks.flashing.has(row.id) && 'flash', deleted && 'deleted'].filter(Boolean).join(' ');
  return (
    <tr class={classes || undefined} data-id={row.id}>
      {props.columns.map((column) =>
        column.field === 'id' ? (
          <th key="id" scope="row">
            <a href={href(KINDS[props.kind].section, row.id)}>{row.id}</a>
            {deleted && <span class="row-note"> deleted</span>}
          </th>
        ) : (
          <td key={column.field}>{cellText(column.field, row[column.field])}</td>
        ),
      )}
    </tr>
  );
}

function cellText(field: string, value: unknown): JSX.Element | string {
  if (value === null || value === undefined) return '';
  if (field === 'updated' && typeof value === 'string') return <time dateTime={value}>{formatDate(value)}</time>;
  // Clipped to a few lines (styles.css `.cell-text`): one long value must not crush the other columns.
  return <span class="cell-text">{typeof value === 'string' ? value : JSON.stringify(value)}</span>;
}
