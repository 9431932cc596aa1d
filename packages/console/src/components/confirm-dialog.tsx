import type { ComponentChildren, JSX } from 'preact';
import { useId, useLayoutEffect, useRef } from 'preact/hooks';

export interface ConfirmDialogProps {
  open: boolean;
  title: string;
  /** What will happen, naming what it happens to. */
  children: ComponentChildren;
  confirmLabel: string;
  busy?: boolean;
  onConfirm: () => void;
  onCancel: () => void;
}

const FOCUSABLE = 'button:not([disabled]), [href], input:not([disabled]), select:not([disabled]), textarea:not([disabled]), [tabindex]:not([tabindex="-1"])';

/**
 * A modal `<dialog>` asking to confirm a destructive action. Opening it moves focus to Cancel
 * (the safe choice); Tab and Shift+Tab stay inside it; Escape cancels; on closing, focus returns
 * to what had it before (the button that opened it).
 */
export function ConfirmDialog(props: ConfirmDialogProps): JSX.Element {
  const dialog = useRef<HTMLDialogElement>(null);
  const cancel = useRef<HTMLButtonElement>(null);
  const id = useId();
  const onCancel = useRef(props.onCancel);
  onCancel.current = props.onCancel;

  // A layout effect: opening, closing and giving focus back happen in the same commit as the
  // render, so the dialog never shows content meant for its closed state.
  useLayoutEffect(() => {
    const element = dialog.current;
    if (!props.open || !element) return;
    const opener = document.activeElement instanceof HTMLElement ? document.activeElement : undefined;
    element.showModal();
    cancel.current?.focus();
    const escape = (event: Event) => {
      event.preventDefault(); // the page decides whether it closes
      onCancel.current();
    };
    element.addEventListener('cancel', escape);
    return () => {
      element.removeEventListener('cancel', escape);
      element.close();
      if (opener?.isConnected) opener.focus();
    };
  }, [props.open]);

  return (
    <dialog ref={dialog} aria-labelledby={`${id}-title`} aria-describedby={`${id}-body`} onKeyDown={(event) => trapTab(event, dialog.current)}>
      <h2 id={`${id}-title`}>{props.title}</h2>
      <div id={`${id}-body`}>{props.children}</div>
      <div class="toolbar">
        <button type="button" class="secondary" ref={cancel} onClick={props.onCancel}>
          Cancel
        </button>
        <button type="button" class="danger" disabled={props.busy === true} onClick={props.onConfirm}>
          {props.confirmLabel}
        </button>
      </div>
    </dialog>
  );
}

/** Keeps Tab inside the dialog: past the last control back to the first, and the other way. */
function trapTab(event: KeyboardEvent, dialog: HTMLDialogElement | null): void {
  if (event.key !== 'Tab' || !dialog) return;
  const controls = [...dialog.querySelectorAll<HTMLElement>(FOCUSABLE)];
  const first = controls[0];
  const last = controls[controls.length - 1];
  if (!first || !last) return;
  const target = event.shiftKey ? (document.activeElement === first ? last : undefined) : document.activeElement === last ? first : undefined;
  if (target === undefined) return;
  event.preventDefault();
  target.focus();
}
