import { encodePath } from '@roster/protocol';

/** `/v2/objects/{subscribeKey}/...segments`, each segment percent-encoded. */
export function objectsPath(subscribeKey: string, ...segments: readonly string[]): string {
  return `/v2/objects${encodePath(subscribeKey, ...segments)}`;
}

/** `include=a,b` when there is anything to include, with duplicates dropped (first one wins). */
export function includeParam(tokens: readonly string[]): Array<readonly [string, string]> {
  const unique = [...new Set(tokens)];
  return unique.length > 0 ? [['include', unique.join(',')]] : [];
}
