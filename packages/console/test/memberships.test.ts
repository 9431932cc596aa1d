/**
 * Memberships from both sides (`#/users/<id>`: the user's channels; `#/channels/<id>`: the
 * channel's members): add several at once with status, type and custom, edit, remove one or the
 * selected rows, filter, sort and page, live updates, the server's refusals, accessibility.
 * Every change is checked over HTTP against the node, not only on screen.
 */
import { eventually, useServer } from '@roster/testing';
import type { Locator, Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { chromiumMissing, DESKTOP, longPolling, PHONE, seriousViolations, titlesWhileOpen, useBrowser } from './helpers/browser.ts';

interface WireMembership {
  channel: { id: string };
  status?: string | null;
  type?: string | null;
  custom?: Record<string, unknown> | null;
  updated: string;
}

const AM_SECRET = 'am-secret-0123456789';

describe.skipIf(chromiumMissing !== '')('memberships panel', () => {
  const server = useServer({
    keysets: [
      { publishKey: 'demo', subscribeKey: 'demo' },
      { publishKey: 'ri', subscribeKey: 'ri', referentialIntegrity: true },
      { publishKey: 'am-pub', subscribeKey: 'am', secretKey: AM_SECRET, accessManager: true },
    ],
  });
  const browser = useBrowser();

  const objects = (key: string, path: string, init?: RequestInit) => fetch(`${server.url}/v2/objects/${key}${path}`, init);

  async function patch(key: string, path: string, body: unknown): Promise<void> {
    const response = await objects(key, path, { method: 'PATCH', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    expect(response.status, await response.clone().text()).toBe(200);
  }

  /** The user's memberships as the node has them, by channel id. */
  async function membershipsOf(key: string, user: string): Promise<Map<string, WireMembership>> {
    const response = await objects(key, `/uuids/${user}/channels?include=custom,status,type&limit=100`);
    expect(response.status).toBe(200);
    const body = (await response.json()) as { data: WireMembership[] };
    return new Map(body.data.map((item) => [item.channel.id, item]));
  }

  const join = (key: string, user: string, channels: Array<{ id: string; status?: string; custom?: Record<string, unknown> }>) =>
    patch(key, `/uuids/${user}/channels`, { set: channels.map(({ id, ...fields }) => ({ channel: { id }, ...fields })) });

  /** Connects through the connect page and opens `hash`. */
  async function open(
    hash: string,
    { key = 'demo', viewport = DESKTOP, token }: { key?: string; viewport?: { width: number; height: number }; token?: string } = {},
  ): Promise<Page> {
    const page = await browser.open(server.url, viewport);
    await page.getByLabel('Subscribe key').fill(key);
    if (token !== undefined) {
      await page.getByLabel('Credential').selectOption({ label: 'Access Manager token' });
      await page.getByLabel('Access Manager token').fill(token);
    }
    await page.getByRole('button', { name: 'Connect', exact: true }).click();
    await page.waitForURL(/#\/users$/);
    await page.evaluate((to) => void (location.hash = to), hash);
    return page;
  }

  const panel = (page: Page, title: 'Channels' | 'Members') => page.getByRole('region', { name: title, exact: true });
  const row = (page: Page, id: string) => page.locator(`section.memberships tbody tr[data-id="${id}"]`);
  const rowCount = (page: Page) => page.locator('section.memberships tbody tr').count();
  const cells = (locator: Locator) => locator.locator('td, th').allTextContents();

  /** Waits until the locator's text matches (Playwright's own waits cover elements, not their text). */
  const textOf = (locator: Locator, expected: string | RegExp) =>
    eventually(async () => {
      const text = (await locator.textContent({ timeout: 1000 })) ?? '';
      if (typeof expected === 'string') expect(text).toBe(expected);
      else expect(text).toMatch(expected);
    });

  it("adds three channels in one go with status, type and custom, edits one's status, removes two together", async () => {
    await patch('demo', '/uuids/ann', { name: 'Ann' });
    const page = await open('#/users/ann');
    const channels = panel(page, 'Channels');
    await channels.getByText('Add channels').click();
    await channels.getByLabel('Channel ids').fill('ch-a, ch-b\nch-c');
    await channels.getByLabel('Membership status').fill('active');
    await channels.getByLabel('Membership type').fill('member');
    const custom = channels.getByRole('group', { name: 'Membership custom' });
    await custom.getByRole('button', { name: 'Add field' }).click();
    await custom.getByLabel('Row 1 key').fill('seat');
    await custom.getByLabel('Row 1 value').fill('4A');
    await channels.getByRole('button', { name: 'Add', exact: true }).click();
    await textOf(channels.getByRole('status').first(), 'Added or updated 3 channels.');
    await row(page, 'ch-c').waitFor();

    let stored = await membershipsOf('demo', 'ann');
    expect([...stored.keys()].sort()).toEqual(['ch-a', 'ch-b', 'ch-c']);
    for (const membership of stored.values()) expect(membership).toMatchObject({ status: 'active', type: 'member', custom: { seat: '4A' } });
    expect(await cells(row(page, 'ch-b'))).toEqual(expect.arrayContaining(['ch-b', 'active', 'member', 'seat=4A']));
    // Dated as in the users and channels lists, not in the browser's locale.
    expect(await row(page, 'ch-b').locator('time').textContent()).toBe(`${stored.get('ch-b')!.updated.slice(0, 19).replace('T', ' ')} UTC`);
    expect(await row(page, 'ch-b').getByRole('link', { name: 'ch-b' }).getAttribute('href')).toBe('#/channels/ch-b');

    await row(page, 'ch-b').getByRole('button', { name: 'Edit ch-b' }).click();
    const dialog = page.getByRole('dialog', { name: 'Edit membership: channel ch-b' });
    await expect(dialog.getByLabel('Status', { exact: true }).inputValue()).resolves.toBe('active');
    await dialog.getByLabel('Status', { exact: true }).fill('away');
    await dialog.getByRole('button', { name: 'Save' }).click();
    await dialog.waitFor({ state: 'hidden' });
    await eventually(async () => expect(await cells(row(page, 'ch-b'))).toContain('away'));
    stored = await membershipsOf('demo', 'ann');
    expect(stored.get('ch-b')).toMatchObject({ status: 'away', type: 'member', custom: { seat: '4A' } });
    expect(stored.get('ch-a')).toMatchObject({ status: 'active' });

    await row(page, 'ch-a').getByLabel('Select ch-a').check();
    await row(page, 'ch-c').getByLabel('Select ch-c').check();
    await channels.getByLabel('Type for selected').fill('guest');
    await channels.getByRole('button', { name: 'Set on selected' }).click();
    await textOf(channels.getByRole('status').first(), 'Updated 2 channels.');
    stored = await membershipsOf('demo', 'ann');
    expect([...stored.values()].map(({ channel, status, type }) => [channel.id, status, type])).toEqual([
      ['ch-a', 'active', 'guest'],
      ['ch-b', 'away', 'member'],
      ['ch-c', 'active', 'guest'],
    ]);
    await channels.getByRole('button', { name: 'Remove selected' }).click();
    const confirm = page.getByRole('dialog', { name: 'Remove 2 channels?' });
    await textOf(confirm, /ch-a, ch-c/);
    await confirm.getByRole('button', { name: 'Remove' }).click();
    await confirm.waitFor({ state: 'hidden' });
    await row(page, 'ch-a').waitFor({ state: 'detached' });
    expect([...(await membershipsOf('demo', 'ann')).keys()]).toEqual(['ch-b']);
    expect(await rowCount(page)).toBe(1);
  });

  it("shows a channel's members with a link to each user, and removes one after confirmation (Escape cancels)", async () => {
    await patch('demo', '/uuids/bo', { name: 'Bo' });
    await patch('demo', '/uuids/cy', { name: 'Cy' });
    await patch('demo', '/channels/room', { name: 'Room' });
    await patch('demo', '/channels/room/uuids', { set: [{ uuid: { id: 'bo' }, status: 'host' }, { uuid: { id: 'cy' } }] });
    const page = await open('#/channels/room');
    const members = panel(page, 'Members');
    await row(page, 'bo').waitFor();
    expect(await cells(row(page, 'bo'))).toEqual(expect.arrayContaining(['bo', 'Bo', 'host']));
    expect(await row(page, 'bo').getByRole('link', { name: 'bo' }).getAttribute('href')).toBe('#/users/bo');

    const remove = row(page, 'cy').getByRole('button', { name: 'Remove cy' });
    await remove.click();
    const confirm = page.getByRole('dialog', { name: 'Remove user cy?' });
    await confirm.waitFor();
    const seen = await titlesWhileOpen(page);
    await page.keyboard.press('Escape');
    await confirm.waitFor({ state: 'hidden' });
    // Closing is one step: the open dialog never reads "Remove 0 users?" on its way out.
    expect(await seen()).toEqual(['Remove user cy?']);
    expect(await page.evaluate(() => document.activeElement?.getAttribute('aria-label'))).toBe('Remove cy');
    expect([...(await membershipsOf('demo', 'cy')).keys()]).toEqual(['room']);

    await remove.click();
    await confirm.getByRole('button', { name: 'Remove' }).click();
    await row(page, 'cy').waitFor({ state: 'detached' });
    expect((await membershipsOf('demo', 'cy')).size).toBe(0);
    // The row that had focus is gone: focus goes to the list's heading, not to the page's start.
    await eventually(async () => expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Members'));
    await textOf(members.getByRole('status').first(), 'Removed 1 user.');
  });

  it('pages over more than 25 memberships, sorts by channel id, and filters by status', async () => {
    const ids = Array.from({ length: 30 }, (_, index) => `p-${String(index).padStart(2, '0')}`);
    await patch('demo', '/uuids/paged', { name: 'Paged' });
    await join(
      'demo',
      'paged',
      ids.map((id, index) => ({ id, status: index % 3 === 0 ? 'idle' : 'active' })),
    );
    const page = await open('#/users/paged');
    const channels = panel(page, 'Channels');
    await row(page, 'p-00').waitFor();
    expect(await rowCount(page)).toBe(25);
    const pages = channels.getByRole('navigation', { name: 'Pages' });
    await textOf(pages.getByRole('status'), '1–25 of 30');
    await pages.getByRole('button', { name: 'Next' }).click();
    await row(page, 'p-29').waitFor();
    expect(await rowCount(page)).toBe(5);
    await textOf(pages.getByRole('status'), '26–30 of 30');
    expect(await pages.getByRole('button', { name: 'Next' }).getAttribute('aria-disabled')).toBe('true');
    await pages.getByRole('button', { name: 'Previous' }).click();
    await row(page, 'p-00').waitFor();

    await channels.getByRole('button', { name: 'Channel id' }).click();
    await expect(channels.locator('th[aria-sort="ascending"]').count()).resolves.toBe(1);
    await channels.getByRole('button', { name: /Channel id/ }).click();
    await row(page, 'p-29').waitFor();
    expect(await page.locator('section.memberships tbody tr').first().getAttribute('data-id')).toBe('p-29');

    await channels.getByLabel('Filter').fill('status == "idle"');
    await channels.getByLabel('Filter').press('Enter');
    await eventually(async () => expect(await rowCount(page)).toBe(10));
    const statuses = await page.locator('section.memberships tbody tr td:nth-of-type(3)').allTextContents();
    expect(statuses).toEqual(Array.from({ length: 10 }, () => 'idle'));
    await textOf(pages.getByRole('status'), '1–10 of 10');

    await channels.getByLabel('Filter').fill('colour == "red"');
    await channels.getByLabel('Filter').press('Enter');
    await textOf(channels.locator('.filter-error'), /Unknown field 'colour'/);
  });

  it('shows a membership set elsewhere at once, flashing its row, and greys out one deleted elsewhere', async () => {
    await patch('demo', '/uuids/lou', { name: 'Lou' });
    await join('demo', 'lou', [{ id: 'l-1' }]);
    const page = await open('#/users/lou');
    await row(page, 'l-1').waitFor();
    await longPolling(page, ['lou']);
    await join('demo', 'lou', [{ id: 'l-2', status: 'live' }]);
    await page.locator('section.memberships tbody tr.flash[data-id="l-2"]').waitFor({ timeout: 10_000 });
    expect(await cells(row(page, 'l-2'))).toEqual(expect.arrayContaining(['l-2', 'live']));

    await patch('demo', '/uuids/lou/channels', { delete: [{ channel: { id: 'l-1' } }] });
    await page.locator('section.memberships tbody tr.deleted[data-id="l-1"]').waitFor();
    await textOf(row(page, 'l-1'), /removed/);
    expect(await row(page, 'l-1').getByRole('button', { name: 'Edit l-1' }).isDisabled()).toBe(true);
  });

  it("shows the server's message naming the field when referential integrity refuses a channel", async () => {
    await patch('ri', '/uuids/rita', { name: 'Rita' });
    const page = await open('#/users/rita', { key: 'ri' });
    const channels = panel(page, 'Channels');
    await channels.getByText('Add channels').click();
    await channels.getByLabel('Channel ids').fill('nowhere');
    await channels.getByRole('button', { name: 'Add', exact: true }).click();
    const alert = channels.getByRole('alert');
    await textOf(alert, /set\[0\]\.channel\.id: Channel 'nowhere' does not exist/);
    expect((await membershipsOf('ri', 'rita')).size).toBe(0);
  });

  it('says which permission is missing when the token may read memberships but not change them', async () => {
    const { Roster } = await import('../../sdk/src/index.ts');
    const admin = new Roster({ subscribeKey: 'am', publishKey: 'am-pub', secretKey: AM_SECRET, userId: 'backend', origin: server.url });
    await admin.setUUIDMetadata({ uuid: 'amy', name: 'Amy' }).sync();
    await admin.setMemberships({ uuid: 'amy', channelMemberships: ['am-1'] }).sync();
    const { result } = await admin
      .grantToken()
      .ttl(60)
      .resources({ uuids: { amy: { get: true } }, channels: { 'am-1': { get: true } } })
      .sync();
    const page = await open('#/users/amy', { key: 'am', token: result.token });
    await row(page, 'am-1').waitFor();
    const channels = panel(page, 'Channels');
    await channels.getByText('Add channels').click();
    await channels.getByLabel('Channel ids').fill('am-2');
    await channels.getByRole('button', { name: 'Add', exact: true }).click();
    await textOf(channels.getByRole('alert'), /^Permission missing: .*join on channel am-2.*update on uuid amy/);
    const { result: stored } = await admin.getMemberships({ uuid: 'amy' }).sync();
    expect(stored.data.map((membership) => membership.channel.id)).toEqual(['am-1']);
  });

  for (const [name, viewport] of [
    ['desktop', DESKTOP],
    ['phone', PHONE],
  ] as const) {
    it(`has no serious accessibility violation at ${name} width, with the add form and the edit dialog open`, async () => {
      await patch('demo', '/uuids/axe', { name: 'Axe' });
      await join('demo', 'axe', [{ id: 'x-1', status: 'active', custom: { seat: 1 } }, { id: 'x-2' }]);
      const page = await open('#/users/axe', { viewport });
      await row(page, 'x-2').waitFor();
      await panel(page, 'Channels').getByText('Add channels').click();
      expect(await seriousViolations(page)).toEqual([]);
      expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(viewport.width);
      await row(page, 'x-1').getByRole('button', { name: 'Edit x-1' }).click();
      await page.getByRole('dialog').waitFor();
      expect(await seriousViolations(page)).toEqual([]);
    });
  }
});
