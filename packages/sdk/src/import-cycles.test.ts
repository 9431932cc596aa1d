import { dirname, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { findCycle, relativeImports, sourceFiles } from '@roster/testing/import-graph';
import { describe, expect, it } from 'vitest';

const SRC = dirname(fileURLToPath(import.meta.url));

describe('SDK imports', () => {
  it('no source file imports itself round about, not even for a type', () => {
    const graph = new Map(sourceFiles(SRC).map((file) => [file, relativeImports(file)]));
    expect(findCycle(graph)?.map((file) => relative(SRC, file))).toBeUndefined();
  });

  it('the search reports a cycle when there is one', () => {
    const graph = new Map([
      ['a', ['b']],
      ['b', ['c']],
      ['c', ['b']],
    ]);
    expect(findCycle(graph)).toEqual(['b', 'c', 'b']);
  });
});
