import type { JSX } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { ConfirmDialog } from '../components/confirm-dialog.tsx';
import { ConflictView } from '../components/conflict.tsx';
import { formatDate } from '../dates.ts';
import { idProblem } from '../limits.ts';
import { FIELDS } from '../record-api.ts';
import { KINDS, type RecordKind } from '../records.ts';
import { href } from '../router.ts';
import type { Session } from '../session.ts';
import { MembershipsPanel } from './memberships.tsx';
import { problemsOf, valuesOf } from './record-draft.ts';
import { useRecordEditor } from './record-editor.ts';
import { RecordFields } from './record-form.tsx';

type Editor = ReturnType<typeof useRecordEditor>;

/** One user or channel: every field and `custom`, save with If-Match, delete; its memberships below. */
export function RecordPage(props: { kind: RecordKind; id: string; isNew: boolean; session: Session }): JSX.Element {
  const { kind, id } = props;
  const info = KINDS[kind];
  const editor = useRecordEditor(props.session, kind, id, props.isNew);
  const Noun = info.singular[0]!.toUpperCase() + info.singular.slice(1);
  return (
    <>
      <p>
        <a href={href(info.section)}>All {info.section}</a>
      </p>
      <h1 id="record-title">
        {editor.creating ? `New ${info.singular}` : Noun} <code>{id}</code>
      </h1>
      <Body {...props} editor={editor} />
    </>
  );
}

function Body(props: { kind: RecordKind; id: string; session: Session; editor: Editor }): JSX.Element {
  const { kind, id, editor } = props;
  const info = KINDS[kind];
  switch (editor.phase) {
    case 'loading':
      return <p role="status">Loading…</p>;
    case 'failed':
      return (
        <p class="error" role="alert">
          Could not load this {info.singular}: {editor.message?.text}
        </p>
      );
    case 'missing':
      // Without referential integrity memberships may name an id that has no metadata: show them anyway.
      return (
        <>
          <p role="status">
            There is no {info.singular} with id <code>{id}</code>. <a href={`${href(info.section, id)}?new=1`}>Create it</a>
          </p>
          <MembershipsPanel kind={kind} id={id} session={props.session} />
        </>
      );
    case 'exists':
      return (
        <p class="error" role="alert">
          A {info.singular} with id <code>{id}</code> exists already, so a new one was not created and nothing was overwritten.{' '}
          <a href={href(info.section, id)}>Open it</a>
        </p>
      );
    case 'ready':
      return <Editing {...props} />;
  }
}

function Editing(props: { kind: RecordKind; id: string; session: Session; editor: Editor }): JSX.Element {
  const { kind, id, editor } = props;
  const info = KINDS[kind];
  const [confirming, setConfirming] = useState(false);
  const flashing = useFlash(editor.flash);
  const problems = problemsOf(kind, id, editor.draft, editor.base);
  const idIssue = editor.creating ? idProblem(kind, id) : undefined;
  const deleted = editor.live === 'deleted';
  const blocked = Object.keys(problems.fields).length > 0 || problems.record !== undefined || editor.customProblem !== undefined || idIssue !== undefined;
  const canSave = !blocked && !editor.busy && !deleted && editor.conflict === undefined;
  return (
    <>
      <LiveNotice live={editor.live} singular={info.singular} />
      {editor.conflict && (
        <ConflictView
          fields={FIELDS[kind]}
          mine={valuesOf(kind, editor.draft, editor.base)}
          theirs={editor.conflict.theirs}
          busy={editor.busy}
          onSaveMine={() => void editor.resolve.saveMine()}
          onKeepEditing={editor.resolve.keepEditing}
          onTakeTheirs={editor.resolve.takeTheirs}
        />
      )}
      <form
        class={[deleted && 'deleted', flashing && 'flash'].filter(Boolean).join(' ') || undefined}
        aria-labelledby="record-title"
        noValidate
        onSubmit={(event) => {
          event.preventDefault();
          if (canSave) void editor.save();
        }}
      >
        {idIssue && <p class="error">{idIssue}</p>}
        <RecordFields
          fields={FIELDS[kind]}
          draft={editor.draft}
          onDraft={editor.setDraft}
          problems={problems}
          serverProblems={editor.serverProblems}
          generation={editor.generation}
          onCustomProblem={editor.setCustomProblem}
          disabled={deleted}
        />
        {problems.record && <p class="error">{problems.record}</p>}
        {editor.serverProblems['record'] && <p class="error">{editor.serverProblems['record']}</p>}
        <div class="toolbar">
          <button type="submit" disabled={!canSave}>
            {editor.creating ? 'Create' : 'Save'}
          </button>
          {!editor.creating && (
            <button type="button" class="danger" disabled={editor.busy || deleted} onClick={() => setConfirming(true)}>
              Delete
            </button>
          )}
        </div>
        <p role="status" class={editor.message?.tone === 'error' ? 'error' : 'ok'}>
          {editor.message?.text}
        </p>
      </form>
      {editor.base && (
        <p class="hint">
          Last updated <time dateTime={editor.base.updated}>{formatDate(editor.base.updated)}</time>; eTag <code>{editor.base.eTag}</code>
        </p>
      )}
      <ConfirmDialog
        open={confirming}
        title={`Delete ${info.singular} ${id}?`}
        confirmLabel={`Delete ${info.singular}`}
        busy={editor.busy}
        onCancel={() => setConfirming(false)}
        onConfirm={() => void editor.remove()}
      >
        <p>
          The {info.singular} <strong>{id}</strong> and its metadata are deleted from this keyset. This cannot be undone.
        </p>
      </ConfirmDialog>
      {!editor.creating && <MembershipsPanel kind={kind} id={id} session={props.session} />}
    </>
  );
}

function LiveNotice(props: { live: 'changed' | 'deleted' | undefined; singular: string }): JSX.Element | null {
  if (props.live === 'changed') {
    return (
      <p class="notice" role="status">
        This {props.singular} was changed elsewhere while you were editing. Saving will show both versions so you can choose.
      </p>
    );
  }
  if (props.live === 'deleted') {
    return (
      <p class="notice error" role="alert">
        This {props.singular} was deleted elsewhere. Its form is kept for reference only.
      </p>
    );
  }
  return null;
}

/** True for a moment each time `count` goes up: the form flashes after a reload from elsewhere. */
function useFlash(count: number): boolean {
  const [on, setOn] = useState(false);
  useEffect(() => {
    if (count === 0) return;
    setOn(true);
    const timer = setTimeout(() => setOn(false), 1500);
    return () => clearTimeout(timer);
  }, [count]);
  return on;
}
