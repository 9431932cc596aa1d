import type { JSX } from 'preact';
import { useState } from 'preact/hooks';
import { describeError } from '../errors.ts';
import type { MembershipFields } from './membership-calls.ts';
import { ErrorAlert, useAction } from './form-parts.tsx';
import { TextField } from './membership-fields.tsx';

/**
 * What to do with the selected rows: remove them (the caller confirms first), or give them all
 * one status and/or type (custom stays as each has it). `onSetFields` rejects with the server's
 * refusal, shown here.
 */
export function MembershipBulkBar(props: { count: number; onRemove: () => void; onSetFields: (fields: MembershipFields) => Promise<void> }): JSX.Element {
  const [status, setStatus] = useState('');
  const [type, setType] = useState('');
  const set = useAction(describeError);
  const none = props.count === 0;

  const apply = (event: Event) => {
    event.preventDefault();
    if (status === '' && type === '') return set.setError('Give a status, a type or both to set on the selected rows.');
    return set.run(async () => {
      await props.onSetFields({ ...(status !== '' && { status }), ...(type !== '' && { type }) });
      setStatus('');
      setType('');
    });
  };

  return (
    <form class="toolbar membership-bulk" aria-label="Selected rows" onSubmit={apply}>
      <p class="hint" aria-live="polite">
        {props.count} selected
      </p>
      <button type="button" class="danger" disabled={none} onClick={props.onRemove}>
        Remove selected
      </button>
      <TextField label="Status for selected" value={status} onInput={setStatus} />
      <TextField label="Type for selected" value={type} onInput={setType} />
      <button type="submit" class="secondary" disabled={none || set.busy}>
        Set on selected
      </button>
      <ErrorAlert message={set.error} />
    </form>
  );
}
