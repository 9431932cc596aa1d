import { sameCustom } from '../components/custom-rows.ts';
import { fieldProblem, recordBytesProblem, type CustomValues, type TextField } from '../limits.ts';
import { FIELDS, storedShape, type RecordValues, type StoredRecord } from '../record-api.ts';
import type { RecordKind } from '../records.ts';

/** The form as the operator has it: each field's text (`''` when unset) and `custom`. */
export interface Draft {
  fields: Partial<Record<TextField, string>>;
  custom: CustomValues;
}

/** The form for a stored record, or an empty one. */
export function draftOf(kind: RecordKind, record: StoredRecord | undefined): Draft {
  const fields = Object.fromEntries(FIELDS[kind].map(({ field }) => [field, record?.fields[field] ?? '']));
  return { fields, custom: { ...(record?.custom ?? {}) } };
}

/**
 * What saving the draft writes. An empty field clears it (`null`) and an empty `custom` is
 * `null`, unless `base` holds `''` or `{}` there: an untouched field is written as it was.
 */
export function valuesOf(kind: RecordKind, draft: Draft, base: StoredRecord | undefined): RecordValues {
  const fields = Object.fromEntries(
    FIELDS[kind].map(({ field }) => {
      const text = draft.fields[field] ?? '';
      return [field, text === '' && base?.fields[field] !== '' ? null : text];
    }),
  );
  const empty = Object.keys(draft.custom).length === 0;
  return { fields, custom: empty && base?.custom == null ? null : draft.custom };
}

/** Whether the draft differs from `base` (from an empty form when `base` is undefined). */
export function isDirty(kind: RecordKind, draft: Draft, base: StoredRecord | undefined): boolean {
  const saved = draftOf(kind, base);
  return FIELDS[kind].some(({ field }) => draft.fields[field] !== saved.fields[field]) || !sameCustom(draft.custom, saved.custom);
}

export interface Problems {
  /** By field, in the server's words. */
  fields: Partial<Record<TextField, string>>;
  /** The whole record would exceed the size limit. */
  record: string | undefined;
}

/** What the server would refuse in the draft, found before sending. */
export function problemsOf(kind: RecordKind, id: string, draft: Draft, base: StoredRecord | undefined): Problems {
  const values = valuesOf(kind, draft, base);
  const fields: Problems['fields'] = {};
  for (const { field } of FIELDS[kind]) {
    const problem = fieldProblem(kind, field, values.fields[field] ?? null);
    if (problem !== undefined) fields[field] = problem;
  }
  return { fields, record: recordBytesProblem(storedShape(kind, id, values, base)) };
}

/**
 * The server's 400 details as problems by field: `user.email` → `email`; `custom` and its keys
 * (`user.custom.x`) → `custom`; anything else (the body as a whole) → `record`.
 */
export function serverProblemsOf(details: readonly { location?: string | undefined; message: string }[]): Record<string, string> {
  const problems: Record<string, string> = {};
  for (const detail of details) {
    const path = (detail.location ?? '').replace(/^(user|channel)\./, '');
    const field = path.startsWith('custom') ? 'custom' : FIELD_NAMES.has(path) ? path : 'record';
    problems[field] ??= detail.message;
  }
  return problems;
}

const FIELD_NAMES = new Set<string>([...FIELDS.user, ...FIELDS.channel].map(({ field }) => field));
