/**
 * The console's browser tests: a real Roster node serving the built console (packages/console/dist,
 * made by `npm install` or by vitest's global setup), opened in Debian's headless Chromium through
 * playwright-core. Where Chromium is missing the tests skip, saying so.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { afterAll, beforeAll, expect, vi } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';

const CHROMIUM = '/usr/bin/chromium';

/** Why the browser tests cannot run here, or `''`. */
export const chromiumMissing = existsSync(CHROMIUM) ? '' : `${CHROMIUM} is not installed (apt-get install -y chromium)`;

/** A phone's viewport (the console must be usable at this width) and a desktop's. */
export const PHONE = { width: 375, height: 740 } as const;
export const DESKTOP = { width: 1280, height: 900 } as const;

export interface ConsoleBrowser {
  /** A fresh page (own memory: no session carried over) at `{serverUrl}/console/`. */
  open(serverUrl: string, viewport?: { width: number; height: number }): Promise<Page>;
}

/** The URL of every request each page opened by `useBrowser` sent, in order. */
const requested = new WeakMap<Page, string[]>();

/**
 * One headless Chromium for the enclosing file or `describe` block (vitest `beforeAll`/`afterAll`),
 * each `open` in a context of its own, closed with the browser.
 */
export function useBrowser(): ConsoleBrowser {
  // A test drives a whole page through many steps; on a loaded 2-core machine running the other
  // suites beside it, some took over the default 30 s.
  vi.setConfig({ testTimeout: 120_000 });
  let browser: Browser | undefined;
  const contexts: BrowserContext[] = [];
  beforeAll(async () => {
    const { chromium } = await import('playwright-core');
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking'] });
  });
  afterAll(async () => {
    await browser?.close();
  });
  return {
    async open(serverUrl, viewport = DESKTOP) {
      if (!browser) throw new Error('useBrowser(): the browser starts in beforeAll; open pages inside a test');
      const context = await browser.newContext({ viewport });
      contexts.push(context);
      const page = await context.newPage();
      const urls: string[] = [];
      requested.set(page, urls);
      page.on('request', (sent) => urls.push(sent.url()));
      await page.goto(`${serverUrl}/console/`);
      return page;
    },
  };
}

/**
 * Resolves once the latest subscribe request `page` sent on `subscribeKey` is a long-poll past the
 * handshake (`tt` set, not 0) naming every one of `channels`. From then on a change to them
 * reaches the page: the node answers that long-poll with what happened after its `tt`. Seeing the
 * handshake is not enough: a change the node takes before it answers the handshake precedes the
 * timetoken it gives, and is never sent. Nor is an earlier long-poll: a loop that stopped (every
 * watcher gone) starts again with a handshake.
 */
export async function longPolling(page: Page, channels: readonly string[], subscribeKey = 'demo'): Promise<void> {
  const urls = requested.get(page);
  if (!urls) throw new Error('longPolling(): only pages opened by useBrowser() are recorded');
  const latest = () => urls.map(subscribeOf).findLast((sent) => sent?.subscribeKey === subscribeKey);
  await expect
    .poll(
      () => {
        const sent = latest();
        return sent !== undefined && sent.timetoken !== '' && sent.timetoken !== '0' && channels.every((channel) => sent.channels.includes(channel));
      },
      { timeout: 10_000 },
    )
    .toBe(true);
}

/** What a subscribe request (`/v2/subscribe/{key}/{channels}/0`) asks for: `timetoken` is its `tt`, `''` for a handshake. */
export function subscribeOf(url: string): { subscribeKey: string; channels: string[]; timetoken: string } | undefined {
  const { pathname, searchParams } = new URL(url);
  const [, key, named] = /^\/v2\/subscribe\/([^/]+)\/([^/]+)\//.exec(pathname) ?? [];
  if (key === undefined || named === undefined) return undefined;
  return { subscribeKey: decodeURIComponent(key), channels: named.split(',').map(decodeURIComponent), timetoken: searchParams.get('tt') ?? '' };
}

const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

export interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: { target: string[] }[];
}

/** axe-core's serious and critical violations on the page as it is now (WCAG 2.x A and AA rules). */
export async function seriousViolations(page: Page): Promise<AxeViolation[]> {
  // Evaluated through the DevTools protocol: the console's CSP refuses inline scripts.
  await page.evaluate(axeSource);
  const violations = await page.evaluate(async () => {
    const axe = (globalThis as unknown as { axe: { run(context: Document, options: object): Promise<{ violations: AxeViolation[] }> } }).axe;
    const result = await axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } });
    return result.violations.map(({ id, impact, help, nodes }) => ({ id, impact, help, nodes: nodes.map(({ target }) => ({ target })) }));
  });
  return violations.filter((violation) => violation.impact === 'serious' || violation.impact === 'critical');
}

/**
 * Starts noting the title of each open modal dialog (its `aria-labelledby` text) at every change
 * to the page; the returned function stops and gives the titles seen, a repeat noted once. A
 * dialog that changes its content before it closes shows here as a second title.
 */
export async function titlesWhileOpen(page: Page): Promise<() => Promise<string[]>> {
  await page.evaluate(() => {
    const seen: string[] = [];
    const note = () => {
      for (const dialog of document.querySelectorAll('dialog[open]')) {
        const title = document.getElementById(dialog.getAttribute('aria-labelledby') ?? '')?.textContent ?? '';
        if (seen.at(-1) !== title) seen.push(title);
      }
    };
    note();
    const observer = new MutationObserver(note);
    observer.observe(document.body, { subtree: true, childList: true, characterData: true, attributes: true });
    (globalThis as unknown as { stopNotingTitles: () => string[] }).stopNotingTitles = () => {
      observer.disconnect();
      return seen;
    };
  });
  return () => page.evaluate(() => (globalThis as unknown as { stopNotingTitles: () => string[] }).stopNotingTitles());
}
