import type { JSX } from 'preact';
import { useEffect, useRef } from 'preact/hooks';
import { formatDate } from '../dates.ts';
import type { CustomValues } from '../limits.ts';
import type { FieldInfo, RecordValues, StoredRecord } from '../record-api.ts';
import { sameCustom } from './custom-rows.ts';

export interface ConflictProps {
  /** The fields to compare, in form order. */
  fields: readonly FieldInfo[];
  /** What the operator's save would write. */
  mine: RecordValues;
  /** The version on the server now; `undefined` when it was deleted meanwhile. */
  theirs: StoredRecord | undefined;
  busy: boolean;
  onSaveMine: () => void;
  onKeepEditing: () => void;
  onTakeTheirs: () => void;
}

/**
 * A save refused because the record changed since it was loaded (412): both versions side by
 * side, the fields that differ marked, and the operator's choice. Focus moves to its heading.
 */
export function ConflictView(props: ConflictProps): JSX.Element {
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => heading.current?.focus(), []);
  const { theirs } = props;
  return (
    <section class="conflict" aria-labelledby="conflict-heading">
      <h2 id="conflict-heading" tabIndex={-1} ref={heading}>
        Not saved: changed by someone else
      </h2>
      <p>
        {theirs
          ? `This record was changed on the server (at ${formatDate(theirs.updated)}) after you opened it. Nothing was overwritten: choose which version to keep.`
          : 'This record was deleted on the server after you opened it. Nothing was written: choose whether to save yours again.'}
      </p>
      <div class="side-by-side">
        <Version title="Your version" values={props.mine} fields={props.fields} other={theirs} />
        {theirs ? (
          <Version title="Current version on the server" values={theirs} fields={props.fields} other={props.mine} />
        ) : (
          <section aria-label="Current version on the server">
            <h3>Current version on the server</h3>
            <p class="deleted">Deleted</p>
          </section>
        )}
      </div>
      <div class="toolbar">
        <button type="button" disabled={props.busy} onClick={props.onSaveMine}>
          {theirs ? 'Save mine over theirs' : 'Save mine again'}
        </button>
        <button type="button" class="secondary" disabled={props.busy} onClick={props.onKeepEditing}>
          Keep editing mine
        </button>
        <button type="button" class="secondary" disabled={props.busy} onClick={props.onTakeTheirs}>
          {theirs ? 'Take theirs' : 'Drop mine'}
        </button>
      </div>
    </section>
  );
}

function Version(props: { title: string; values: RecordValues; fields: readonly FieldInfo[]; other: RecordValues | undefined }): JSX.Element {
  const { values, other } = props;
  return (
    <section aria-label={props.title}>
      <h3>{props.title}</h3>
      <dl class="version">
        {props.fields.map(({ field, label }) => (
          <Entry key={field} label={label} differs={other !== undefined && (values.fields[field] ?? null) !== (other.fields[field] ?? null)}>
            {values.fields[field] ?? <span class="hint">(none)</span>}
          </Entry>
        ))}
        <Entry label="Custom" differs={other !== undefined && !sameCustom(values.custom ?? {}, other.custom ?? {})}>
          <CustomText custom={values.custom} />
        </Entry>
      </dl>
    </section>
  );
}

function Entry(props: { label: string; differs: boolean; children: JSX.Element | string }): JSX.Element {
  return (
    <>
      <dt>
        {props.label}
        {props.differs && <span class="differs"> (differs)</span>}
      </dt>
      <dd class={props.differs ? 'differs' : undefined}>{props.children}</dd>
    </>
  );
}

function CustomText(props: { custom: CustomValues | null }): JSX.Element {
  if (props.custom === null || Object.keys(props.custom).length === 0) return <span class="hint">(none)</span>;
  return <pre>{JSON.stringify(props.custom, null, 2)}</pre>;
}
