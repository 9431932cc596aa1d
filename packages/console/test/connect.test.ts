/**
 * The connect page (`#/`): a keyset by its subscribe key, credentials kept out of every kind of
 * browser storage and out of the URL, accessible at desktop and phone width, usable from the
 * keyboard alone.
 */
import { useServer } from '@roster/testing';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { chromiumMissing, DESKTOP, PHONE, seriousViolations, useBrowser } from './helpers/browser.ts';

/** What the page keeps anywhere a credential could outlive the tab, and its URL. */
const leftovers = (page: Page) =>
  page.evaluate(() => ({ local: localStorage.length, session: sessionStorage.length, cookie: document.cookie, url: location.href }));

describe.skipIf(chromiumMissing !== '')('connect page', () => {
  const server = useServer({ keysets: [{ publishKey: 'pub-c', subscribeKey: 'sub-c', secretKey: 'sec-c-0123456789' }] });
  const browser = useBrowser();

  it('connects with a subscribe key and opens the users, keeping nothing in storage or the URL', async () => {
    const page = await browser.open(server.url);
    await page.getByLabel('Subscribe key').fill('sub-c');
    await page.getByLabel('Publish key (optional)').fill('pub-c');
    await page.getByLabel('Credential').selectOption({ label: 'Secret key' });
    await page.getByLabel('Secret key').fill('sec-c-0123456789');
    await page.getByRole('button', { name: 'Connect', exact: true }).click();
    await page.waitForURL(/#\/users$/);
    await expect(page.locator('header .keyset code').textContent()).resolves.toBe('sub-c');
    const after = await leftovers(page);
    expect(after).toEqual({ local: 0, session: 0, cookie: '', url: `${server.url}/console/#/users` });
    expect(after.url).not.toMatch(/sub-c|pub-c|sec-c/);
  });

  it('says so when the node does not know the subscribe key, and stays unconnected', async () => {
    const page = await browser.open(server.url);
    await page.getByLabel('Subscribe key').fill('no-such-key');
    await page.getByRole('button', { name: 'Connect', exact: true }).click();
    await expect(page.getByRole('alert').textContent()).resolves.toContain('Invalid subscribe key');
    expect(await page.locator('header .keyset').count()).toBe(0);
  });

  it('shows what a token grants as it is typed', async () => {
    const page = await browser.open(server.url);
    const token = await grantToken(server.url);
    await page.getByLabel('Credential').selectOption({ label: 'Access Manager token' });
    await page.getByLabel('Access Manager token').fill(token);
    const summary = page.locator('#token-summary');
    await summary.getByRole('row', { name: /uuid .*alice.* get, update/ }).waitFor();
    await summary.getByRole('row', { name: /channel .*team-\.\*.*\(pattern\).* read/ }).waitFor();
    await expect(summary.textContent()).resolves.toContain('Only for user id alice');
    await expect(summary.textContent()).resolves.toMatch(/Valid until \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC\./);
    await page.getByLabel('Access Manager token').fill('not a token');
    await expect(summary.textContent()).resolves.toContain('not an Access Manager token');
  });

  for (const [name, viewport] of [
    ['desktop', DESKTOP],
    ['phone', PHONE],
  ] as const) {
    it(`has no serious accessibility violation at ${name} width`, async () => {
      const page = await browser.open(server.url, viewport);
      await page.getByLabel('Subscribe key').waitFor();
      expect(await seriousViolations(page)).toEqual([]);
      // Nothing wider than the screen: no sideways scrolling at phone width.
      expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(viewport.width);
    });
  }

  it('is reachable in order with Tab, and submits with Enter', async () => {
    const page = await browser.open(server.url);
    await page.getByLabel('Subscribe key').waitFor();
    // The focused element as `tag: label`: its label's text for a form field, its own text otherwise.
    const focused = () =>
      page.evaluate(() => {
        const element = document.activeElement as HTMLElement & { labels?: NodeListOf<HTMLLabelElement> };
        return `${element.tagName.toLowerCase()}: ${(element.labels?.[0] ?? element).textContent?.trim()}`;
      });
    const order: string[] = [];
    for (let step = 0; step < 6; step++) {
      await page.keyboard.press('Tab');
      order.push(await focused());
    }
    expect(order).toEqual([
      'a: Skip to content',
      'a: Connect',
      'input: Subscribe key',
      'input: Publish key (optional)',
      'select: Credential',
      'button: Connect',
    ]);
    await page.getByLabel('Subscribe key').focus();
    await page.keyboard.type('sub-c');
    await page.keyboard.press('Enter');
    await page.waitForURL(/#\/users$/);
  });
});

/** A token for alice: get and update on her user, read on channels matching `team-.*`. */
async function grantToken(url: string): Promise<string> {
  const { Roster } = await import('../../sdk/src/index.ts');
  const admin = new Roster({ subscribeKey: 'sub-c', publishKey: 'pub-c', secretKey: 'sec-c-0123456789', userId: 'backend', origin: url });
  const { result } = await admin
    .grantToken()
    .ttl(60)
    .authorizedUuid('alice')
    .resources({ uuids: { alice: { get: true, update: true } } })
    .patterns({ channels: { 'team-.*': { read: true } } })
    .sync();
  return result.token;
}
