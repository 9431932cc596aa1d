#!/usr/bin/env node
// Runs the compiled server, dist/main.js from `npm run build`, when it is newer than every source
// file it was built from. Otherwise runs the TypeScript sources through tsx's loader: no build step
// stands between clone and start, and a build older than the sources (say, after a `git pull`)
// never runs in their place.
import { readdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const compiled = join(root, 'dist', 'main.js');

/** The latest modification time (ms) of a file under `directory`; 0 when there is none. */
function newestIn(directory) {
  let newest = 0;
  let entries;
  try {
    entries = readdirSync(directory, { withFileTypes: true });
  } catch {
    return 0;
  }
  for (const entry of entries) {
    const path = join(directory, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestIn(path));
    else newest = Math.max(newest, statSync(path, { throwIfNoEntry: false })?.mtimeMs ?? 0);
  }
  return newest;
}

/** @roster/protocol's sources, which the build bundles in. */
function protocolSources() {
  try {
    return [dirname(createRequire(import.meta.url).resolve('@roster/protocol'))];
  } catch {
    return [];
  }
}

const built = statSync(compiled, { throwIfNoEntry: false });
const sources = [join(root, 'src'), ...protocolSources()];
if (built !== undefined && built.mtimeMs > Math.max(...sources.map(newestIn))) {
  await import(pathToFileURL(compiled).href);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import('../src/main.ts');
}
