/**
 * The console's detail pages for a user and a channel, in a real Chromium against a real node:
 * editing every field and `custom` (as key/value rows and as raw JSON, with the server's rules
 * checked before sending), saving with If-Match so a concurrent change becomes a conflict the
 * operator settles, deleting after confirmation, creating, keyboard use and accessibility.
 */
import { useServer } from '@roster/testing';
import type { Locator, Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { chromiumMissing, DESKTOP, longPolling, PHONE, seriousViolations, useBrowser } from './helpers/browser.ts';

describe.skipIf(chromiumMissing !== '')(`user and channel detail pages${chromiumMissing ? ` (skipped: ${chromiumMissing})` : ''}`, () => {
  const server = useServer();
  const browser = useBrowser();

  const request = (method: string, path: string, body?: unknown): Promise<Response> =>
    fetch(`${server.url}/v2/objects/demo/${path}`, {
      method,
      ...(body !== undefined && { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
    });

  /** Creates or changes a record over HTTP, as another client would. */
  const put = async (section: 'uuids' | 'channels', id: string, body: Record<string, unknown>): Promise<void> => {
    const response = await request('PATCH', `${section}/${id}?include=custom,status,type`, body);
    expect(response.status, `PATCH ${section}/${id}`).toBe(200);
  };

  /** The record as the server has it now, or undefined when it answers 404. */
  const stored = async (section: 'uuids' | 'channels', id: string): Promise<any> => {
    const response = await request('GET', `${section}/${id}?include=custom,status,type`);
    if (response.status === 404) return undefined;
    expect(response.status).toBe(200);
    return ((await response.json()) as { data: unknown }).data;
  };

  /** A fresh console, connected to `demo` through its connect page, at `hash`. */
  async function open(hash: string, viewport: { width: number; height: number } = DESKTOP): Promise<Page> {
    const page = await browser.open(server.url, viewport);
    await page.getByLabel('Subscribe key', { exact: true }).fill('demo');
    await page.getByRole('button', { name: 'Connect', exact: true }).click();
    await page.waitForFunction(() => location.hash.startsWith('#/users'));
    await page.evaluate((to) => (location.hash = to), hash);
    await page.locator('#record-title').waitFor();
    return page;
  }

  /** The record's form (the memberships panel below it has controls of its own). */
  const formOf = (page: Page): Locator => page.locator('form[aria-labelledby="record-title"]');
  const field = (page: Page, label: string): Locator => formOf(page).getByLabel(label, { exact: true });
  const button = (page: Page, name: string): Locator => formOf(page).getByRole('button', { name, exact: true });
  const customProblem = (page: Page): Locator => formOf(page).locator('.custom-editor p.error');
  const status = (page: Page): Locator => formOf(page).getByRole('status');

  async function openUser(id: string, viewport?: { width: number; height: number }): Promise<Page> {
    const page = await open(`#/users/${id}`, viewport);
    await field(page, 'Name').waitFor();
    return page;
  }

  it('edits the name and custom as key/value rows, and the server has them after Save', async () => {
    await put('uuids', 'ann', { name: 'Ann', email: 'ann@example.com', custom: { team: 'red' } });
    const page = await openUser('ann');
    expect(await field(page, 'Name').inputValue()).toBe('Ann');
    expect(await field(page, 'Email').inputValue()).toBe('ann@example.com');
    expect(await field(page, 'Row 1 key').inputValue()).toBe('team');
    expect(await field(page, 'Row 1 value').inputValue()).toBe('red');
    const { updated } = await stored('uuids', 'ann');
    await expect(page.getByText('Last updated').locator('time').textContent()).resolves.toBe(`${updated.slice(0, 19).replace('T', ' ')} UTC`);

    await field(page, 'Name').fill('Ann B.');
    await button(page, 'Add field').click();
    await expect.poll(() => page.evaluate(() => document.activeElement?.getAttribute('aria-label'))).toBe('Row 2 key');
    await field(page, 'Row 2 key').fill('level');
    await field(page, 'Row 2 type').selectOption('number');
    await field(page, 'Row 2 value').fill('3');
    await button(page, 'Add field').click();
    await field(page, 'Row 3 key').fill('admin');
    await field(page, 'Row 3 type').selectOption('boolean');
    await field(page, 'Row 3 value').selectOption('true');
    await button(page, 'Save').click();
    await expect.poll(() => status(page).innerText()).toBe('Saved.');
    const saved = await stored('uuids', 'ann');
    expect(saved).toMatchObject({ name: 'Ann B.', email: 'ann@example.com', custom: { team: 'red', level: 3, admin: true } });

    await button(page, 'Remove row 1').click();
    await button(page, 'Save').click();
    await expect.poll(async () => (await stored('uuids', 'ann')).custom).toEqual({ level: 3, admin: true });
  });

  it('edits custom as raw JSON, shown from the rows and back', async () => {
    await put('uuids', 'bea', { name: 'Bea', custom: { team: 'red', score: 2 } });
    const page = await openUser('bea');
    await button(page, 'Raw JSON').click();
    const json = field(page, 'Custom fields as JSON');
    expect(JSON.parse(await json.inputValue())).toEqual({ team: 'red', score: 2 });
    await json.fill('{"team": "blue", "score": 1.5, "gone": null, "on": false}');
    await button(page, 'Save').click();
    await expect.poll(() => status(page).innerText()).toBe('Saved.');
    expect((await stored('uuids', 'bea')).custom).toEqual({ team: 'blue', score: 1.5, gone: null, on: false });

    // Saving refills the form from the server's answer: rows again, in the stored order.
    await expect(await button(page, 'Raw JSON').getAttribute('aria-pressed')).toBe('false');
    expect(await field(page, 'Row 2 key').inputValue()).toBe('score');
    expect(await field(page, 'Row 2 type').inputValue()).toBe('number');
    expect(await field(page, 'Row 3 type').inputValue()).toBe('null');
  });

  it('refuses what the server would, inline and with Save disabled, and shows the server’s own refusal at its field', async () => {
    await put('uuids', 'cleo', { name: 'Cleo', custom: { team: 'red' } });
    const page = await openUser('cleo');
    const save = button(page, 'Save');
    await button(page, 'Raw JSON').click();
    const json = field(page, 'Custom fields as JSON');

    const refusals: [string, RegExp][] = [
      ['{"prefs": {"dark": true}}', /Custom "prefs" must be a string, number, boolean or null; nested objects and arrays are not allowed/],
      ['{"tags": ["a"]}', /Custom "tags" must be a string, number, boolean or null/],
      ['{"team": "red",', /Custom is not valid JSON/],
      ['{"a": 1, "a": 2}', /Custom key "a" appears more than once/],
      ['[1, 2]', /Custom must be a JSON object/],
      [JSON.stringify({ big: 'x'.repeat(33_000) }), /Custom is 33\d{3} bytes; a whole record may take at most 32768/],
    ];
    for (const [text, message] of refusals) {
      await json.fill(text);
      await expect.poll(() => customProblem(page).innerText()).toMatch(message);
      expect(await save.isDisabled(), text).toBe(true);
      expect(await json.getAttribute('aria-invalid')).toBe('true');
    }
    // Invalid JSON cannot go back to rows until it is fixed.
    await button(page, 'Raw JSON').click();
    expect(await button(page, 'Raw JSON').getAttribute('aria-pressed')).toBe('true');
    await json.fill('{"team": "red"}');
    await expect.poll(() => save.isDisabled()).toBe(false);
    await button(page, 'Raw JSON').click();

    await button(page, 'Add field').click();
    await expect.poll(() => customProblem(page).innerText()).toMatch(/Custom row 2 has an empty key/);
    expect(await save.isDisabled()).toBe(true);
    await field(page, 'Row 2 key').fill('team');
    await expect.poll(() => customProblem(page).innerText()).toMatch(/Custom key "team" appears more than once/);
    await field(page, 'Row 2 key').fill('age');
    await field(page, 'Row 2 type').selectOption('number');
    await field(page, 'Row 2 value').fill('twelve');
    await expect.poll(() => customProblem(page).innerText()).toMatch(/Custom "age" must be a number/);
    await button(page, 'Remove row 2').click();
    await expect.poll(() => save.isDisabled()).toBe(false);

    await field(page, 'Status').fill('s'.repeat(51));
    await expect.poll(() => formOf(page).locator('#field-status-problem').innerText()).toBe('User status is 51 characters long; at most 50 are allowed.');
    expect(await save.isDisabled()).toBe(true);
    await field(page, 'Status').fill('ok');

    // Passes the console's loose email check; the server's 400 names the field and is shown there.
    await field(page, 'Email').fill('cleo..x@example.com');
    await save.click();
    await expect.poll(() => formOf(page).locator('#field-email-problem').innerText()).toMatch(/User email must be a valid email address/);
    expect(await status(page).innerText()).toMatch(/^Not saved: .*user\.email/);
    expect(await stored('uuids', 'cleo')).toMatchObject({ name: 'Cleo', email: null, status: null });
  });

  it('keeps a custom row being typed when the browser paints late (effects run after the next change)', async () => {
    await put('uuids', 'dora', { name: 'Dora' });
    const page = await openUser('dora');
    await button(page, 'Add field').click();
    await field(page, 'Row 1 key').waitFor();
    // Preact runs effects after a paint, or 100 ms later at most: with no paint coming, two
    // changes land before the first one's effects run, as on a loaded machine.
    await page.evaluate(async () => {
      window.requestAnimationFrame = () => 0;
      const form = document.querySelector('form[aria-labelledby="record-title"]')!;
      const key = form.querySelector<HTMLInputElement>('[aria-label="Row 1 key"]')!;
      key.value = 'age';
      key.dispatchEvent(new Event('input', { bubbles: true }));
      await new Promise((rendered) => setTimeout(rendered, 0));
      const type = form.querySelector<HTMLSelectElement>('[aria-label="Row 1 type"]')!;
      type.value = 'number';
      type.dispatchEvent(new Event('change', { bubbles: true }));
    });
    await page.waitForTimeout(300);
    expect(await field(page, 'Row 1 key').inputValue()).toBe('age');
    expect(await field(page, 'Row 1 type').inputValue()).toBe('number');
    await field(page, 'Row 1 value').fill('x');
    await expect.poll(() => customProblem(page).innerText()).toMatch(/Custom "age" must be a number/);
  });

  it('shows a concurrent change as a conflict with both versions, and writes nothing until the operator chooses', async () => {
    await put('uuids', 'cora', { name: 'Cora', custom: { team: 'red' } });
    const page = await openUser('cora');
    const conflict = page.locator('section.conflict');
    const side = (title: string) => conflict.getByRole('region', { name: title, exact: true });

    // Round 1: edit, someone else changes the record, Save → conflict; "Take theirs".
    await field(page, 'Name').fill('Cora (mine)');
    await put('uuids', 'cora', { name: 'Cora (theirs)', custom: { team: 'blue' } });
    await button(page, 'Save').click();
    await conflict.waitFor();
    expect(await side('Your version').innerText()).toContain('Cora (mine)');
    expect(await side('Current version on the server').innerText()).toContain('Cora (theirs)');
    expect(await side('Current version on the server').innerText()).toContain('"team": "blue"');
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('conflict-heading');
    expect(await button(page, 'Save').isDisabled()).toBe(true);
    expect(await stored('uuids', 'cora')).toMatchObject({ name: 'Cora (theirs)', custom: { team: 'blue' } });
    await conflict.getByRole('button', { name: 'Take theirs' }).click();
    await conflict.waitFor({ state: 'detached' });
    expect(await field(page, 'Name').inputValue()).toBe('Cora (theirs)');
    expect(await field(page, 'Row 1 value').inputValue()).toBe('blue');
    expect(await stored('uuids', 'cora')).toMatchObject({ name: 'Cora (theirs)' });

    // Round 2: the same, then "Save mine over theirs".
    await field(page, 'Name').fill('Cora (mine 2)');
    await put('uuids', 'cora', { name: 'Cora (theirs 2)' });
    await button(page, 'Save').click();
    await conflict.waitFor();
    expect(await stored('uuids', 'cora')).toMatchObject({ name: 'Cora (theirs 2)' });
    await conflict.getByRole('button', { name: 'Save mine over theirs' }).click();
    await expect.poll(() => status(page).innerText()).toBe('Saved your version.');
    expect(await stored('uuids', 'cora')).toMatchObject({ name: 'Cora (mine 2)', custom: { team: 'blue' } });

    // Round 3: "Keep editing mine" writes nothing; the next Save overwrites the version it saw.
    await field(page, 'Name').fill('Cora (mine 3)');
    await put('uuids', 'cora', { name: 'Cora (theirs 3)' });
    await button(page, 'Save').click();
    await conflict.getByRole('button', { name: 'Keep editing mine' }).click();
    await conflict.waitFor({ state: 'detached' });
    expect(await field(page, 'Name').inputValue()).toBe('Cora (mine 3)');
    expect(await stored('uuids', 'cora')).toMatchObject({ name: 'Cora (theirs 3)' });
    await button(page, 'Save').click();
    await expect.poll(() => status(page).innerText()).toBe('Saved.');
    expect(await stored('uuids', 'cora')).toMatchObject({ name: 'Cora (mine 3)' });
  });

  it('follows changes made elsewhere: reloads an untouched form, warns over unsaved edits, greys out when deleted', async () => {
    await put('uuids', 'gus', { name: 'Gus' });
    const page = await openUser('gus');
    await longPolling(page, ['gus']);

    await put('uuids', 'gus', { name: 'Gus (elsewhere)' });
    await expect.poll(() => field(page, 'Name').inputValue(), { timeout: 10_000 }).toBe('Gus (elsewhere)');
    expect(await status(page).innerText()).toBe('Reloaded: this user was changed elsewhere.');

    await field(page, 'Name').fill('Gus (mine)');
    await put('uuids', 'gus', { name: 'Gus (elsewhere 2)' });
    await page.getByText('This user was changed elsewhere while you were editing.').waitFor({ timeout: 10_000 });
    expect(await field(page, 'Name').inputValue()).toBe('Gus (mine)');
    await button(page, 'Save').click();
    await page.locator('section.conflict').waitFor();
    expect(await stored('uuids', 'gus')).toMatchObject({ name: 'Gus (elsewhere 2)' });
    await page.getByRole('button', { name: 'Take theirs' }).click();

    // A custom row still being typed (a number not yet one, so no value) is an edit too: kept, and warned about.
    await button(page, 'Add field').click();
    await field(page, 'Row 1 key').fill('age');
    await field(page, 'Row 1 type').selectOption('number');
    await field(page, 'Row 1 value').fill('1e');
    await expect.poll(() => customProblem(page).innerText()).toMatch(/Custom "age" must be a number/);
    await put('uuids', 'gus', { name: 'Gus (elsewhere 3)' });
    await page.getByText('This user was changed elsewhere while you were editing.').waitFor({ timeout: 10_000 });
    expect(await field(page, 'Row 1 value').inputValue()).toBe('1e');

    expect((await request('DELETE', 'uuids/gus')).status).toBe(200);
    await page.getByText('This user was deleted elsewhere.').waitFor({ timeout: 10_000 });
    expect(await formOf(page).getAttribute('class')).toContain('deleted');
    expect(await button(page, 'Save').isDisabled()).toBe(true);
    expect(await field(page, 'Name').isDisabled()).toBe(true);
  });

  it('deletes only after confirmation naming the id, then returns to the list', async () => {
    await put('uuids', 'dave', { name: 'Dave' });
    const page = await openUser('dave');
    const dialog = page.getByRole('dialog', { name: 'Delete user dave?' });
    const deleteButton = button(page, 'Delete');

    await deleteButton.click();
    await dialog.waitFor();
    expect(await dialog.innerText()).toContain('dave');
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'hidden' });
    expect(await deleteButton.evaluate((element) => element === document.activeElement)).toBe(true);
    expect(await stored('uuids', 'dave')).toBeDefined();

    await deleteButton.click();
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await dialog.waitFor({ state: 'hidden' });
    expect(await stored('uuids', 'dave')).toBeDefined();

    await deleteButton.click();
    await dialog.getByRole('button', { name: 'Delete user' }).click();
    await page.waitForFunction(() => location.hash === '#/users');
    expect(await stored('uuids', 'dave')).toBeUndefined();
  });

  it('creates a new channel, and never overwrites one whose id is taken', async () => {
    const page = await open('#/channels/new-room?new=1');
    expect(await page.locator('#record-title').innerText()).toBe('New channel new-room');
    expect(await field(page, 'Name').inputValue()).toBe('');
    await field(page, 'Name').fill('New room');
    await field(page, 'Description').fill('Fresh paint');
    await field(page, 'Type').fill('public');
    await button(page, 'Add field').click();
    await field(page, 'Row 1 key').fill('topic');
    await field(page, 'Row 1 value').fill('hello');
    await button(page, 'Create').click();
    await expect.poll(() => status(page).innerText()).toBe('Created.');
    expect(await page.evaluate(() => location.hash)).toBe('#/channels/new-room');
    expect(await stored('channels', 'new-room')).toMatchObject({ name: 'New room', description: 'Fresh paint', type: 'public', custom: { topic: 'hello' } });
    // Now an existing record: Save, and Delete beside it.
    expect(await button(page, 'Save').isVisible()).toBe(true);
    expect(await button(page, 'Delete').isVisible()).toBe(true);

    const again = await open('#/channels/new-room?new=1');
    await again.getByText('exists already').waitFor();
    expect(await formOf(again).count()).toBe(0);

    // Taken between opening the form and pressing Create.
    const racing = await open('#/channels/raced?new=1');
    await field(racing, 'Name').fill('Mine');
    await put('channels', 'raced', { name: 'Theirs' });
    await button(racing, 'Create').click();
    await racing.getByText('exists already').waitFor();
    expect(await stored('channels', 'raced')).toMatchObject({ name: 'Theirs' });
  });

  it('opens the form from "Create it" on a missing record, and the record from "Open it" on a taken id', async () => {
    const page = await open('#/channels/ghost-room');
    await page.getByRole('link', { name: 'Create it' }).click();
    await expect.poll(() => page.locator('#record-title').innerText()).toBe('New channel ghost-room');
    await field(page, 'Name').fill('Ghost room');
    await button(page, 'Create').click();
    await expect.poll(() => status(page).innerText()).toBe('Created.');
    expect(await stored('channels', 'ghost-room')).toMatchObject({ name: 'Ghost room' });

    const taken = await open('#/channels/ghost-room?new=1');
    await taken.getByRole('link', { name: 'Open it' }).click();
    await expect.poll(() => field(taken, 'Name').inputValue()).toBe('Ghost room');
    expect(await button(taken, 'Delete').isVisible()).toBe(true);
  });

  it('has no serious axe violations at desktop and phone widths, and fits a phone', async () => {
    await put('uuids', 'erin', { name: 'Erin', email: 'erin@example.com', custom: { team: 'red', level: 2, on: true, none: null } });
    for (const viewport of [DESKTOP, PHONE]) {
      const page = await openUser('erin', viewport);
      expect(await seriousViolations(page), `form ${viewport.width}`).toEqual([]);
      expect(await page.evaluate(() => document.documentElement.scrollWidth <= innerWidth), `no sideways scroll at ${viewport.width}`).toBe(true);

      await button(page, 'Raw JSON').click();
      await field(page, 'Custom fields as JSON').fill('{"a": {"b": 1}}');
      await customProblem(page).getByText('nested').waitFor();
      expect(await seriousViolations(page), `raw JSON with a problem ${viewport.width}`).toEqual([]);
      await field(page, 'Custom fields as JSON').fill('{"team": "red"}');

      await field(page, 'Name').fill(`Erin ${viewport.width}`);
      await put('uuids', 'erin', { name: `Erin elsewhere ${viewport.width}` });
      await button(page, 'Save').click();
      await page.locator('section.conflict').waitFor();
      expect(await seriousViolations(page), `conflict ${viewport.width}`).toEqual([]);
      expect(await page.evaluate(() => document.documentElement.scrollWidth <= innerWidth), `conflict fits ${viewport.width}`).toBe(true);
      await page.getByRole('button', { name: 'Take theirs' }).click();

      await button(page, 'Delete').click();
      await page.getByRole('dialog').waitFor();
      expect(await seriousViolations(page), `dialog ${viewport.width}`).toEqual([]);
    }
  });

  it('reaches the inputs with Tab in visual order, and the dialog keeps and returns focus', async () => {
    await put('uuids', 'finn', { name: 'Finn', custom: { team: 'red' } });
    const page = await openUser('finn');
    await field(page, 'Name').focus();
    const visited: { name: string; top: number; left: number }[] = [];
    for (let i = 0; i < 13; i++) {
      visited.push(
        await page.evaluate(() => {
          const element = document.activeElement as HTMLElement & { labels?: NodeListOf<HTMLLabelElement> | null };
          const box = element.getBoundingClientRect();
          const name = element.getAttribute('aria-label') ?? element.labels?.[0]?.innerText ?? element.innerText;
          return { name: name.trim(), top: Math.round(box.top), left: Math.round(box.left) };
        }),
      );
      await page.keyboard.press('Tab');
    }
    expect(visited.map((stop) => stop.name)).toEqual([
      'Name',
      'External ID',
      'Profile URL',
      'Email',
      'Status',
      'Type',
      'Raw JSON',
      'Row 1 key',
      'Row 1 type',
      'Row 1 value',
      'Remove row 1',
      'Add field',
      'Save',
    ]);
    // Visual order: each stop is below the last, or on the same line to its right.
    for (let i = 1; i < visited.length; i++) {
      const [before, after] = [visited[i - 1]!, visited[i]!];
      expect(after.top > before.top || (Math.abs(after.top - before.top) < 8 && after.left > before.left), `${before.name} → ${after.name}`).toBe(true);
    }
    // Then Delete, which opens the dialog from the keyboard.
    const focusedName = () => page.evaluate(() => (document.activeElement as HTMLElement).innerText.trim());
    expect(await focusedName()).toBe('Delete');
    await page.keyboard.press('Enter');
    const dialog = page.getByRole('dialog', { name: 'Delete user finn?' });
    await dialog.waitFor();
    expect(await focusedName()).toBe('Cancel');
    await page.keyboard.press('Tab');
    expect(await focusedName()).toBe('Delete user');
    await page.keyboard.press('Tab');
    expect(await focusedName()).toBe('Cancel');
    await page.keyboard.press('Shift+Tab');
    expect(await focusedName()).toBe('Delete user');
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'hidden' });
    expect(await focusedName()).toBe('Delete');
    expect(await stored('uuids', 'finn')).toBeDefined();
  });
});
