import {
  MemberIncludes,
  MembershipIncludes,
  PNChannelMembership,
  PNNextPage,
  PNPreviousPage,
  PNSortKey,
  PNUUID,
  type CustomData,
  type PNListResult,
  type PNPage,
  type RelationFields,
} from '@roster/sdk';
import { KINDS, type RecordKind } from '../records.ts';
import type { Session } from '../session.ts';

/**
 * One membership as the console shows it, seen from its owner (the page's user or channel): the
 * other end is the channel (a user's memberships) or the user (a channel's members).
 */
export interface MembershipRow {
  otherId: string;
  /** The other end's name, when it has metadata. */
  otherName: string | undefined;
  status: string | null;
  type: string | null;
  custom: CustomData | null;
  /** RFC 3339. */
  updated: string;
  eTag: string;
}

/** A membership's own fields to write: a field left out stays as it is, `null` clears it. */
export interface MembershipFields {
  status?: string | null;
  type?: string | null;
  custom?: CustomData | null;
}

export type SortField = 'id' | 'updated';

export interface MembershipSort {
  field: SortField;
  direction: 'asc' | 'desc';
}

/** Which page of the list, narrowed and ordered how. */
export interface MembershipQuery {
  filter: string;
  sort: MembershipSort | undefined;
  page: PNPage | null;
  /** How many rows come before this page (counted as the pages were walked), for "26–50 of 80". */
  offset: number;
}

export interface MembershipPage {
  rows: MembershipRow[];
  totalCount: number | undefined;
  next: string | undefined;
  prev: string | undefined;
}

export const PAGE_SIZE = 25;

/** The kind of record at the other end of a membership. */
export const otherKind = (kind: RecordKind): RecordKind => (kind === 'user' ? 'channel' : 'user');

/** How the list names its rows: `Channels` of a user, `Members` of a channel. */
export const listTitle = (kind: RecordKind): string => (kind === 'user' ? 'Channels' : 'Members');

/** The other end, in words: `channel`, `user`. */
export const otherNoun = (kind: RecordKind): string => KINDS[otherKind(kind)].singular;

/** `count channels`, `1 user`. */
export function countOf(kind: RecordKind, count: number): string {
  return `${count} ${otherNoun(kind)}${count === 1 ? '' : 's'}`;
}

/** The query for the page a Pager asks for (`{}`: the first), `shown` rows being on screen. */
export function turnPage(query: MembershipQuery, cursor: { next?: string; prev?: string }, shown: number): MembershipQuery {
  if (cursor.next !== undefined) return { ...query, page: new PNNextPage(cursor.next), offset: query.offset + shown };
  if (cursor.prev !== undefined) return { ...query, page: new PNPreviousPage(cursor.prev), offset: Math.max(0, query.offset - PAGE_SIZE) };
  return { ...query, page: null, offset: 0 };
}

interface RelationItem {
  status?: string | null;
  type?: string | null;
  custom?: CustomData | null;
  updated: string;
  eTag: string;
}

function rowOf(other: { id: string; name?: string | null }, item: RelationItem): MembershipRow {
  return {
    otherId: other.id,
    otherName: other.name ?? undefined,
    status: item.status ?? null,
    type: item.type ?? null,
    custom: item.custom ?? null,
    updated: item.updated,
    eTag: item.eTag,
  };
}

function pageOf<T>(result: PNListResult<T>, row: (item: T) => MembershipRow): MembershipPage {
  return {
    rows: result.data.map(row),
    totalCount: result.totalCount ?? undefined,
    next: result.next?.hash,
    prev: result.prev?.hash,
  };
}

/** The list options both sides share: one page, its filter and its order. */
function listOptions(kind: RecordKind, query: MembershipQuery) {
  const key = query.sort?.field === 'updated' ? 'updated' : kind === 'user' ? 'channel.id' : 'uuid.id';
  return {
    limit: PAGE_SIZE,
    page: query.page,
    ...(query.filter !== '' && { filter: query.filter }),
    ...(query.sort !== undefined && { sort: query.sort.direction === 'asc' ? PNSortKey.asc(key) : PNSortKey.desc(key) }),
  };
}

/**
 * One page of a user's memberships (`kind` `user`) or a channel's members (`channel`), with each
 * membership's custom, status and type, the other end's name, and the total count.
 * @throws PubNubException (a 400 naming `filter` or `sort` for a refused filter or order)
 */
export async function listMemberships(session: Session, kind: RecordKind, id: string, query: MembershipQuery): Promise<MembershipPage> {
  const fields = { totalCount: true, custom: true, status: true, type: true };
  if (kind === 'user') {
    const include = new MembershipIncludes({ ...fields, channel: true });
    const { result } = await session.client.getMemberships({ uuid: id, include, ...listOptions(kind, query) }).sync();
    return pageOf(result, (item) => rowOf(item.channel, item));
  }
  const include = new MemberIncludes({ ...fields, user: true });
  const { result } = await session.client.getChannelMembers({ channel: id, include, ...listOptions(kind, query) }).sync();
  return pageOf(result, (item) => rowOf(item.uuid, item));
}

/**
 * The SDK types a relation's fields as strings; the server also takes `null` (clear the field),
 * and the SDK sends each field as given.
 */
const relationFields = (fields: MembershipFields): RelationFields<CustomData> => fields as RelationFields<CustomData>;

/**
 * Adds the owner to (or updates) each of `otherIds` with the same fields, in one request.
 * @throws PubNubException (400 naming `set[i]…` for a refused field, a missing end under
 * referential integrity, or a limit; 403 without the permission)
 */
export async function setMemberships(session: Session, kind: RecordKind, id: string, otherIds: readonly string[], fields: MembershipFields): Promise<void> {
  // The write answers with the owner's list; one item is all the console reads of it (nothing).
  if (kind === 'user') {
    const channelMemberships = otherIds.map((other) => new PNChannelMembership<CustomData>(other, relationFields(fields)));
    await session.client.setMemberships({ uuid: id, channelMemberships, limit: 1 }).sync();
    return;
  }
  const uuids = otherIds.map((other) => new PNUUID<CustomData>(other, relationFields(fields)));
  await session.client.setChannelMembers({ channel: id, uuids, limit: 1 }).sync();
}

/**
 * Removes the owner's memberships with each of `otherIds`, in one request.
 * @throws PubNubException
 */
export async function removeMemberships(session: Session, kind: RecordKind, id: string, otherIds: readonly string[]): Promise<void> {
  if (kind === 'user') await session.client.removeMemberships({ uuid: id, channelMemberships: otherIds, limit: 1 }).sync();
  else await session.client.removeChannelMembers({ channel: id, uuids: otherIds, limit: 1 }).sync();
}

/** Ids typed one per line or separated by commas: trimmed, blanks and repeats dropped. */
export function parseIds(text: string): string[] {
  return [...new Set(text.split(/[,\n]/).map((part) => part.trim()))].filter((part) => part !== '');
}

/** `custom` in one short line: `seat=4, vip=true`, cut at `max` characters. */
export function compactCustom(custom: CustomData | null, max = 60): string {
  if (custom === null) return '';
  const text = Object.entries(custom)
    .map(([key, value]) => `${key}=${typeof value === 'string' ? value : JSON.stringify(value)}`)
    .join(', ');
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}
