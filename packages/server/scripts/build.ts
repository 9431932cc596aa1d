/**
 * Compiles the server to JavaScript that plain `node` runs (`npm run build`):
 * - `dist/main.js`: one ES module of the server's sources with `@roster/protocol` bundled in, as
 *   that workspace package's `exports` point at TypeScript. Every other package stays an import,
 *   resolved from node_modules at run time (better-sqlite3's native module among them).
 * - `dist/main.js.map`, for `node --enable-source-maps`.
 *
 * Each file is written beside its name and renamed into place, so a process starting meanwhile
 * reads the old build or the new one, never half a file. `bin/roster.js` runs `dist/main.js` when
 * it is newer than every source file; the build dates it to when it began reading them, so a
 * source saved during the build still counts as newer.
 */
import { mkdirSync, renameSync, utimesSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, type Plugin } from 'esbuild';

const SERVER_ROOT = fileURLToPath(new URL('..', import.meta.url));
/** `node packages/server/dist/main.js serve`; `version.ts` finds `../package.json` from here as from `src/`. */
export const DIST = join(SERVER_ROOT, 'dist');
export const MAIN = join(DIST, 'main.js');

/** Packages are imported at run time, except the workspace's own `@roster/*`, which ship as TypeScript. */
const packagesExternal: Plugin = {
  name: 'packages-external',
  setup(context) {
    context.onResolve({ filter: /^[^./]/ }, (args) => (args.path.startsWith('@roster/') ? undefined : { path: args.path, external: true }));
  },
};

/** Builds `dist/main.js` and its source map; throws on a compile error. */
export async function buildServer(): Promise<void> {
  const began = new Date();
  const result = await build({
    entryPoints: [join(SERVER_ROOT, 'src', 'main.ts')],
    outfile: MAIN,
    bundle: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    sourcemap: true,
    plugins: [packagesExternal],
    write: false,
    logLevel: 'warning',
  });
  mkdirSync(DIST, { recursive: true });
  // The map first: main.js names it, so it must be there when main.js is.
  const files = [...result.outputFiles].sort((a, b) => Number(a.path.endsWith('.js')) - Number(b.path.endsWith('.js')));
  for (const file of files) {
    const partial = join(dirname(file.path), `.${basename(file.path)}.${process.pid}.partial`);
    writeFileSync(partial, file.contents);
    utimesSync(partial, began, began);
    renameSync(partial, file.path);
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await buildServer();
