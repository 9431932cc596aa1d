import type { JSX } from 'preact';
import { useState } from 'preact/hooks';
import { describeError } from '../errors.ts';
import type { RecordKind } from '../records.ts';
import { ErrorAlert, SubmitBar, useAction } from './form-parts.tsx';
import { otherNoun, type MembershipFields, type MembershipRow } from './membership-calls.ts';
import { MembershipDialog } from './membership-dialog.tsx';
import { MembershipFieldInputs, type FieldValues } from './membership-fields.tsx';

/** Every field as edited: an emptied status or type, or a custom with no keys, is cleared. */
function editedFields(values: FieldValues): MembershipFields {
  return {
    status: values.status === '' ? null : values.status,
    type: values.type === '' ? null : values.type,
    custom: Object.keys(values.custom).length === 0 ? null : values.custom,
  };
}

/**
 * One membership's status, type and custom in a modal dialog. `onSave` rejects with the
 * server's refusal, shown in the dialog; on success the caller closes it.
 */
export function MembershipEditDialog(props: {
  kind: RecordKind;
  row: MembershipRow;
  onSave: (fields: MembershipFields) => Promise<void>;
  onClose: () => void;
}): JSX.Element {
  const { row } = props;
  const [values, setValues] = useState<FieldValues>(() => ({
    status: row.status ?? '',
    type: row.type ?? '',
    custom: row.custom ?? {},
    customProblem: undefined,
  }));
  const save = useAction(describeError);

  // On success the caller closes the dialog.
  const submit = (event: Event) => {
    event.preventDefault();
    if (values.customProblem !== undefined) return save.setError(`Custom: ${values.customProblem}`);
    return save.run(() => props.onSave(editedFields(values)));
  };

  return (
    <MembershipDialog title={`Edit membership: ${otherNoun(props.kind)} ${row.otherId}`} onClose={props.onClose}>
      <form onSubmit={submit} aria-busy={save.busy}>
        <MembershipFieldInputs prefix="" values={values} onChange={setValues} />
        <ErrorAlert message={save.error} />
        <SubmitBar label="Save" busy={save.busy}>
          <button type="button" class="secondary" onClick={props.onClose}>
            Cancel
          </button>
        </SubmitBar>
      </form>
    </MembershipDialog>
  );
}
