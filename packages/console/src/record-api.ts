import type { ChannelMetadata, UUIDMetadata } from '@roster/sdk';
import { statusCodeOf } from './errors.ts';
import type { CustomValues, TextField } from './limits.ts';
import type { RecordKind } from './records.ts';
import type { Session } from './session.ts';

/** How the form shows a text field: its label and the input it takes. */
export interface FieldInfo {
  field: TextField;
  label: string;
  input: 'text' | 'email' | 'url' | 'textarea';
}

/** Every field of a user and of a channel the console edits besides `custom`, in the server's stored order. */
export const FIELDS: Record<RecordKind, readonly FieldInfo[]> = {
  user: [
    { field: 'name', label: 'Name', input: 'text' },
    { field: 'externalId', label: 'External ID', input: 'text' },
    { field: 'profileUrl', label: 'Profile URL', input: 'url' },
    { field: 'email', label: 'Email', input: 'email' },
    { field: 'status', label: 'Status', input: 'text' },
    { field: 'type', label: 'Type', input: 'text' },
  ],
  channel: [
    { field: 'name', label: 'Name', input: 'text' },
    { field: 'description', label: 'Description', input: 'textarea' },
    { field: 'status', label: 'Status', input: 'text' },
    { field: 'type', label: 'Type', input: 'text' },
  ],
};

export type FieldValues = Partial<Record<TextField, string | null>>;

/** A user or channel as the server stores it: its text fields (`null` when unset), `custom`, `updated` and `eTag`. */
export interface StoredRecord {
  id: string;
  fields: FieldValues;
  custom: CustomValues | null;
  /** RFC 3339. */
  updated: string;
  /** The version, for `If-Match`. */
  eTag: string;
}

/** What a save writes: every editable field (`null` clears it) and `custom` as a whole. */
export interface RecordValues {
  fields: FieldValues;
  custom: CustomValues | null;
}

function storedOf(kind: RecordKind, data: UUIDMetadata | ChannelMetadata): StoredRecord {
  const source = data as unknown as Record<string, unknown>;
  const fields: FieldValues = {};
  for (const { field } of FIELDS[kind]) {
    const value = source[field];
    fields[field] = typeof value === 'string' ? value : null;
  }
  return { id: data.id, fields, custom: data.custom ?? null, updated: data.updated, eTag: data.eTag };
}

/** The record as the server would measure it for `maxRecordBytes`: every stored field, `updated` and `eTag`. */
export function storedShape(
  kind: RecordKind,
  id: string,
  values: RecordValues,
  version: { updated: string; eTag: string } | undefined,
): Record<string, unknown> {
  const fields = Object.fromEntries(FIELDS[kind].map(({ field }) => [field, values.fields[field] ?? null]));
  return { id, ...fields, custom: values.custom, updated: version?.updated ?? '', eTag: version?.eTag ?? '' };
}

/** The record, with `custom`; `undefined` when it does not exist (404). Other failures throw the SDK's exception. */
export async function loadRecord(session: Session, kind: RecordKind, id: string): Promise<StoredRecord | undefined> {
  try {
    const { result } =
      kind === 'user'
        ? await session.client.getUUIDMetadata({ uuid: id, includeCustom: true }).sync()
        : await session.client.getChannelMetadata({ channel: id, includeCustom: true }).sync();
    return storedOf(kind, result.data);
  } catch (error) {
    if (statusCodeOf(error) === 404) return undefined;
    throw error;
  }
}

/**
 * Writes every editable field and `custom`. With `ifMatch` the server writes only if the stored
 * version still has that eTag, and fails with 412 otherwise (the record changed or was deleted).
 */
export async function saveRecord(session: Session, kind: RecordKind, id: string, values: RecordValues, ifMatch: string | undefined): Promise<StoredRecord> {
  const options = { ...values.fields, custom: values.custom, includeCustom: true, ...(ifMatch !== undefined && { ifMatchesEtag: ifMatch }) };
  const { result } =
    kind === 'user'
      ? await session.client.setUUIDMetadata({ ...options, uuid: id }).sync()
      : await session.client.setChannelMetadata({ ...options, channel: id }).sync();
  return storedOf(kind, result.data);
}

export async function removeRecord(session: Session, kind: RecordKind, id: string): Promise<void> {
  if (kind === 'user') await session.client.removeUUIDMetadata({ uuid: id }).sync();
  else await session.client.removeChannelMetadata({ channel: id }).sync();
}
