/**
 * Browser smoke test: the built SDK, unbundled, in Chromium, against a real Roster server
 * (cross-origin, so CORS is exercised too). The protocol package the SDK imports is built
 * beside it and named in the page's import map. Needs /usr/bin/chromium and the playwright-core
 * package; it is skipped, saying so, where either is missing.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { extname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { startRoster } from './helpers/roster.ts';

const CHROMIUM = '/usr/bin/chromium';
const SDK_ROOT = fileURLToPath(new URL('..', import.meta.url));
const PROTOCOL_ROOT = fileURLToPath(new URL('../../protocol', import.meta.url));
/** The SDK imports `@roster/protocol` by name; the page maps that name to the protocol package's build. */
const IMPORT_MAP = JSON.stringify({ imports: { '@roster/protocol': '/protocol/index.js' } });

/** The part of playwright-core this test uses. */
interface Playwright {
  chromium: {
    launch(options: { executablePath: string; args: string[] }): Promise<{
      newPage(): Promise<{ goto(url: string): Promise<unknown>; evaluate<T>(expression: string): Promise<T> }>;
      close(): Promise<void>;
    }>;
  };
}

async function loadPlaywright(): Promise<Playwright | undefined> {
  // A variable specifier: the package is optional and has no types installed here.
  const name = 'playwright-core';
  try {
    return (await import(name)) as Playwright;
  } catch {
    return undefined;
  }
}

const playwright = await loadPlaywright();
const missing = [existsSync(CHROMIUM) ? undefined : CHROMIUM, playwright ? undefined : 'playwright-core'].filter(Boolean).join(' and ');

describe('browser', () => {
  if (missing !== '' || playwright === undefined) {
    it.skip(`smoke test skipped: ${missing} not available on this machine`, () => undefined);
    return;
  }

  it('runs the built SDK in Chromium against a Roster server', async () => {
    const out = mkdtempSync(join(tmpdir(), 'roster-sdk-browser-'));
    const roster = await startRoster();
    const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
    execFileSync(process.execPath, [tsc, '-p', 'tsconfig.build.json', '--outDir', out, '--sourceMap', 'false'], { cwd: SDK_ROOT });
    execFileSync(process.execPath, [tsc, '-p', 'tsconfig.build.json', '--outDir', join(out, 'protocol'), '--sourceMap', 'false'], { cwd: PROTOCOL_ROOT });
    const files = createServer((request, response) => {
      const path = request.url === '/' ? '/index.html' : (request.url ?? '/');
      if (path === '/index.html') {
        response.writeHead(200, { 'Content-Type': 'text/html' });
        return void response.end(`<!doctype html><title>sdk</title><script type="importmap">${IMPORT_MAP}</script>`);
      }
      const file = normalize(join(out, path.replace(/^\/sdk\//, '/')));
      if (!file.startsWith(out) || !existsSync(file)) return void response.writeHead(404).end();
      response.writeHead(200, { 'Content-Type': extname(file) === '.js' ? 'text/javascript' : 'application/octet-stream' });
      response.end(readFileSync(file));
    });
    await new Promise<void>((done) => files.listen(0, '127.0.0.1', done));
    const browser = await playwright.chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking'] });
    try {
      const page = await browser.newPage();
      await page.goto(`http://127.0.0.1:${(files.address() as AddressInfo).port}/`);
      // A string, not a function: the test runner would rewrite a function's dynamic import().
      const name = await page.evaluate<string>(`(async () => {
        const sdk = await import('/sdk/index.js');
        const client = new sdk.Roster({ subscribeKey: 'demo', userId: 'browser-user', origin: ${JSON.stringify(roster.url)} });
        await client.setUUIDMetadata().setName('From a browser').sync();
        const { result } = await client.getUUIDMetadata().sync();
        return result.data.name;
      })()`);
      expect(name).toBe('From a browser');
    } finally {
      await browser.close();
      files.close();
      await roster.close();
      rmSync(out, { recursive: true, force: true });
    }
  });
});
