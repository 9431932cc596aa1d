/**
 * Browser smoke test: the SDK's build (scripts/build.ts, what `npm pack` ships: one ES module with
 * the protocol bundled in), loaded unbundled in Chromium, against a real Roster server
 * (cross-origin, so CORS is exercised too). Needs /usr/bin/chromium and the playwright-core
 * package; it is skipped, saying so, where either is missing.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildSdk } from '../scripts/build.ts';
import { chromiumMissing, evaluateInChromium } from './helpers/chromium.ts';
import { startRoster } from './helpers/roster.ts';

describe('browser', () => {
  if (chromiumMissing !== '') {
    it.skip(`smoke test skipped: ${chromiumMissing} not available on this machine`, () => undefined);
    return;
  }

  // Builds the SDK and starts a server and Chromium: on a busy 2-core machine that alone has taken over 30 s.
  it('runs the built SDK in Chromium against a Roster server', { timeout: 120_000 }, async () => {
    const out = mkdtempSync(join(tmpdir(), 'roster-sdk-browser-'));
    const roster = await startRoster();
    try {
      await buildSdk(out);
      const { name, check } = await evaluateInChromium<{ name: string; check: unknown }>(
        out,
        `(async () => {
          const sdk = await import('/index.js');
          const client = new sdk.Roster({ subscribeKey: 'demo', userId: 'browser-user', origin: ${JSON.stringify(roster.url)} });
          await client.setUUIDMetadata().setName('From a browser').sync();
          const { result } = await client.getUUIDMetadata().sync();
          return { name: result.data.name, check: sdk.checkFilter('name == "x" &&') };
        })()`,
      );
      expect(name).toBe('From a browser');
      expect(check).toEqual({ ok: false, message: 'Expected a field name at position 14, found the end of the filter', position: 14, length: 1 });
    } finally {
      await roster.close();
      rmSync(out, { recursive: true, force: true });
    }
  });
});
