import { isPubNubException } from '@roster/sdk';
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { describeError, statusCodeOf } from '../errors.ts';
import { useLiveChanges, type LiveChange } from '../live.ts';
import { loadRecord, removeRecord, saveRecord, type StoredRecord } from '../record-api.ts';
import { KINDS, type RecordKind } from '../records.ts';
import { href, navigate } from '../router.ts';
import type { Session } from '../session.ts';
import { draftOf, isDirty, serverProblemsOf, valuesOf, type Draft } from './record-draft.ts';

/** `loading`; `ready` to edit; `missing`: no such record; `exists`: asked to create an id that is taken; `failed`: could not load. */
export type Phase = 'loading' | 'ready' | 'missing' | 'exists' | 'failed';

/** A save refused with 412: the version on the server now (`undefined`: deleted since). */
export interface Conflict {
  theirs: StoredRecord | undefined;
}

export interface Message {
  tone: 'ok' | 'error';
  text: string;
}

/**
 * The state of one record's page and what the operator can do with it. Saves carry the eTag of
 * the version the form was loaded from, so a change made elsewhere meanwhile is a 412 and comes
 * back as a `conflict` for the operator to settle; nothing is overwritten unless they choose to.
 */
export function useRecordEditor(session: Session, kind: RecordKind, id: string, isNew: boolean) {
  const [phase, setPhase] = useState<Phase>('loading');
  const [creating, setCreating] = useState(isNew);
  const [base, setBase] = useState<StoredRecord | undefined>(undefined);
  const [draft, setDraft] = useState<Draft>(() => draftOf(kind, undefined));
  const [customProblem, setCustomProblem] = useState<string | undefined>(undefined);
  /** Changes when the form is refilled, so the custom editor starts over. */
  const [generation, setGeneration] = useState(0);
  const [conflict, setConflict] = useState<Conflict | undefined>(undefined);
  const [live, setLive] = useState<'changed' | 'deleted' | undefined>(undefined);
  const [message, setMessage] = useState<Message | undefined>(undefined);
  const [serverProblems, setServerProblems] = useState<Record<string, string>>({});
  const [busy, setBusy] = useState(false);
  const [flash, setFlash] = useState(0);
  const latest = useRef({ draft, base, creating, customProblem });
  latest.current = { draft, base, creating, customProblem };
  const section = KINDS[kind].section;

  /** Fills the form with `record` as the version edits are based on. */
  const adopt = (record: StoredRecord | undefined) => {
    setBase(record);
    setDraft(draftOf(kind, record));
    setCustomProblem(undefined);
    setServerProblems({});
    setLive(undefined);
    setGeneration((value) => value + 1);
  };

  useEffect(() => {
    let alive = true;
    setCreating(isNew);
    loadRecord(session, kind, id).then(
      (record) => {
        if (!alive) return;
        if (record && isNew) return setPhase('exists');
        if (!record && !isNew) return setPhase('missing');
        adopt(record);
        setPhase('ready');
      },
      (error: unknown) => {
        if (!alive) return;
        setMessage({ tone: 'error', text: describeError(error) });
        setPhase('failed');
      },
    );
    return () => void (alive = false);
    // The page is keyed by kind and id (app.tsx); `isNew` changes under it with "Create it" on a
    // missing record, "Open it" on a taken id, and when a create drops `?new=1` from the address.
  }, [session, kind, id, isNew]);

  /**
   * Whether the form holds edits a reload would lose: a draft unlike its base, or custom rows or
   * JSON being typed that do not make a value yet (the draft then keeps the last one that did).
   */
  const edited = () => {
    const { draft: current, base: version, customProblem: typing } = latest.current;
    return typing !== undefined || isDirty(kind, current, version);
  };

  const onLive = async (change: LiveChange) => {
    if (!('kind' in change) || change.kind !== kind || change.id !== id) return;
    const { base: version, creating: isCreating } = latest.current;
    if (change.type === 'delete') return void (isCreating || setLive('deleted'));
    if (version !== undefined && change.data['eTag'] === version.eTag) return; // our own save
    if (isCreating || edited()) return setLive('changed');
    const record = await loadRecord(session, kind, id).catch(() => undefined);
    if (record === undefined || edited()) return setLive(record ? 'changed' : 'deleted');
    adopt(record);
    setFlash((value) => value + 1);
    setMessage({ tone: 'ok', text: `Reloaded: this ${KINDS[kind].singular} was changed elsewhere.` });
  };
  const watched = useMemo(() => [id], [id]);
  useLiveChanges(session, watched, (change) => void onLive(change));

  const failed = async (error: unknown) => {
    if (statusCodeOf(error) === 412) {
      try {
        setConflict({ theirs: await loadRecord(session, kind, id) });
        setMessage(undefined);
      } catch (loadError) {
        setMessage({ tone: 'error', text: `Not saved: it changed on the server, and its current version could not be loaded: ${describeError(loadError)}` });
      }
      return;
    }
    setServerProblems(isPubNubException(error) ? serverProblemsOf(error.status.errorData?.details ?? []) : {});
    setMessage({ tone: 'error', text: `Not saved: ${describeError(error)}` });
  };

  /** Writes the draft; `ifMatch` as given (`undefined`: no precondition, for a create). Whether it was written. */
  const write = async (ifMatch: string | undefined, done: string): Promise<boolean> => {
    setBusy(true);
    setMessage(undefined);
    try {
      const saved = await saveRecord(session, kind, id, valuesOf(kind, draft, base), ifMatch);
      adopt(saved);
      setConflict(undefined);
      setMessage({ tone: 'ok', text: done });
      return true;
    } catch (error) {
      await failed(error);
      return false;
    } finally {
      setBusy(false);
    }
  };

  /** Creates the record unless the id has been taken meanwhile; a create never overwrites. */
  const create = async () => {
    setBusy(true);
    try {
      if (await loadRecord(session, kind, id)) {
        setMessage({ tone: 'error', text: `A ${KINDS[kind].singular} with id "${id}" exists already; nothing was written.` });
        setPhase('exists');
        return;
      }
    } catch (error) {
      setMessage({ tone: 'error', text: describeError(error) });
      return;
    } finally {
      setBusy(false);
    }
    if (!(await write(undefined, 'Created.'))) return;
    setCreating(false);
    // Replaced, not pushed: Back must not return to the empty form of a record that now exists.
    location.replace(href(section, id));
  };

  const save = () => (creating ? create() : write(base?.eTag, 'Saved.'));

  const remove = async () => {
    setBusy(true);
    try {
      await removeRecord(session, kind, id);
      navigate(href(section));
    } catch (error) {
      setMessage({ tone: 'error', text: `Not deleted: ${describeError(error)}` });
      setBusy(false);
    }
  };

  const resolve = {
    /** Writes the operator's version over the one on the server now (recreates it if it was deleted). */
    saveMine: () => write(conflict?.theirs?.eTag, 'Saved your version.'),
    /** Back to the form with the operator's edits, based on the current version: the next save overwrites it. */
    keepEditing: () => {
      setBase(conflict?.theirs);
      if (!conflict?.theirs) setCreating(true);
      setConflict(undefined);
      setLive(undefined);
    },
    /** Drops the operator's edits for the version on the server. */
    takeTheirs: () => {
      const theirs = conflict?.theirs;
      setConflict(undefined);
      if (theirs) adopt(theirs);
      else setPhase('missing');
      setMessage({ tone: 'ok', text: theirs ? 'Showing the current version; your edits were dropped.' : 'Your edits were dropped.' });
    },
  };

  const editDraft = (next: Draft) => {
    setDraft(next);
    setServerProblems({});
    setMessage(undefined);
  };

  return {
    phase,
    creating,
    base,
    draft,
    setDraft: editDraft,
    customProblem,
    setCustomProblem,
    generation,
    conflict,
    live,
    message,
    serverProblems,
    busy,
    flash,
    save,
    remove,
    resolve,
  };
}
