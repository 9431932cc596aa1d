import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { prepareDatabasePath } from './directory.ts';

const dir = mkdtempSync(join(tmpdir(), 'roster-db-path-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('prepareDatabasePath', () => {
  it('creates the missing directories of the database file', () => {
    prepareDatabasePath(join(dir, 'data', 'nested', 'roster.db'));
    expect(existsSync(join(dir, 'data', 'nested'))).toBe(true);
  });

  it('names the directory it cannot create, and why (without hanging, as a recursive mkdir under /proc does)', () => {
    expect(() => prepareDatabasePath('/proc/roster-test/data/roster.db')).toThrow(
      'Cannot create the database directory /proc/roster-test: it cannot be created there (ENOENT)',
    );
  });

  it('names a file that stands where a directory should', () => {
    writeFileSync(join(dir, 'plain-file'), '');
    expect(() => prepareDatabasePath(join(dir, 'plain-file', 'roster.db'))).toThrow(
      `Cannot create the database directory ${join(dir, 'plain-file')}: a file of that name is in the way`,
    );
  });

  it('refuses a directory given as the database file', () => {
    mkdirSync(join(dir, 'a-directory'));
    expect(() => prepareDatabasePath(join(dir, 'a-directory'))).toThrow(`The database path ${join(dir, 'a-directory')} is a directory; --db takes a file`);
  });
});
