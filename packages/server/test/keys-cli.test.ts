import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const BIN = resolve(fileURLToPath(new URL('../bin/roster.js', import.meta.url)));
const run = promisify(execFile);

describe('roster keys new', () => {
  it('prints a fresh locked-down keyset ready for the config file', async () => {
    const [first, second] = await Promise.all([run(process.execPath, [BIN, 'keys', 'new']), run(process.execPath, [BIN, 'keys', 'new'])]);
    const keyset = JSON.parse(first.stdout) as Record<string, unknown>;
    expect(keyset).toEqual({
      publishKey: expect.stringMatching(/^pub-c-[0-9a-f-]{36}$/),
      subscribeKey: expect.stringMatching(/^sub-c-[0-9a-f-]{36}$/),
      secretKey: expect.stringMatching(/^sec-c-[A-Za-z0-9_-]{48}$/),
      accessManager: true,
      disallowGetAllUuids: true,
      disallowGetAllChannels: true,
    });
    expect(JSON.parse(second.stdout)).not.toEqual(keyset);
  });

  it('prints a keyset a config file takes as it is', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'roster-keys-'));
    try {
      const keyset = JSON.parse((await run(process.execPath, [BIN, 'keys', 'new'])).stdout) as { subscribeKey: string; secretKey: string };
      writeFileSync(join(dir, 'config.json'), JSON.stringify({ keysets: [keyset] }));
      const check = await run(process.execPath, [BIN, 'config', 'check', join(dir, 'config.json')]);
      expect(check.stdout).toContain(
        `keyset ${keyset.subscribeKey}: signatures on, Access Manager on, get-all users disallowed to unsigned clients, get-all channels disallowed to unsigned clients`,
      );
      expect(check.stdout).not.toContain(keyset.secretKey);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000); // two CLI runs one after the other

  it('refuses a config with Access Manager but no secret key', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'roster-keys-'));
    try {
      writeFileSync(join(dir, 'config.json'), JSON.stringify({ keysets: [{ publishKey: 'p', subscribeKey: 's', accessManager: true }] }));
      const failure = run(process.execPath, [BIN, 'serve', '--port', '0', '--db', join(dir, 'x.db'), '--config', join(dir, 'config.json')]);
      await expect(failure).rejects.toMatchObject({ code: 1, stderr: expect.stringContaining('accessManager needs a secretKey') });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
