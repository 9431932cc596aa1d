import type { JSX } from 'preact';
import { useId, useState } from 'preact/hooks';
import { describeError } from '../errors.ts';
import { KINDS, type RecordKind } from '../records.ts';
import { ErrorAlert, SubmitBar, useAction } from './form-parts.tsx';
import { listTitle, otherKind, parseIds, type MembershipFields } from './membership-calls.ts';
import { emptyFields, MembershipFieldInputs, type FieldValues } from './membership-fields.tsx';

/** The fields to send for a new membership: only those given. */
function newFields(values: FieldValues): MembershipFields {
  return {
    ...(values.status !== '' && { status: values.status }),
    ...(values.type !== '' && { type: values.type }),
    ...(Object.keys(values.custom).length > 0 && { custom: values.custom }),
  };
}

/**
 * Adds the page's user to channels (or users to the page's channel): one id or several,
 * separated by commas or new lines, all with the same status, type and custom, in one request.
 * `onAdd` rejects with the server's refusal, shown here.
 */
export function MembershipAddForm(props: { kind: RecordKind; onAdd: (ids: string[], fields: MembershipFields) => Promise<void> }): JSX.Element {
  const other = KINDS[otherKind(props.kind)];
  const idsId = useId();
  const [ids, setIds] = useState('');
  const [values, setValues] = useState(emptyFields);
  /** Counts the adds: the field inputs (the custom editor with them) start over after each. */
  const [added, setAdded] = useState(0);
  const add = useAction(describeError);

  const submit = (event: Event) => {
    event.preventDefault();
    const list = parseIds(ids);
    if (list.length === 0) return add.setError(`Give at least one ${other.singular} id.`);
    if (values.customProblem !== undefined) return add.setError(`Custom: ${values.customProblem}`);
    return add.run(async () => {
      await props.onAdd(list, newFields(values));
      setIds('');
      setValues(emptyFields());
      setAdded((count) => count + 1);
    });
  };

  return (
    <details class="membership-add">
      <summary>Add {listTitle(props.kind).toLowerCase()}</summary>
      <form onSubmit={submit} aria-busy={add.busy}>
        <label for={idsId}>{other.singular === 'user' ? 'User ids' : 'Channel ids'}</label>
        <textarea id={idsId} aria-describedby={`${idsId}-hint`} value={ids} onInput={(event) => setIds(event.currentTarget.value)} />
        <p class="hint" id={`${idsId}-hint`}>
          One or several, separated by commas or new lines; all get the status, type and custom below.
        </p>
        <MembershipFieldInputs key={added} prefix="Membership" values={values} onChange={setValues} />
        <ErrorAlert message={add.error} />
        <SubmitBar label="Add" busy={add.busy} />
      </form>
    </details>
  );
}
