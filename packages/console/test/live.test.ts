/**
 * Live updates (src/live.ts): the console subscribes, through the node's own subscribe protocol,
 * to the records on screen. A change made elsewhere (here: over HTTP with the SDK) updates and
 * flashes the row; a deletion greys it out; leaving the page ends the subscription.
 */
import { useServer } from '@roster/testing';
import type { Page, Request } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { Roster } from '../../sdk/src/index.ts';
import { chromiumMissing, longPolling, subscribeOf, useBrowser } from './helpers/browser.ts';

describe.skipIf(chromiumMissing !== '')('live updates', () => {
  const server = useServer();
  const browser = useBrowser();
  const writer = () => new Roster({ subscribeKey: 'demo', publishKey: 'demo', userId: 'elsewhere', origin: server.url });

  /** The console connected to `demo`, on its users, with every request it sends recorded. */
  async function usersPage(): Promise<{ page: Page; requests: Request[] }> {
    const page = await browser.open(server.url);
    const requests: Request[] = [];
    page.on('request', (request) => requests.push(request));
    await page.getByLabel('Subscribe key').fill('demo');
    await page.getByRole('button', { name: 'Connect', exact: true }).click();
    await page.waitForURL(/#\/users$/);
    return { page, requests };
  }

  it('flashes a row changed elsewhere with its new name, and greys out a deleted one', async () => {
    await writer().setUUIDMetadata({ uuid: 'live-alice', name: 'Alice' }).sync();
    await writer().setUUIDMetadata({ uuid: 'live-bob', name: 'Bob' }).sync();
    const { page } = await usersPage();
    const alice = page.locator('tr[data-id="live-alice"]');
    const bob = page.locator('tr[data-id="live-bob"]');
    await alice.waitFor();
    await longPolling(page, ['live-alice', 'live-bob']);

    await writer().setUUIDMetadata({ uuid: 'live-alice', name: 'Alice Liddell' }).sync();
    await expect.poll(() => alice.getAttribute('class'), { timeout: 10_000 }).toContain('flash');
    await expect(alice.textContent()).resolves.toContain('Alice Liddell');
    expect(await bob.getAttribute('class')).toBeNull();

    await writer().removeUUIDMetadata({ uuid: 'live-bob' }).sync();
    await expect.poll(() => bob.getAttribute('class'), { timeout: 10_000 }).toContain('deleted');
    expect(await alice.getAttribute('class')).not.toContain('deleted');
  });

  it('serves every row from one subscribe loop, and leaves when no page watches', async () => {
    await writer().setUUIDMetadata({ uuid: 'live-carol', name: 'Carol' }).sync();
    const { page, requests } = await usersPage();
    await page.locator('tr[data-id="live-carol"]').waitFor();
    await longPolling(page, ['live-carol']);
    // One loop: every poll in flight at a time names all the rows, never one request per row.
    const polls = requests.filter(isPoll);
    expect(polls.every((poll) => channelsOf(poll).length > 1)).toBe(true);

    await page.getByRole('link', { name: 'Change keyset' }).click();
    await page.waitForURL(/#\/$/);
    await expect
      .poll(() => requests.some((request) => /\/v2\/presence\/sub-key\/demo\/channel\/[^/]*live-carol[^/]*\/leave/.test(decodeURIComponent(request.url()))), {
        timeout: 10_000,
      })
      .toBe(true);
  });
});

/** A subscribe request (handshake or long-poll) of the console. */
const isPoll = (request: Request): boolean => subscribeOf(request.url())?.subscribeKey === 'demo';

/** The channels a subscribe request names in its path. */
const channelsOf = (request: Request): string[] => subscribeOf(request.url())?.channels ?? [];
