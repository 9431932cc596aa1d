/**
 * A list's sort as the console keeps it in the hash route: `name:asc,updated:desc`, the same
 * text the server takes as `sort` (most significant key first).
 */
export type SortDirection = 'asc' | 'desc';

export interface SortTerm {
  field: string;
  direction: SortDirection;
}

/** The server refuses more keys than this (packages/server/src/query/sort.ts). */
export const MAX_SORT_KEYS = 8;

/** `name:asc,updated:desc` → terms; fields outside `allowed`, repeats and malformed terms are dropped. */
export function parseSort(text: string | null, allowed: readonly string[]): SortTerm[] {
  const terms: SortTerm[] = [];
  for (const part of (text ?? '').split(',')) {
    const [field = '', direction = 'asc'] = part.trim().split(':');
    if (!allowed.includes(field) || (direction !== 'asc' && direction !== 'desc')) continue;
    if (terms.some((term) => term.field === field)) continue;
    terms.push({ field, direction });
  }
  return terms.slice(0, MAX_SORT_KEYS);
}

export const formatSort = (terms: readonly SortTerm[]): string => terms.map((term) => `${term.field}:${term.direction}`).join(',');

const flip = (direction: SortDirection): SortDirection => (direction === 'asc' ? 'desc' : 'asc');

/**
 * The sort after a click on `field`'s header. A plain click sorts by that field alone: ascending,
 * or the other way round when it already leads. With `additive` (shift-click) the field's
 * direction flips in place, or it joins as the least significant key.
 */
export function toggleSort(terms: readonly SortTerm[], field: string, additive: boolean): SortTerm[] {
  const existing = terms.find((term) => term.field === field);
  if (!additive) return [{ field, direction: terms[0]?.field === field ? flip(terms[0].direction) : 'asc' }];
  if (existing) return terms.map((term) => (term.field === field ? { field, direction: flip(term.direction) } : term));
  return [...terms, { field, direction: 'asc' as const }].slice(0, MAX_SORT_KEYS);
}
