import type { CustomData } from '@roster/sdk';
import { useCallback, useMemo, useState } from 'preact/hooks';
import { useLiveChanges, type LiveChange } from '../live.ts';
import type { RecordKind } from '../records.ts';
import type { Session } from '../session.ts';
import { useFlash, usePageLoad } from './list-load.ts';
import { listMemberships, type MembershipPage, type MembershipQuery, type MembershipRow } from './membership-calls.ts';

/** The list as on screen: the page, how it was asked for, what went wrong, and live marks. */
export interface MembershipList {
  query: MembershipQuery;
  setQuery: (query: MembershipQuery) => void;
  /** Fetches the page again (after a write). */
  reload: () => void;
  page: MembershipPage | undefined;
  loading: boolean;
  error: string | undefined;
  /** The server's refusal of the filter, for the filter box. */
  filterError: string | undefined;
  flashing: ReadonlySet<string>;
  deleted: ReadonlySet<string>;
  /** The last live change, in words, for a polite live region. */
  liveNotice: string;
}

const without = (set: ReadonlySet<string>, id: string): ReadonlySet<string> => new Set([...set].filter((item) => item !== id));

/** The membership fields a set event carries (only those the write sent, plus `updated` and `eTag`). */
function changedFields(data: Record<string, unknown>): Partial<MembershipRow> {
  const fields: { -readonly [K in keyof MembershipRow]?: MembershipRow[K] } = {};
  for (const key of ['status', 'type'] as const) {
    const value = data[key];
    if (typeof value === 'string' || value === null) fields[key] = value;
  }
  const custom = data['custom'];
  if (custom === null || (typeof custom === 'object' && !Array.isArray(custom))) fields.custom = custom as CustomData | null;
  if (typeof data['updated'] === 'string') fields.updated = data['updated'];
  if (typeof data['eTag'] === 'string') fields.eTag = data['eTag'];
  return fields;
}

/** Merges a set event into the row it names, or puts a new row first. */
function upsert(page: MembershipPage | undefined, otherId: string, fields: Partial<MembershipRow>): MembershipPage | undefined {
  if (page === undefined) return page;
  if (page.rows.some((row) => row.otherId === otherId)) {
    return { ...page, rows: page.rows.map((row) => (row.otherId === otherId ? { ...row, ...fields } : row)) };
  }
  const row: MembershipRow = { otherId, otherName: undefined, status: null, type: null, custom: null, updated: '', eTag: '', ...fields };
  return { ...page, rows: [row, ...page.rows] };
}

/**
 * One page of a user's memberships or a channel's members, fetched whenever the query changes,
 * and kept current by the owner's App Context events: a membership set elsewhere updates (or
 * adds) its row and flashes it; one deleted elsewhere stays on screen, marked deleted.
 */
export function useMembershipList(session: Session, kind: RecordKind, id: string): MembershipList {
  const [query, setQuery] = useState<MembershipQuery>({ filter: '', sort: undefined, page: null, offset: 0 });
  const [tick, setTick] = useState(0);
  const [page, setPage] = useState<MembershipPage>();
  const [deleted, setDeleted] = useState<ReadonlySet<string>>(new Set());
  const [liveNotice, setLiveNotice] = useState('');
  const [flashing, flash] = useFlash();
  const { loading, error, filterError } = usePageLoad(
    () => listMemberships(session, kind, id, query),
    [session, kind, id, query, tick],
    (result) => {
      setPage(result);
      setDeleted(new Set());
    },
  );

  const onChange = useCallback(
    (change: LiveChange) => {
      if (change.type !== 'membership-set' && change.type !== 'membership-delete') return;
      if ((kind === 'user' ? change.userId : change.channelId) !== id) return;
      const otherId = kind === 'user' ? change.channelId : change.userId;
      const noun = kind === 'user' ? 'Channel' : 'Member';
      if (change.type === 'membership-delete') {
        setDeleted((current) => new Set(current).add(otherId));
        setLiveNotice(`${noun} ${otherId} removed.`);
        return;
      }
      setPage((current) => upsert(current, otherId, changedFields(change.data)));
      setDeleted((current) => without(current, otherId));
      setLiveNotice(`${noun} ${otherId} updated.`);
      flash(otherId);
    },
    [kind, id, flash],
  );
  useLiveChanges(
    session,
    useMemo(() => [id], [id]),
    onChange,
  );

  const reload = useCallback(() => setTick((count) => count + 1), []);
  return { query, setQuery, reload, page, loading, error, filterError, flashing, deleted, liveNotice };
}
