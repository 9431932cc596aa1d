/**
 * Headless Chromium for the browser tests: Debian's /usr/bin/chromium driven by playwright-core.
 * Where either is missing, `chromiumMissing` says which, so the tests can skip saying why.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize } from 'node:path';

const CHROMIUM = '/usr/bin/chromium';

/** The part of playwright-core these tests use. */
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

/** What is missing for a browser test on this machine (`'/usr/bin/chromium and playwright-core'`), or `''`. */
export const chromiumMissing = [existsSync(CHROMIUM) ? undefined : CHROMIUM, playwright ? undefined : 'playwright-core'].filter(Boolean).join(' and ');

/**
 * Serves the files of `dir` on 127.0.0.1 (and an empty page at `/`), opens that page in headless
 * Chromium and returns the value of `expression` evaluated in it. The expression is a string, not
 * a function: the test runner would rewrite a function's dynamic `import()`.
 */
export async function evaluateInChromium<T>(dir: string, expression: string): Promise<T> {
  if (playwright === undefined) throw new Error(`Chromium is unavailable: ${chromiumMissing}`);
  const files = createServer((request, response) => {
    const path = request.url === '/' ? '/index.html' : (request.url ?? '/');
    if (path === '/index.html') {
      response.writeHead(200, { 'Content-Type': 'text/html' });
      return void response.end('<!doctype html><title>roster sdk</title>');
    }
    const file = normalize(join(dir, path));
    if (!file.startsWith(dir) || !existsSync(file)) return void response.writeHead(404).end();
    response.writeHead(200, { 'Content-Type': extname(file) === '.js' ? 'text/javascript' : 'application/octet-stream' });
    response.end(readFileSync(file));
  });
  await new Promise<void>((done) => files.listen(0, '127.0.0.1', done));
  const browser = await playwright.chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking'] });
  try {
    const page = await browser.newPage();
    await page.goto(`http://127.0.0.1:${(files.address() as AddressInfo).port}/`);
    return await page.evaluate<T>(expression);
  } finally {
    await browser.close();
    files.close();
  }
}
