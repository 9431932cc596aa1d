import type { JSX, TargetedEvent } from 'preact';
import { useId, useRef, useState } from 'preact/hooks';
import { idProblem } from '../limits.ts';
import { KINDS, type RecordKind } from '../records.ts';
import { href, navigate } from '../router.ts';

/**
 * "New user" / "New channel": asks for the id in a modal dialog (it must not be empty), then
 * opens `#/users/<id>?new=1`, where the record is filled in and created.
 */
export function NewRecordButton(props: { kind: RecordKind }): JSX.Element {
  const id = useId();
  const info = KINDS[props.kind];
  const dialog = useRef<HTMLDialogElement>(null);
  const [value, setValue] = useState('');
  const [problem, setProblem] = useState<string | undefined>(undefined);

  const open = () => {
    setValue('');
    setProblem(undefined);
    dialog.current?.showModal();
  };
  const submit = (event: TargetedEvent<HTMLFormElement>) => {
    event.preventDefault();
    if (value.trim() === '') {
      setProblem(`Enter an id for the new ${info.singular}.`);
      return;
    }
    const idIssue = idProblem(props.kind, value);
    if (idIssue !== undefined) {
      setProblem(idIssue);
      return;
    }
    dialog.current?.close();
    navigate(`${href(info.section, value)}?new=1`);
  };

  return (
    <>
      <button type="button" onClick={open}>
        New {info.singular}
      </button>
      <dialog ref={dialog} aria-labelledby={`${id}-title`}>
        <form onSubmit={submit} noValidate>
          <h2 id={`${id}-title`}>New {info.singular}</h2>
          <label for={`${id}-id`}>Id of the new {info.singular}</label>
          <input
            id={`${id}-id`}
            value={value}
            autocomplete="off"
            spellcheck={false}
            required
            aria-invalid={problem ? 'true' : undefined}
            aria-describedby={`${id}-problem`}
            onInput={(event) => {
              setValue(event.currentTarget.value);
              setProblem(undefined);
            }}
          />
          <p id={`${id}-problem`} class="error" role="alert">
            {problem}
          </p>
          <div class="toolbar">
            <button type="submit">Continue</button>
            <button type="button" class="secondary" onClick={() => dialog.current?.close()}>
              Cancel
            </button>
          </div>
        </form>
      </dialog>
    </>
  );
}
