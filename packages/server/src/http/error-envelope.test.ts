import Database from 'better-sqlite3';
import postgres from 'postgres';
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

  it('answers a PostgreSQL that cannot be reached with a 503, not a 500', async () => {
    // Port 1 on loopback: nothing listens, the driver's own error comes back.
    const sql = postgres('postgres://postgres@127.0.0.1:1/roster', { max: 1, connect_timeout: 2, onnotice: () => undefined });
    const failure: unknown = await sql`select 1`.then(
      () => undefined,
      (error: unknown) => error,
    );
    await sql.end({ timeout: 1 });
    expect(asRosterError(failure)).toMatchObject({ code: 'STORAGE_UNAVAILABLE', status: 503 });
  });

  it.each(['CONNECTION_CLOSED', 'CONNECT_TIMEOUT', '08006', '53300', '57P01'])('answers PostgreSQL %s with a 503', (code) => {
    expect(asRosterError(Object.assign(new Error('from PostgreSQL'), { code }))).toMatchObject({ code: 'STORAGE_UNAVAILABLE', status: 503 });
  });

  it('keeps any other failure a 500', () => {
    expect(asRosterError(sqliteError('SQLITE_ERROR')).status).toBe(500);
    expect(asRosterError(new Error('bug')).status).toBe(500);
    expect(asRosterError(Object.assign(new Error('duplicate key'), { code: '23505' })).status).toBe(500);
  });
});
