import { invalid } from '../errors.ts';
import { identityField, resolveField, type FieldRef, type Resource } from './fields.ts';

export type Direction = 'asc' | 'desc';

export interface SortKey {
  /** The field as the client named it, normalized (`channel.name`), for cursor fingerprints. */
  name: string;
  field: FieldRef;
  direction: Direction;
}

const MAX_SORT_KEYS = 8;

/**
 * Python sends bare `id`/`name`/`description` to the membership endpoints; they mean the
 * related object's fields there (wire-protocol.md §3.6).
 */
function relationAlias(resource: Resource, name: string): string {
  if (!['id', 'name', 'description', 'email', 'externalId', 'profileUrl'].includes(name)) return name;
  if (resource === 'memberships') return `channel.${name}`;
  if (resource === 'members') return `uuid.${name}`;
  return name;
}

/**
 * Parses `sort` values, repeated (`sort=name:asc&sort=updated`) or comma-joined
 * (`sort=id:asc,updated:desc`), into sort keys; a later key naming a field again is ignored.
 */
export function parseSort(resource: Resource, values: readonly string[]): SortKey[] {
  const keys: SortKey[] = [];
  for (const term of values.flatMap((value) => value.split(','))) {
    const trimmed = term.trim();
    if (trimmed === '') continue;
    const [rawName = '', rawDirection = 'asc', ...extra] = trimmed.split(':');
    const direction = rawDirection.toLowerCase();
    if (extra.length > 0 || (direction !== 'asc' && direction !== 'desc')) {
      throw invalid('sort', 'query', `Sort criterion '${trimmed}' must be 'field', 'field:asc' or 'field:desc'.`);
    }
    const name = relationAlias(resource, rawName.replace(/^space\./, 'channel.').replace(/^user\./, 'uuid.'));
    const field = resolveField(resource, name.split('.'));
    if (!field) throw invalid('sort', 'query', `Cannot sort on '${rawName}'.`);
    if (keys.some((key) => key.name === name)) continue;
    keys.push({ name, field, direction });
  }
  if (keys.length > MAX_SORT_KEYS) throw invalid('sort', 'query', `At most ${MAX_SORT_KEYS} sort criteria are allowed.`);
  return keys.length > 0 ? keys : [{ name: 'id', field: identityField(resource), direction: 'asc' }];
}
