/**
 * The console's lists of users and channels, in a real Chromium against a real node: columns,
 * the filter box (syntax errors at their position before anything is sent, the server's refusals
 * the same way), sorting on several keys, paging with the total, "New", live changes, and
 * accessibility at desktop and phone widths.
 */
import { useServer } from '@roster/testing';
import type { Page, Request } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { chromiumMissing, DESKTOP, longPolling, PHONE, seriousViolations, useBrowser } from './helpers/browser.ts';

const NAMES = ['Ann', 'bob', 'Émile', 'carl', 'Dora'];
const STATUSES = ['active', 'away', 'gone'];
const USERS = Array.from({ length: 30 }, (_, i) => ({
  id: `user-${String(i).padStart(2, '0')}`,
  name: NAMES[i % NAMES.length]!,
  email: `user${i}@example.com`,
  status: STATUSES[i % STATUSES.length]!,
  type: i % 2 === 0 ? 'admin' : 'member',
}));
const CHANNELS = [
  { id: 'general', name: 'General', description: 'Everyone', status: 'open', type: 'public' },
  { id: 'ops', name: 'Ops', description: 'On call', status: 'open', type: 'private' },
  { id: 'random', name: 'Random', description: 'Anything goes', status: 'archived', type: 'public' },
];

describe.skipIf(chromiumMissing !== '')(`lists of users and channels${chromiumMissing ? ` (skipped: ${chromiumMissing})` : ''}`, () => {
  const server = useServer();
  const browser = useBrowser();

  const send = async (method: string, path: string, body?: unknown): Promise<any> => {
    const response = await fetch(`${server.url}/v2/objects/demo/${path}`, {
      method,
      ...(body !== undefined && { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
    });
    expect(response.status, `${method} ${path}`).toBe(200);
    return response.json();
  };

  /** The ids and total the server answers for a list query (the order the console must show). */
  const serverPage = async (query: string): Promise<{ ids: string[]; totalCount: number }> => {
    const body = await send('GET', `uuids?count=true&${query}`);
    return { ids: body.data.map((user: { id: string }) => user.id), totalCount: body.totalCount };
  };

  beforeAll(async () => {
    for (const { id, ...fields } of USERS) await send('PATCH', `uuids/${id}`, fields);
    for (const { id, ...fields } of CHANNELS) await send('PATCH', `channels/${id}`, fields);
  });

  /** A fresh console, connected to the `demo` keyset through its connect page, showing `section`. */
  async function openList(viewport: { width: number; height: number } = DESKTOP, section = 'users'): Promise<Page> {
    const page = await browser.open(server.url, viewport);
    await page.getByLabel('Subscribe key', { exact: true }).fill('demo');
    await page.getByRole('button', { name: 'Connect', exact: true }).click();
    await page.waitForFunction(() => location.hash.startsWith('#/users'));
    if (section !== 'users') await page.evaluate((to) => (location.hash = to), `#/${section}`);
    await page.locator('tbody tr[data-id]').first().waitFor();
    return page;
  }

  const shownIds = (page: Page): Promise<string[]> =>
    page.locator('tbody tr[data-id]').evaluateAll((rows) => rows.map((row) => (row as HTMLElement).dataset.id!));
  const rangeText = (page: Page): Promise<string> => page.locator('.pager-range').innerText();
  const filterBox = (page: Page) => page.getByRole('searchbox', { name: 'Filter' });

  /** Requests the page sends to the objects API from now on. */
  function objectRequests(page: Page): Request[] {
    const seen: Request[] = [];
    page.on('request', (request) => {
      if (request.url().includes('/v2/objects/')) seen.push(request);
    });
    return seen;
  }

  it('lists the users with id, name, email, status, type and updated, the id linking to the user', async () => {
    const page = await openList();
    const headers = await page.locator('thead th').allInnerTexts();
    expect(headers.map((text) => text.trim())).toEqual(['Id', 'Name', 'Email', 'Status', 'Type', 'Updated']);
    const expected = await serverPage('limit=25');
    expect(await shownIds(page)).toEqual(expected.ids);
    const first = page.locator('tbody tr[data-id="user-02"]');
    const cells = (await first.locator('th, td').allInnerTexts()).map((text) => text.trim());
    expect(cells.slice(0, 5)).toEqual(['user-02', 'Émile', 'user2@example.com', 'gone', 'admin']);
    expect(cells[5]).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC$/);
    expect(await first.getByRole('link', { name: 'user-02' }).getAttribute('href')).toBe('#/users/user-02');
    expect(await rangeText(page)).toBe('1–25 of 30');
  });

  it('lists channels with their description', async () => {
    const page = await openList(DESKTOP, 'channels');
    expect((await page.locator('thead th').allInnerTexts()).map((text) => text.trim())).toEqual(['Id', 'Name', 'Description', 'Status', 'Type', 'Updated']);
    expect(await shownIds(page)).toEqual(['general', 'ops', 'random']);
    expect(await page.locator('tbody tr[data-id="ops"] td').nth(1).innerText()).toBe('On call');
    expect(await rangeText(page)).toBe('1–3 of 3');
  });

  it("shows a filter's syntax error at its position as it is typed, without asking the server", async () => {
    const page = await openList();
    const requests = objectRequests(page);
    const box = filterBox(page);
    await box.pressSequentially('name = "bob"');
    const error = page.locator('.filter-error');
    await expect.poll(() => error.locator('.filter-message').innerText()).toBe("Unexpected '=' at position 5; compare with '=='");
    expect(await error.locator('.caret').innerText()).toBe('name = "bob"\n     ^');
    expect(await box.getAttribute('aria-invalid')).toBe('true');
    const describedBy = (await box.getAttribute('aria-describedby'))!.split(' ');
    expect(await error.getAttribute('id')).toBe(describedBy[0]);
    await box.press('Enter');
    await page.waitForTimeout(1000); // longer than the typing pause
    expect(requests.map((request) => request.url())).toEqual([]);
    expect(await page.evaluate(() => location.hash)).toBe('#/users');

    // Corrected: the error goes, and the filter is applied after the pause.
    await box.fill('name == "bob"');
    await expect.poll(() => error.innerText()).toBe('');
    expect(await box.getAttribute('aria-invalid')).toBeNull();
    await expect.poll(() => shownIds(page)).toEqual((await serverPage(`filter=${encodeURIComponent('name == "bob"')}`)).ids);
    expect(requests.length).toBeGreaterThan(0);
  });

  it("shows the server's refusal of a filter (an unknown field) at its position in the same way", async () => {
    const page = await openList();
    const box = filterBox(page);
    await box.fill('name == "Ann" && shoe_size > 3');
    await box.press('Enter');
    const error = page.locator('.filter-error');
    await expect.poll(() => error.locator('.filter-message').innerText()).toContain("'shoe_size'");
    expect(await error.locator('.filter-message').innerText()).toContain('at position 17');
    expect(await error.locator('.caret').innerText()).toBe(`name == "Ann" && shoe_size > 3\n${' '.repeat(17)}^`);
    expect(await box.getAttribute('aria-invalid')).toBe('true');
    expect(await shownIds(page)).toEqual([]);
  });

  it('narrows the rows with a valid filter on Enter, keeps it in the hash, and back restores the full list', async () => {
    const page = await openList();
    const everyone = await shownIds(page);
    const filter = 'status == "active" && name LIKE "*a*"';
    await filterBox(page).fill(filter);
    await filterBox(page).press('Enter');
    const expected = await serverPage(`filter=${encodeURIComponent(filter)}`);
    expect(expected.ids.length).toBeGreaterThan(0);
    expect(expected.ids.length).toBeLessThan(everyone.length);
    await expect.poll(() => shownIds(page)).toEqual(expected.ids);
    expect(await rangeText(page)).toBe(`1–${expected.ids.length} of ${expected.totalCount}`);
    expect(new URLSearchParams((await page.evaluate(() => location.hash)).split('?')[1]).get('filter')).toBe(filter);

    await page.goBack();
    await expect.poll(() => shownIds(page)).toEqual(everyone);
    expect(await filterBox(page).inputValue()).toBe('');
  });

  it('sorts by a column, and by further columns with shift-click or shift+Enter, as the server orders them', async () => {
    const page = await openList();
    const header = (label: string) => page.locator('thead th', { has: page.getByRole('button', { name: new RegExp(`^${label}`) }) });
    const button = (label: string) => header(label).getByRole('button');

    await button('Status').click();
    await expect.poll(() => shownIds(page)).toEqual((await serverPage('limit=25&sort=status:asc')).ids);
    expect(await header('Status').getAttribute('aria-sort')).toBe('ascending');

    await button('Name').click({ modifiers: ['Shift'] });
    await expect.poll(() => shownIds(page)).toEqual((await serverPage('limit=25&sort=status:asc&sort=name:asc')).ids);
    await button('Name').focus();
    await page.keyboard.press('Shift+Enter');
    const expected = (await serverPage('limit=25&sort=status:asc&sort=name:desc')).ids;
    await expect.poll(() => shownIds(page)).toEqual(expected);
    expect(await header('Status').getAttribute('aria-sort')).toBe('ascending');
    expect(await header('Status').locator('.sort-rank').innerText()).toBe('1');
    expect(await header('Name').locator('.sort-rank').innerText()).toBe('2');
    expect(await button('Name').innerText()).toContain('▼');
    expect(await page.evaluate(() => location.hash)).toBe(`#/users?sort=${encodeURIComponent('status:asc,name:desc')}`);

    // A plain click sorts by that column alone; again, the other way round.
    await button('Updated').click();
    await button('Updated').click();
    await expect.poll(() => shownIds(page)).toEqual((await serverPage('limit=25&sort=updated:desc')).ids);
    expect(await header('Updated').getAttribute('aria-sort')).toBe('descending');
    expect(await header('Status').getAttribute('aria-sort')).toBeNull();
    expect(await page.locator('.sort-rank').count()).toBe(0);
  });

  it('pages with next and prev, says which items of totalCount are shown, and changes the page size', async () => {
    const page = await openList();
    const nav = page.getByRole('navigation', { name: 'Pages' });
    const first = await serverPage('limit=25');
    expect(await rangeText(page)).toBe('1–25 of 30');
    expect(await nav.getByRole('button', { name: 'Previous' }).getAttribute('aria-disabled')).toBe('true');

    await nav.getByRole('button', { name: 'Next' }).click();
    await expect.poll(() => rangeText(page)).toBe('26–30 of 30');
    expect(await shownIds(page)).toEqual(USERS.map((user) => user.id).filter((id) => !first.ids.includes(id)));
    const next = nav.getByRole('button', { name: 'Next' });
    expect(await next.getAttribute('aria-disabled')).toBe('true');
    await next.click({ force: true }); // does nothing on the last page
    expect(await rangeText(page)).toBe('26–30 of 30');

    await nav.getByRole('button', { name: 'Previous' }).click();
    await expect.poll(() => rangeText(page)).toBe('1–25 of 30');
    expect(await shownIds(page)).toEqual(first.ids);

    await nav.getByLabel('Per page').selectOption('10');
    await expect.poll(() => rangeText(page)).toBe('1–10 of 30');
    await nav.getByRole('button', { name: 'Next' }).click();
    await expect.poll(() => rangeText(page)).toBe('11–20 of 30');
    expect(await shownIds(page)).toEqual(first.ids.slice(10, 20));
  });

  it("shows any other refusal (a damaged cursor in the link) in an alert, in the server's words", async () => {
    const page = await openList();
    await page.evaluate(() => (location.hash = '#/users?start=nGARBAGE'));
    const alert = page.locator('.list-alert[role="alert"]');
    await expect.poll(() => alert.innerText()).toContain("The 'start' cursor is not valid for this list, sort and filter.");
    expect(await shownIds(page)).toEqual([]);
    await page.goBack();
    await expect.poll(() => alert.innerText()).toBe('');
    expect((await shownIds(page)).length).toBe(25);
  });

  it('"New user" asks for an id, refuses an empty one, and opens the new user\'s page', async () => {
    const page = await openList();
    await page.getByRole('button', { name: 'New user' }).click();
    const dialog = page.getByRole('dialog', { name: 'New user' });
    const input = dialog.getByLabel('Id of the new user');
    await expect.poll(() => input.evaluate((element) => element === document.activeElement)).toBe(true);
    await dialog.getByRole('button', { name: 'Continue' }).click();
    expect(await dialog.getByRole('alert').innerText()).toBe('Enter an id for the new user.');
    expect(await input.getAttribute('aria-invalid')).toBe('true');
    expect(await page.evaluate(() => location.hash)).toBe('#/users');
    await input.fill('zed/1');
    await input.press('Enter');
    await page.waitForFunction(() => location.hash === '#/users/zed%2F1?new=1');
  });

  it('flashes a row on screen that changes through the API, and greys out one that is deleted', async () => {
    const page = await openList();
    const row = page.locator('tbody tr[data-id="user-07"]');
    await longPolling(page, ['user-07', 'user-08']);
    await send('PATCH', 'uuids/user-07', { name: 'Renamed elsewhere' });
    await expect.poll(() => row.locator('td').first().innerText(), { timeout: 10_000 }).toBe('Renamed elsewhere');
    await page.locator('tbody tr.flash[data-id="user-07"]').waitFor({ timeout: 5000 });
    await expect.poll(() => row.getAttribute('class'), { timeout: 5000 }).toBeNull();

    await send('DELETE', 'uuids/user-08');
    const gone = page.locator('tbody tr.deleted[data-id="user-08"]');
    await gone.waitFor({ timeout: 10_000 });
    expect(await gone.locator('th').innerText()).toContain('deleted');
    await send('PATCH', 'uuids/user-08', { name: USERS[8]!.name, email: USERS[8]!.email, status: USERS[8]!.status, type: USERS[8]!.type });
  });

  it('has no serious accessibility violation on the list at desktop and phone widths, with a filter error shown too', async () => {
    for (const viewport of [DESKTOP, PHONE]) {
      const page = await openList(viewport);
      expect(await seriousViolations(page), `${viewport.width} px`).toEqual([]);
      await filterBox(page).fill('name ==');
      await page.locator('.filter-error .caret').waitFor();
      expect(await seriousViolations(page), `${viewport.width} px, filter error`).toEqual([]);
      await page.getByRole('button', { name: 'New user' }).click();
      expect(await seriousViolations(page), `${viewport.width} px, new user dialog`).toEqual([]);
    }
  });

  it('at phone width the table scrolls inside its frame and the page does not overflow', async () => {
    const page = await openList(PHONE);
    const sizes = await page.evaluate(() => {
      const wrap = document.querySelector('.table-wrap')!;
      return { wrapScroll: wrap.scrollWidth, wrapClient: wrap.clientWidth, page: document.documentElement.scrollWidth, viewport: innerWidth };
    });
    expect(sizes.wrapScroll).toBeGreaterThan(sizes.wrapClient);
    expect(sizes.page).toBeLessThanOrEqual(sizes.viewport);
    await filterBox(page).fill(`name == "${'x'.repeat(80)}" &&`);
    await page.locator('.filter-error .caret').waitFor();
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(PHONE.width);
  });
});
