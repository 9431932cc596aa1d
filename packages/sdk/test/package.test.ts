/**
 * The SDK as a user gets it. `npm pack` builds dist/ (the `prepack` script) and makes the tarball;
 * the tarball is installed, offline, into an empty project outside the repository, and used there
 * the ways an app would: from plain Node with no loader (an ES module, and CommonJS through
 * `require()`), from TypeScript (tsc compiles a consumer against the shipped `.d.ts`), and from a
 * browser bundle that esbuild makes and Chromium runs, each against a real Roster server.
 * Skipped, saying why, where npm is not on the PATH (the browser case also where Chromium is not).
 */
import { execFile, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { useServer } from '@roster/testing';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumMissing, evaluateInChromium } from './helpers/chromium.ts';
import { unique } from './helpers/roster.ts';

const run = promisify(execFile);
const SDK_ROOT = fileURLToPath(new URL('..', import.meta.url));
const { version } = JSON.parse(readFileSync(join(SDK_ROOT, 'package.json'), 'utf8')) as { version: string };
const resolve = createRequire(import.meta.url).resolve;
const TSC = resolve('typescript/bin/tsc');
/** The folder holding `node`, for a consumer that type-checks against Node's types. */
const TYPE_ROOTS = dirname(dirname(resolve('@types/node/package.json')));
const npmMissing = spawnSync('npm', ['--version']).status !== 0;

/** A user's shell: nothing inherited from an `npm run` or a loader that started this test. */
function userEnv(): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('npm_') && key !== 'NODE_OPTIONS'));
}

/** Runs `node file args…` in `cwd` with no loader or flag, and parses the JSON line it prints. */
async function nodeScript(cwd: string, file: string, ...args: string[]): Promise<Record<string, unknown>> {
  const { stdout } = await run(process.execPath, [file, ...args], { cwd, env: userEnv(), timeout: 20_000 });
  return JSON.parse(stdout) as Record<string, unknown>;
}

const ESM_USER = `import { Roster, SDK_VERSION } from '@roster/sdk';
const [origin, userId] = process.argv.slice(2);
const client = new Roster({ subscribeKey: 'demo', publishKey: 'demo', userId, origin });
await client.setUUIDMetadata().setName('Installed from a tarball').custom({ plan: 'pro' }).sync();
const { result } = await client.getUUIDMetadata().includeCustom(true).sync();
console.log(JSON.stringify({ version: SDK_VERSION, id: result.data.id, name: result.data.name, custom: result.data.custom }));
`;

const CJS_USER = `async function main([origin, userId]) {
  let sdk;
  try {
    sdk = require('@roster/sdk');
  } catch (error) {
    return { requireError: error.code };
  }
  const client = new sdk.Roster({ subscribeKey: 'demo', userId, origin });
  await client.setUUIDMetadata({ name: 'Required from CommonJS' }).sync();
  const { result } = await client.getUUIDMetadata().sync();
  return { name: result.data.name };
}
main(process.argv.slice(2)).then((outcome) => console.log(JSON.stringify(outcome)));
`;

const TS_USER = `import { isPubNubException, PNStatusCategory, Roster, type PNGetUUIDMetadataResult } from '@roster/sdk';

interface Profile { plan: string }
const client = new Roster({ subscribeKey: 'demo', userId: 'typed', origin: 'http://127.0.0.1:9' });
try {
  const { result } = await client.getUUIDMetadata<Profile>().includeCustom(true).sync();
  const plan: string | undefined = result.data.custom?.plan;
  const typed: PNGetUUIDMetadataResult<Profile> = result;
  console.log(plan, typed.data.eTag);
} catch (error) {
  if (isPubNubException(error) && error.category === PNStatusCategory.PNNetworkIssuesCategory) console.log('offline');
}
// @ts-expect-error a name is a string: this line fails to compile unless the types are real
client.setUUIDMetadata().setName(42);
`;

const BROWSER_USER = `import { Roster } from '@roster/sdk';
export async function run(origin, userId) {
  const client = new Roster({ subscribeKey: 'demo', userId, origin });
  await client.setUUIDMetadata().setName('Bundled for a browser').sync();
  const { result } = await client.getUUIDMetadata().sync();
  return result.data.name;
}
`;

/** tsconfig.json for a consumer: strict, the shipped declarations checked too (no skipLibCheck). */
function consumerConfig(options: Record<string, unknown>): string {
  const compilerOptions = { target: 'es2022', strict: true, noEmit: true, skipLibCheck: false, ...options };
  return JSON.stringify({ compilerOptions, files: ['consumer.ts'] });
}

