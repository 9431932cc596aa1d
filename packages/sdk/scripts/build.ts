/**
 * Builds what `npm pack` ships (it runs on `prepack`; `npm run build` runs it by hand):
 * - `index.js`: one ES module for Node and browsers, with `@roster/protocol` bundled in. That
 *   package is this workspace's own and is not published, so the SDK carries it and installs
 *   with no dependencies at all.
 * - `index.d.ts`: the declarations in one file. tsconfig.build.json maps `@roster/protocol` to its
 *   sources, so the protocol's types count as this package's own and are inlined the same way;
 *   a type error under that (stricter) config fails the build.
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateDtsBundle } from 'dts-bundle-generator';
import { build } from 'esbuild';

const SDK_ROOT = fileURLToPath(new URL('..', import.meta.url));
const ENTRY = join(SDK_ROOT, 'src', 'index.ts');
/** Where `npm pack` takes the build from (package.json `exports` and `files`). */
export const DIST = join(SDK_ROOT, 'dist');

/** Licence notices of the libraries bundled into `index.js`. */
const BUNDLED_NOTICES =
  '/*! Bundles cborg (https://github.com/rvagg/cborg), Copyright 2020 Rod Vagg, licensed under the Apache License, Version 2.0: https://www.apache.org/licenses/LICENSE-2.0 */';

/** Writes `index.js`, its source map and `index.d.ts` into `outDir`. */
export async function buildSdk(outDir: string): Promise<void> {
  await build({
    entryPoints: [ENTRY],
    outfile: join(outDir, 'index.js'),
    bundle: true,
    format: 'esm',
    // No Node built-ins and no `browser`/`node` switch: the same file runs everywhere.
    platform: 'neutral',
    target: 'es2022',
    sourcemap: true,
    // The bundled CBOR library is Apache-2.0: its notice travels with the code that carries it.
    banner: { js: BUNDLED_NOTICES },
    logLevel: 'warning',
  });
  const [declarations] = generateDtsBundle([{ filePath: ENTRY, output: { noBanner: true, exportReferencedTypes: false } }], {
    preferredConfigPath: join(SDK_ROOT, 'tsconfig.build.json'),
  });
  if (declarations === undefined) throw new Error('dts-bundle-generator returned no declarations');
  mkdirSync(outDir, { recursive: true });
  writeFileSync(join(outDir, 'index.d.ts'), declarations);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  rmSync(DIST, { recursive: true, force: true });
  await buildSdk(DIST);
}
