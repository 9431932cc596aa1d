import type { JSX } from 'preact';
import { useEffect, useId, useRef, useState } from 'preact/hooks';
import type { CustomValues } from '../limits.ts';
import { checkJson, checkRows, customToJson, newRow, rowsOf, rowsToJson, type Checked, type CustomRow, type RowType } from './custom-rows.ts';

/** A `custom` object's values: PubNub allows flat scalars only. */
export type { CustomValues };

const TYPES: readonly RowType[] = ['string', 'number', 'boolean', 'null'];

/**
 * Edits a `custom` object: a key/value table, or raw JSON checked against the server's limits
 * before anything is sent. `onChange` gets the new object and the problem with it, if any
 * (`undefined` when it is valid); `label` names the editor for assistive technology.
 * It starts from `value` when it mounts and keeps its own rows or text from then on: to start it
 * over (a reload, a form emptied after a save), change its `key`. (Following `value` as it changes
 * would race the editor's own reports: an effect run late, on a loaded machine, took an older
 * value for a reload and dropped the row being typed.)
 */
export function CustomEditor(props: { label: string; value: CustomValues; onChange: (value: CustomValues, problem: string | undefined) => void }): JSX.Element {
  const id = useId();
  const [rows, setRows] = useState(() => rowsOf(props.value));
  /** The raw JSON text; `undefined` in key/value mode. */
  const [raw, setRaw] = useState<string | undefined>(undefined);
  const [problem, setProblem] = useState<string | undefined>(undefined);
  const [stuckInRaw, setStuckInRaw] = useState(false);
  const [focusRow, setFocusRow] = useState<number | 'add' | undefined>(undefined);
  const root = useRef<HTMLFieldSetElement>(null);

  useEffect(() => {
    if (focusRow === undefined) return;
    const selector = focusRow === 'add' ? 'button[data-add]' : `[data-row="${focusRow}"] input`;
    root.current?.querySelector<HTMLElement>(selector)?.focus();
    setFocusRow(undefined);
  }, [focusRow]);

  const report = (checked: Checked) => {
    setProblem(checked.problem);
    props.onChange(checked.value, checked.problem);
  };
  const changeRows = (next: CustomRow[]) => {
    setRows(next);
    report(checkRows(next));
  };
  const changeRaw = (text: string) => {
    setRaw(text);
    setStuckInRaw(false);
    report(checkJson(text));
  };
  const toggleRaw = () => {
    if (raw === undefined) return changeRaw(rowsToJson(rows));
    const checked = checkJson(raw);
    if (checked.problem !== undefined) return setStuckInRaw(true);
    setRaw(undefined);
    changeRows(rowsOf(checked.value));
  };
  const problemId = `${id}-problem`;

  return (
    <fieldset class="custom-editor" ref={root} aria-describedby={problemId}>
      <legend>{props.label}</legend>
      <button type="button" class="secondary" aria-pressed={raw !== undefined} onClick={toggleRaw}>
        Raw JSON
      </button>
      {raw === undefined ? (
        <Rows
          rows={rows}
          onChange={changeRows}
          onAdd={() => {
            const row = newRow();
            changeRows([...rows, row]);
            setFocusRow(row.id);
          }}
          onRemove={(row) => {
            changeRows(rows.filter((other) => other !== row));
            setFocusRow('add');
          }}
        />
      ) : (
        <>
          <label for={`${id}-json`}>{props.label} as JSON</label>
          <textarea
            id={`${id}-json`}
            spellcheck={false}
            value={raw}
            aria-invalid={problem !== undefined}
            aria-describedby={problemId}
            onInput={(event) => changeRaw(event.currentTarget.value)}
          />
        </>
      )}
      <p id={problemId} class="error" aria-live="polite">
        {problem}
        {stuckInRaw && ' Fix the JSON before switching back to key/value rows.'}
      </p>
    </fieldset>
  );
}

function Rows(props: { rows: CustomRow[]; onChange: (rows: CustomRow[]) => void; onAdd: () => void; onRemove: (row: CustomRow) => void }): JSX.Element {
  const update = (row: CustomRow, change: Partial<CustomRow>) => props.onChange(props.rows.map((other) => (other === row ? { ...row, ...change } : other)));
  return (
    <>
      {props.rows.length === 0 ? (
        <p class="hint">No custom fields.</p>
      ) : (
        <ul class="custom-rows">
          <li class="custom-head" aria-hidden="true">
            <span>Key</span>
            <span>Type</span>
            <span>Value</span>
          </li>
          {props.rows.map((row, index) => (
            <Row key={row.id} row={row} position={index + 1} onUpdate={(change) => update(row, change)} onRemove={() => props.onRemove(row)} />
          ))}
        </ul>
      )}
      <button type="button" class="secondary" data-add onClick={props.onAdd}>
        Add field
      </button>
    </>
  );
}

/** A row's text when its type changes: numbers and booleans keep what still reads as one. */
function retype(row: CustomRow, type: RowType): Partial<CustomRow> {
  if (type === 'boolean') return { type, text: row.text === 'true' ? 'true' : 'false' };
  if (type === 'null') return { type, text: '' };
  return { type, text: row.type === 'null' ? '' : row.text };
}

function Row(props: { row: CustomRow; position: number; onUpdate: (change: Partial<CustomRow>) => void; onRemove: () => void }): JSX.Element {
  const { row, position } = props;
  return (
    <li data-row={row.id}>
      <input aria-label={`Row ${position} key`} placeholder="key" value={row.key} onInput={(event) => props.onUpdate({ key: event.currentTarget.value })} />
      <select aria-label={`Row ${position} type`} value={row.type} onChange={(event) => props.onUpdate(retype(row, event.currentTarget.value as RowType))}>
        {TYPES.map((type) => (
          <option key={type} value={type}>
            {type}
          </option>
        ))}
      </select>
      <RowValue row={row} position={position} onUpdate={props.onUpdate} />
      <button type="button" class="secondary" aria-label={`Remove row ${position}`} onClick={props.onRemove}>
        Remove
      </button>
    </li>
  );
}

function RowValue(props: { row: CustomRow; position: number; onUpdate: (change: Partial<CustomRow>) => void }): JSX.Element {
  const label = `Row ${props.position} value`;
  const { row } = props;
  if (row.type === 'null') return <span class="hint">null</span>;
  if (row.type === 'boolean') {
    return (
      <select aria-label={label} value={row.text} onChange={(event) => props.onUpdate({ text: event.currentTarget.value })}>
        <option value="true">true</option>
        <option value="false">false</option>
      </select>
    );
  }
  return (
    <input
      aria-label={label}
      placeholder="value"
      inputMode={row.type === 'number' ? 'decimal' : undefined}
      value={row.text}
      onInput={(event) => props.onUpdate({ text: event.currentTarget.value })}
    />
  );
}
