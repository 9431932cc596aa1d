import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { asRosterError, toWireError } from './error-envelope.ts';

const sqliteError = (code: string) => new Database.SqliteError('from SQLite', code);

describe('storage failures', () => {
  it('answers a full disk (SQLITE_FULL) with a 507 in the objects envelope', () => {
    const wire = toWireError(asRosterError(sqliteError('SQLITE_FULL')), 'objects');
    expect(wire).toEqual({
      status: 507,
      contentType: 'application/json',
      body: { status: 507, error: { message: 'The server is out of disk space: the request was not applied.', source: 'objects' } },
    });
  });

  it.each(['SQLITE_IOERR', 'SQLITE_IOERR_WRITE', 'SQLITE_IOERR_SHMSIZE', 'SQLITE_READONLY', 'SQLITE_READONLY_DBMOVED'])('answers %s with a 503', (code) => {
    expect(asRosterError(sqliteError(code))).toMatchObject({ code: 'STORAGE_UNAVAILABLE', status: 503 });
  });

  it('keeps any other failure a 500', () => {
    expect(asRosterError(sqliteError('SQLITE_ERROR')).status).toBe(500);
    expect(asRosterError(new Error('bug')).status).toBe(500);
  });
});
