import type { ComponentChildren, JSX } from 'preact';
import { useId, useLayoutEffect, useRef } from 'preact/hooks';

/**
 * A modal dialog, open while mounted: focus moves into it and stays there, Escape calls
 * `onClose`, and closing returns focus to what had it before (when that is still on the page).
 */
export function MembershipDialog(props: { title: string; onClose: () => void; children: ComponentChildren }): JSX.Element {
  const ref = useRef<HTMLDialogElement>(null);
  const titleId = useId();
  // A layout effect: opening, closing and giving focus back happen in the same commit as the
  // render, so the dialog never shows content meant for its closed state.
  useLayoutEffect(() => {
    const dialog = ref.current;
    const opener = document.activeElement instanceof HTMLElement ? document.activeElement : null;
    dialog?.showModal();
    return () => {
      if (dialog?.open) dialog.close();
      if (opener?.isConnected) opener.focus();
    };
  }, []);
  const cancel = (event: Event) => {
    event.preventDefault();
    props.onClose();
  };
  return (
    <dialog ref={ref} aria-labelledby={titleId} onCancel={cancel}>
      <h2 id={titleId}>{props.title}</h2>
      {props.children}
    </dialog>
  );
}
