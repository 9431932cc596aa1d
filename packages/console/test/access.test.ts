/**
 * A locked-down keyset (Access Manager on, listing users disallowed): the console asks for a
 * token or the secret key, signs with the secret key without ever sending it, and shows a 403
 * as the permission that is missing.
 */
import { useServer } from '@roster/testing';
import type { Page, Request } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { Roster } from '../../sdk/src/index.ts';
import { chromiumMissing, useBrowser } from './helpers/browser.ts';

const KEYSET = { publishKey: 'pub-am', subscribeKey: 'sub-am', secretKey: 'sec-am-5f1c9e27b04d', accessManager: true, disallowGetAllUuids: true };

describe.skipIf(chromiumMissing !== '')('an Access Manager keyset', () => {
  const server = useServer({ keysets: [KEYSET] });
  const browser = useBrowser();
  const backend = () => new Roster({ ...KEYSET, userId: 'backend', origin: server.url });

  beforeAll(async () => {
    await backend().setUUIDMetadata({ uuid: 'am-alice', name: 'Alice' }).sync();
  });

  /** The console connected to the keyset with `credential` (picked in the form), every request recorded. */
  async function connected(credential?: { kind: 'Secret key' | 'Access Manager token'; value: string }): Promise<{ page: Page; requests: Request[] }> {
    const page = await browser.open(server.url);
    const requests: Request[] = [];
    page.on('request', (request) => requests.push(request));
    await page.getByLabel('Subscribe key').fill(KEYSET.subscribeKey);
    await page.getByLabel('Publish key (optional)').fill(KEYSET.publishKey);
    if (credential) {
      await page.getByLabel('Credential').selectOption({ label: credential.kind });
      await page.getByLabel(credential.kind, { exact: true }).fill(credential.value);
    }
    await page.getByRole('button', { name: 'Connect', exact: true }).click();
    await page.waitForURL(/#\/users$/);
    return { page, requests };
  }

  it('without credentials, connects and says what is refused: listing the users', async () => {
    const { page } = await connected();
    await page.getByText(/^Connected to keyset sub-am, but: Permission missing: Listing all uuids is disallowed/).waitFor();
    // The list says so too, where the users would be.
    await page.locator('main p.error', { hasText: 'Permission missing: Listing all uuids is disallowed' }).waitFor();
    // Nothing was stored: a reload forgets the connection.
    await page.reload();
    await page.getByLabel('Subscribe key').waitFor();
    expect(await page.locator('header .keyset').count()).toBe(0);
  });

  it('names the permission a user page lacks without credentials', async () => {
    const { page } = await connected();
    await page.evaluate(() => (location.hash = '#/users/am-alice'));
    await page.getByRole('alert').filter({ hasText: 'Permission missing: needs get on uuid am-alice' }).waitFor();
  });

  it('with the secret key, signs every request, lists the users, and never sends the secret', async () => {
    const { page, requests } = await connected({ kind: 'Secret key', value: KEYSET.secretKey });
    await page.locator('tr[data-id="am-alice"]').waitFor();
    const api = requests.filter((request) => new URL(request.url()).pathname.startsWith('/v2/'));
    expect(api.length).toBeGreaterThan(0);
    expect(api.every((request) => new URL(request.url()).searchParams.has('signature'))).toBe(true);
    for (const request of requests) {
      const sent = [request.url(), JSON.stringify(request.headers()), request.postData() ?? ''].join('\n');
      expect(sent).not.toContain(KEYSET.secretKey);
    }
  });

  it('with a token that may only get users, an edit shows the missing update permission', async () => {
    const { result } = await backend()
      .grantToken()
      .ttl(60)
      .patterns({ uuids: { '.*': { get: true } } })
      .sync();
    const { page, requests } = await connected({ kind: 'Access Manager token', value: result.token });
    await page.evaluate(() => (location.hash = '#/users/am-alice'));
    const name = page.getByLabel('Name', { exact: true });
    await expect(name.inputValue()).resolves.toBe('Alice');
    await name.fill('Alice Liddell');
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await page.getByText('Permission missing: needs update on uuid am-alice').first().waitFor();
    expect(requests.some((request) => new URL(request.url()).searchParams.get('auth') === result.token)).toBe(true);
    // Live updates subscribe to the user's channel, which the token may not read.
    await page.getByText('Live updates stopped: Permission missing: needs read on channel am-alice').waitFor();
    const { result: stored } = await backend().getUUIDMetadata({ uuid: 'am-alice' }).sync();
    expect(stored.data.name).toBe('Alice');
  });
});