describe('the packed SDK, installed from its tarball', () => {
  if (npmMissing) {
    it.skip('package test skipped: npm is not on the PATH', () => undefined);
    return;
  }

  const server = useServer();
  const work = mkdtempSync(join(tmpdir(), 'roster-sdk-pack-'));
  const app = join(work, 'app');
  const installed = join(app, 'node_modules', '@roster', 'sdk');

  beforeAll(async () => {
    await run('npm', ['pack', '--pack-destination', work], { cwd: SDK_ROOT, env: userEnv(), timeout: 90_000 });
    mkdirSync(app);
    writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'roster-sdk-user', private: true, type: 'module' }));
    // --offline: the SDK has no dependencies, so nothing may need fetching.
    const tarball = join(work, `roster-sdk-${version}.tgz`);
    await run('npm', ['install', '--offline', '--no-audit', '--no-fund', tarball], { cwd: app, env: userEnv(), timeout: 60_000 });
  }, 150_000);
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it('ships only the build, points its exports at it and installs nothing else', () => {
    const files = readdirSync(installed, { recursive: true, encoding: 'utf8' }).sort();
    expect(files).toEqual(['README.md', 'dist', 'dist/index.d.ts', 'dist/index.js', 'dist/index.js.map', 'package.json']);
    const manifest = JSON.parse(readFileSync(join(installed, 'package.json'), 'utf8')) as Record<string, unknown>;
    expect(manifest['dependencies']).toBeUndefined();
    expect(manifest['exports']).toEqual({
      '.': { types: './dist/index.d.ts', import: './dist/index.js', default: './dist/index.js' },
      './package.json': './package.json',
    });
    expect(readdirSync(join(app, 'node_modules')).filter((name) => !name.startsWith('.'))).toEqual(['@roster']);
    expect(readdirSync(join(app, 'node_modules', '@roster'))).toEqual(['sdk']);
    const declarations = readFileSync(join(installed, 'dist', 'index.d.ts'), 'utf8');
    expect(declarations).not.toMatch(/from ['"]@roster\/protocol['"]|import\(['"]/);
    // @roster/protocol and its CBOR library (cborg) are bundled in: the module imports nothing.
    const bundle = readFileSync(join(installed, 'dist', 'index.js'), 'utf8');
    expect(bundle).not.toMatch(/^\s*(import|export)\b[^;]*\bfrom\s*['"]|\bimport\s*\(\s*['"]/m);
    expect(bundle).toContain('rejectDuplicateMapKeys');
    // cborg is Apache-2.0: its notice opens the file that carries it.
    expect(
      bundle.startsWith('/*! Bundles cborg (https://github.com/rvagg/cborg), Copyright 2020 Rod Vagg, licensed under the Apache License, Version 2.0'),
    ).toBe(true);
  });

  it('sets and gets a user from an ES module in plain Node', async () => {
    writeFileSync(join(app, 'main.mjs'), ESM_USER);
    const userId = unique('packed');
    const outcome = await nodeScript(app, 'main.mjs', server.url, userId);
    expect(outcome).toEqual({ version, id: userId, name: 'Installed from a tarball', custom: { plan: 'pro' } });
    const stored = (await (await fetch(`${server.url}/v2/objects/demo/uuids/${userId}?uuid=check`)).json()) as { data: { name: string } };
    expect(stored.data.name).toBe('Installed from a tarball');
  });

  it('is ES-module only: require() works where Node can require ES modules, and says why where not', async () => {
    writeFileSync(join(app, 'main.cjs'), CJS_USER);
    const outcome = await nodeScript(app, 'main.cjs', server.url, unique('required'));
    if (process.features.require_module) expect(outcome).toEqual({ name: 'Required from CommonJS' });
    else expect(outcome).toEqual({ requireError: 'ERR_REQUIRE_ESM' });
  });

  it('type-checks a TypeScript consumer against the shipped declarations', async () => {
    writeFileSync(join(app, 'consumer.ts'), TS_USER);
    // A Node app (Node's types, no DOM) and a browser app built by a bundler (DOM, no Node types).
    writeFileSync(
      join(app, 'tsconfig.node.json'),
      consumerConfig({ module: 'nodenext', moduleResolution: 'nodenext', lib: ['es2022'], types: ['node'], typeRoots: [TYPE_ROOTS] }),
    );
    writeFileSync(join(app, 'tsconfig.web.json'), consumerConfig({ module: 'esnext', moduleResolution: 'bundler', lib: ['es2022', 'dom'], types: [] }));
    for (const config of ['tsconfig.node.json', 'tsconfig.web.json']) {
      const errors = await run(process.execPath, [TSC, '-p', config], { cwd: app, env: userEnv() }).then(
        () => '',
        (error: Error & { stdout?: string }) => error.stdout || error.message,
      );
      expect(errors, config).toBe('');
    }
  }, 60_000);

  it.skipIf(chromiumMissing !== '')(
    `runs in Chromium from an app bundled by esbuild${chromiumMissing ? ` (skipped: ${chromiumMissing} not available)` : ''}`,
    async () => {
      writeFileSync(join(app, 'browser.js'), BROWSER_USER);
      const site = join(app, 'site');
      await build({
        entryPoints: [join(app, 'browser.js')],
        outfile: join(site, 'app.js'),
        bundle: true,
        format: 'esm',
        platform: 'browser',
        absWorkingDir: app,
        logLevel: 'silent',
      });
      const expression = `import('/app.js').then((app) => app.run(${JSON.stringify(server.url)}, ${JSON.stringify(unique('bundled'))}))`;
      expect(await evaluateInChromium<string>(site, expression)).toBe('Bundled for a browser');
    },
  );
});
