import type { ComponentChildren, JSX } from 'preact';
import { useState } from 'preact/hooks';

/** A form's action as `useAction` runs it: whether it is under way, and what the last run failed with. */
export interface Action {
  busy: boolean;
  /** The last run's failure in words, or a problem the form found itself (`setError`). */
  error: string | undefined;
  setError: (error: string | undefined) => void;
  /** Clears `error`, then runs `work` with `busy` on; what it throws becomes `error`, never a rejection. */
  run: (work: () => Promise<void>) => Promise<void>;
}

/** One action of a form (a submit, a confirmed removal), its failures put in words by `describe`. */
export function useAction(describe: (caught: unknown) => string): Action {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();
  const run = async (work: () => Promise<void>) => {
    setBusy(true);
    setError(undefined);
    try {
      await work();
    } catch (caught) {
      setError(describe(caught));
    } finally {
      setBusy(false);
    }
  };
  return { busy, error, setError, run };
}

/** A failure or refusal in words, read out at once (`role="alert"`); nothing while `message` is unset or empty. */
export function ErrorAlert(props: { message: string | undefined }): JSX.Element | null {
  if (!props.message) return null;
  return (
    <p class="error" role="alert">
      {props.message}
    </p>
  );
}

/** A form's toolbar: its submit button (`label`, off while `busy`), then `children` (more buttons). */
export function SubmitBar(props: { label: string; busy: boolean; children?: ComponentChildren }): JSX.Element {
  return (
    <div class="toolbar">
      <button type="submit" disabled={props.busy}>
        {props.label}
      </button>
      {props.children}
    </div>
  );
}
