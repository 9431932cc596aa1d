/**
 * Keysets without a restart (`#/keysets`): an operator signed in with the node's admin secret
 * lists, creates and changes keysets and rotates a secret, all stored by the node; without the
 * secret the console shows none of it.
 */
import { useServer } from '@roster/testing';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { isPubNubException, Roster } from '../../sdk/src/index.ts';
import { chromiumMissing, PHONE, seriousViolations, useBrowser } from './helpers/browser.ts';

const ADMIN_SECRET = 'console-admin-secret-4c1d9a';

interface StoredKeyset {
  subscribeKey: string;
  publishKey: string;
  secretKey?: string;
  name?: string;
  accessManager: boolean;
  referentialIntegrity: boolean;
  limits: Record<string, number>;
  source: string;
  updated: string;
}

describe.skipIf(chromiumMissing !== '')('keysets page', () => {
  const server = useServer({ args: ['--admin-secret', ADMIN_SECRET] });
  const browser = useBrowser();

  /** The node's own word on the keysets, over its admin API. */
  async function stored(): Promise<StoredKeyset[]> {
    const response = await fetch(`${server.url}/admin/v1/keysets`, { headers: { authorization: `Bearer ${ADMIN_SECRET}` } });
    expect(response.status).toBe(200);
    return ((await response.json()) as { data: StoredKeyset[] }).data;
  }

  async function signIn(page: Page, secret = ADMIN_SECRET): Promise<void> {
    await page.getByLabel('Admin secret').fill(secret);
    await page.getByRole('button', { name: 'Sign in as admin' }).click();
  }

  const nav = (page: Page) => page.getByRole('navigation', { name: 'Sections' });

  it('shows no admin section without the admin secret, and refuses a wrong one', async () => {
    const page = await browser.open(server.url);
    await page.getByLabel('Admin secret').waitFor();
    expect(await nav(page).getByRole('link', { name: 'Keysets' }).count()).toBe(0);
    await page.evaluate(() => (location.hash = '#/keysets'));
    await page.getByText('needs the admin secret').waitFor();
    expect(await page.getByRole('table').count()).toBe(0);

    await signIn(page, 'not-the-admin-secret');
    await page.getByRole('alert').filter({ hasText: 'The node refused the admin secret' }).waitFor();
    expect(await nav(page).getByRole('link', { name: 'Keysets' }).count()).toBe(0);
    expect(await page.evaluate(() => localStorage.length + sessionStorage.length + document.cookie.length)).toBe(0);
  });

  it('creates a keyset, opens it, changes a setting and rotates its secret', async () => {
    const page = await browser.open(server.url);
    await signIn(page);
    await nav(page).getByRole('link', { name: 'Keysets' }).click();

    // Create: fresh keys, Access Manager on by default.
    await expect(page.getByLabel('Access Manager', { exact: true }).isChecked()).resolves.toBe(true);
    await page.getByLabel('Name').fill('Team chat');
    await page.getByRole('button', { name: 'Create keyset' }).click();
    await page.getByRole('status').filter({ hasText: 'Created keyset Team chat' }).waitFor();
    const made = (await stored()).find((keyset) => keyset.name === 'Team chat');
    expect(made).toMatchObject({ accessManager: true, source: 'console' });
    expect(made!.secretKey).toBeTruthy();
    expect(new Set([made!.subscribeKey, made!.publishKey, made!.secretKey, 'demo']).size).toBe(4);
    const row = page.locator(`tr[data-subscribe-key="${made!.subscribeKey}"]`);
    await row.waitFor();
    await expect(row.textContent()).resolves.toMatch(new RegExp(`Team chat.*${made!.publishKey}.*on.*console`));
    expect(await seriousViolations(page)).toEqual([]);

    // The secret is masked until asked for.
    await row.getByRole('link', { name: 'Manage Team chat' }).click();
    await page.getByRole('heading', { name: 'Keyset Team chat' }).waitFor();
    await expect(page.locator('dl.keys time').textContent()).resolves.toBe(`${made!.updated.slice(0, 19).replace('T', ' ')} UTC`);
    const secret = page.locator('#secret-key');
    await expect(secret.textContent()).resolves.not.toContain(made!.secretKey);
    await page.getByRole('button', { name: 'Show' }).click();
    await expect(secret.textContent()).resolves.toBe(made!.secretKey);
    expect(await seriousViolations(page)).toEqual([]);

    // Open it and make a user there: the console signs with the keyset's secret key.
    await page.getByRole('button', { name: 'Open', exact: true }).click();
    await page.waitForURL(/#\/users$/);
    await page.evaluate(() => (location.hash = '#/users/team-alice?new=1'));
    await page.getByLabel('Name', { exact: true }).fill('Alice');
    await page.getByRole('button', { name: 'Create', exact: true }).click();
    await page.waitForURL(/#\/users\/team-alice$/);
    await expect.poll(() => userName(server.url, made!, made!.secretKey!), { timeout: 10_000 }).toBe('Alice');

    // Change settings.
    await page.evaluate((key) => (location.hash = `#/keysets/${key}`), made!.subscribeKey);
    await page.getByLabel('Referential integrity', { exact: false }).check();
    await page.getByLabel('Max id length').fill('64');
    await page.getByRole('button', { name: 'Save settings' }).click();
    await page.getByText('Settings saved.').waitFor();
    const changed = (await stored()).find((keyset) => keyset.subscribeKey === made!.subscribeKey)!;
    expect(changed.referentialIntegrity).toBe(true);
    expect(changed.limits['maxIdLength']).toBe(64);

    // Rotate the secret, after a confirmation: the old one stops working, the console carries on with the new one.
    await page.getByRole('button', { name: 'Rotate secret' }).click();
    const dialog = page.getByRole('dialog', { name: 'Rotate the secret key?' });
    await dialog.getByRole('button', { name: 'Rotate', exact: true }).click();
    await page.getByText('The console now signs with the new secret key').waitFor();
    const rotated = (await stored()).find((keyset) => keyset.subscribeKey === made!.subscribeKey)!;
    expect(rotated.secretKey).not.toBe(made!.secretKey);
    await expect(secret.textContent()).resolves.not.toContain(rotated.secretKey);
    await page.getByRole('button', { name: 'Show' }).click();
    await expect(secret.textContent()).resolves.toBe(rotated.secretKey);
    await expect(userName(server.url, made!, made!.secretKey!)).rejects.toThrow(/403/);
    await expect(userName(server.url, made!, rotated.secretKey!)).resolves.toBe('Alice');
    await page.evaluate(() => (location.hash = '#/users'));
    await page.locator('tr[data-id="team-alice"]').waitFor();
  }, 90_000);

  it('lists the stored keysets on the connect page for an admin, one click to connect, at phone width', async () => {
    const page = await browser.open(server.url, PHONE);
    await signIn(page);
    await nav(page).getByRole('link', { name: 'Keysets' }).click();
    await page.locator('tr[data-subscribe-key]', { hasText: 'Team chat' }).waitFor();
    expect(await seriousViolations(page)).toEqual([]);
    await nav(page).getByRole('link', { name: 'Connect' }).click();
    const picks = page.getByRole('region', { name: 'Keysets on this node' });
    await picks.getByRole('button', { name: 'Team chat' }).waitFor();
    expect(await seriousViolations(page)).toEqual([]);
    await picks.getByRole('button', { name: 'Team chat' }).click();
    await page.waitForURL(/#\/users$/);
    await page.locator('tr[data-id="team-alice"]').waitFor();
  });
});

/** A user's name on `keyset`, read with requests signed by `secretKey` (an error naming the status when refused). */
async function userName(url: string, keyset: StoredKeyset, secretKey: string): Promise<string | null | undefined> {
  const client = new Roster({ subscribeKey: keyset.subscribeKey, publishKey: keyset.publishKey, secretKey, userId: 'check', origin: url, retry: false });
  try {
    const { result } = await client.getUUIDMetadata({ uuid: 'team-alice' }).sync();
    return result.data.name;
  } catch (error) {
    if (isPubNubException(error)) throw new Error(`HTTP ${error.statusCode}`);
    throw error;
  }
}
