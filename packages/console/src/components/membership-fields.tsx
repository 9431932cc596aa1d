import type { JSX } from 'preact';
import { useId } from 'preact/hooks';
import { CustomEditor, type CustomValues } from './custom-editor.tsx';

/** What the status, type and custom inputs hold; `customProblem` is the editor's complaint, if any. */
export interface FieldValues {
  status: string;
  type: string;
  custom: CustomValues;
  customProblem: string | undefined;
}

export const emptyFields = (): FieldValues => ({ status: '', type: '', custom: {}, customProblem: undefined });

/** A labelled one-line text input. */
export function TextField(props: { label: string; value: string; hint?: string; onInput: (value: string) => void }): JSX.Element {
  const id = useId();
  const hintId = `${id}-hint`;
  return (
    <div>
      <label for={id}>{props.label}</label>
      <input
        id={id}
        type="text"
        value={props.value}
        aria-describedby={props.hint === undefined ? undefined : hintId}
        onInput={(event) => props.onInput(event.currentTarget.value)}
      />
      {props.hint !== undefined && (
        <p class="hint" id={hintId}>
          {props.hint}
        </p>
      )}
    </div>
  );
}

/** A membership's status, type and custom, labelled with `prefix` (`Membership status`). */
export function MembershipFieldInputs(props: { prefix: string; values: FieldValues; onChange: (values: FieldValues) => void }): JSX.Element {
  const { values, onChange } = props;
  const label = (field: string) => (props.prefix === '' ? field : `${props.prefix} ${field.toLowerCase()}`);
  return (
    <>
      <TextField label={label('Status')} value={values.status} onInput={(status) => onChange({ ...values, status })} />
      <TextField label={label('Type')} value={values.type} onInput={(type) => onChange({ ...values, type })} />
      <CustomEditor label={label('Custom')} value={values.custom} onChange={(custom, customProblem) => onChange({ ...values, custom, customProblem })} />
    </>
  );
}
