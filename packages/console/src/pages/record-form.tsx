import type { JSX } from 'preact';
import { CustomEditor } from '../components/custom-editor.tsx';
import type { FieldInfo } from '../record-api.ts';
import type { Draft, Problems } from './record-draft.ts';

export interface RecordFormProps {
  fields: readonly FieldInfo[];
  draft: Draft;
  onDraft: (draft: Draft) => void;
  /** Problems found before sending, by field. */
  problems: Problems;
  /** The server's refusals by field (`custom`, `record` included). */
  serverProblems: Record<string, string>;
  /** Changes when the form is refilled, so the custom editor starts over. */
  generation: number;
  onCustomProblem: (problem: string | undefined) => void;
  disabled: boolean;
}

/** The record's fields in the server's order, each labelled with its problem tied to it, then `custom`. */
export function RecordFields(props: RecordFormProps): JSX.Element {
  const { draft } = props;
  return (
    <fieldset class="record-fields" disabled={props.disabled}>
      <legend class="visually-hidden">Fields</legend>
      {props.fields.map((info) => (
        <Field
          key={info.field}
          info={info}
          value={draft.fields[info.field] ?? ''}
          problem={props.problems.fields[info.field] ?? props.serverProblems[info.field]}
          onInput={(value) => props.onDraft({ ...draft, fields: { ...draft.fields, [info.field]: value } })}
        />
      ))}
      <CustomEditor
        key={props.generation}
        label="Custom fields"
        value={draft.custom}
        onChange={(custom, problem) => {
          props.onCustomProblem(problem);
          props.onDraft({ ...draft, custom });
        }}
      />
      {props.serverProblems['custom'] && <p class="error">{props.serverProblems['custom']}</p>}
    </fieldset>
  );
}

function Field(props: { info: FieldInfo; value: string; problem: string | undefined; onInput: (value: string) => void }): JSX.Element {
  const { field, label, input } = props.info;
  const id = `field-${field}`;
  const common = {
    id,
    name: field,
    value: props.value,
    'aria-invalid': props.problem !== undefined,
    'aria-describedby': props.problem === undefined ? undefined : `${id}-problem`,
  };
  return (
    <div class="field">
      <label for={id}>{label}</label>
      {input === 'textarea' ? (
        <textarea {...common} onInput={(event) => props.onInput(event.currentTarget.value)} />
      ) : (
        <input
          {...common}
          // Preact types each input type separately; these three take the same attributes.
          type={input as 'text'}
          autocomplete="off"
          spellcheck={input === 'text'}
          onInput={(event) => props.onInput(event.currentTarget.value)}
        />
      )}
      {props.problem !== undefined && (
        <p id={`${id}-problem`} class="error">
          {props.problem}
        </p>
      )}
    </div>
  );
}
