import { visit, type JSONPath } from 'jsonc-parser';

/**
 * Every key written twice in one object of JSON `text`, as problems naming the key's JSON path
 * and both lines. `JSON.parse` silently keeps the last of them, so `"accessManager": true,
 * "accessManager": false` would read as an open keyset while it looks locked. Never quotes values.
 * Meant for text `JSON.parse` has already accepted.
 */
export function duplicateKeyProblems(text: string): string[] {
  const problems: string[] = [];
  const open: Map<string, string>[] = []; // per enclosing object: key → where it was first written
  visit(text, {
    onObjectBegin: () => {
      open.push(new Map());
    },
    onObjectEnd: () => {
      open.pop();
    },
    onObjectProperty: (key, _offset, _length, line, column, pathSupplier) => {
      const seen = open.at(-1)!;
      const here = `line ${line + 1}, column ${column + 1}`;
      const first = seen.get(key);
      if (first === undefined) seen.set(key, here);
      else
        problems.push(
          `${jsonPath([...pathSupplier(), key])}: the key is written twice in one object (at ${first} and at ${here}); JSON keeps only the last, so remove one`,
        );
    },
  });
  return problems;
}

/** `keysets[0].accessManager`; a key that is not a plain name is quoted: `limits["a b"]`. */
function jsonPath(path: JSONPath): string {
  return path
    .map((segment, index) => {
      if (typeof segment === 'number') return `[${segment}]`;
      if (!/^[A-Za-z_$][\w$]*$/.test(segment)) return `[${JSON.stringify(segment)}]`;
      return index === 0 ? segment : `.${segment}`;
    })
    .join('');
}
