import { dirname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { findCycle, relativeImports, sourceFiles } from '@roster/testing/import-graph';
import { describe, expect, it } from 'vitest';

/**
 * The server's folders are layers and imports only run down. Each layer lists the layers it may
 * import; anything else is a layering break. Tests are exempt: they wire layers together.
 */
const ALLOWED = {
  base: [],
  model: ['base'],
  query: ['base', 'model'],
  store: ['base', 'model', 'query'],
  objects: ['base', 'model', 'query', 'store'],
  /** Presence events are typed in presence/ (events.ts) and delivered here. */
  realtime: ['base', 'model', 'query', 'objects', 'presence'],
  /** Message Persistence and Message Actions: history, counts and actions over the store, announced through the hub. */
  messages: ['base', 'model', 'store', 'realtime'],
  /** Presence: who is present where, its store (in process or Redis) and its events, announced through a `PresenceEventSink`. */
  presence: ['base', 'model'],
  /** Channel groups: names, limits and resolving groups to channels, over the store. */
  groups: ['base', 'model', 'objects', 'store'],
  auth: ['base', 'model'],
  config: ['base', 'model'],
  /** The keysets as stored (seeded from the config file, changed by the admin API), checked by the config file's rules. */
  keysets: ['base', 'model', 'store', 'config', 'auth'],
  http: ['base', 'model', 'query', 'store', 'objects', 'realtime', 'messages', 'presence', 'groups', 'auth', 'keysets'],
  /** Export and import of stored records (NDJSON lines, their checks, batching): no HTTP, no terminal. */
  transfer: ['base', 'model', 'store', 'objects'],
  /** The commands besides `serve` (export, import, migrate, backup): each in a file of its own. */
  cli: ['base', 'model', 'store', 'config', 'transfer'],
  entry: ['base', 'model', 'store', 'objects', 'realtime', 'messages', 'presence', 'groups', 'auth', 'config', 'keysets', 'http', 'cli'],
} as const satisfies Record<string, readonly string[]>;

type Layer = keyof typeof ALLOWED;

/** Files at the top of `src/` that are not a folder of their own. */
const ROOT_FILES: Record<string, Layer> = {
  'errors.ts': 'base',
  'bounded-map.ts': 'base',
  'kept-bytes.ts': 'base',
  'deep-freeze.ts': 'base',
  'turn-batch.ts': 'base',
  'at-most-every.ts': 'base',
  'redis.ts': 'base',
  'version.ts': 'base',
  'config.ts': 'config',
  'startup-failure.ts': 'entry',
  'heap-tuning.ts': 'entry',
  'v8-flags.ts': 'entry',
  'node.ts': 'entry',
  'main.ts': 'entry',
};

const SRC = dirname(fileURLToPath(import.meta.url));

/** The layer of a file under `src/`; throws for a file or folder the table does not know. */
function layerOf(file: string): Layer {
  const [head = '', ...rest] = relative(SRC, file).split(sep);
  const layer = rest.length === 0 ? ROOT_FILES[head] : (head as Layer);
  if (layer === undefined || !(layer in ALLOWED)) throw new Error(`${relative(SRC, file)} belongs to no layer; add it to ALLOWED`);
  return layer;
}

interface Arrow {
  from: Layer;
  to: Layer;
  where: string;
}

function arrowsBetweenLayers(): Arrow[] {
  return sourceFiles(SRC).flatMap((file) =>
    relativeImports(file)
      .map((target) => ({ from: layerOf(file), to: layerOf(target), where: `${relative(SRC, file)} → ${relative(SRC, target)}` }))
      .filter((arrow) => arrow.from !== arrow.to),
  );
}

describe('server layers', () => {
  const arrows = arrowsBetweenLayers();

  it('imports only run down the layer table', () => {
    const breaks = arrows.filter(({ from, to }) => !(ALLOWED[from] as readonly Layer[]).includes(to)).map((arrow) => arrow.where);
    expect(breaks).toEqual([]);
  });

  it('the layer table itself has no cycle', () => {
    expect(findCycle(new Map(Object.entries(ALLOWED)))).toBeUndefined();
  });

  it('no two folders import each other, directly or round about', () => {
    const graph = new Map<string, string[]>();
    for (const { from, to } of arrows) graph.set(from, [...(graph.get(from) ?? []), to]);
    expect(findCycle(graph)).toBeUndefined();
  });

  it('no source file imports itself round about', () => {
    const graph = new Map(sourceFiles(SRC).map((file) => [file, relativeImports(file)]));
    expect(findCycle(graph)?.map((file) => relative(SRC, file))).toBeUndefined();
  });

  it('sees type-only imports, re-exports and dynamic imports', () => {
    const file = join(SRC, 'query', 'example.ts');
    const text = [
      "import type { Keyset } from '../model/keyset.ts';",
      "export { toWire } from '../model/instant.ts';",
      "const later = await import('../objects/service.ts');",
      "import { z } from 'zod';",
    ].join('\n');
    expect(relativeImports(file, text).map((target) => relative(SRC, target))).toEqual([
      join('model', 'keyset.ts'),
      join('model', 'instant.ts'),
      join('objects', 'service.ts'),
    ]);
  });
});
