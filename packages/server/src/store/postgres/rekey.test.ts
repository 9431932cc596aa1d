import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDatabase, postgresUnavailable, titled, type TestDatabase } from '../../../test/store-contract/postgres.ts';
import { DEFAULT_LIMITS } from '../../model/keyset.ts';
import type { ChannelRecord, UuidRecord } from '../../model/records.ts';
import { CHANNEL_RESOURCE, MEMBERSHIP_RESOURCE, UUID_RESOURCE, type ResourceDescriptor } from '../../model/resources.ts';
import { decideObject } from '../../objects/apply.ts';
import { membershipBatch } from '../../objects/membership-rules.ts';
import { COLLATION_STAMP, sortKey } from '../../query/collation.ts';
import { connect, type Database } from './connection.ts';
import { PostgresStore } from './index.ts';
import { storedShape } from './rows.ts';

/**
 * Sort keys computed again on start when the collation stamp changed (migrate.ts
 * `refreshSortKeys`): every row is read, and only a row whose keys come out different is written,
 * so an upgrade that changes few keys rewrites few rows.
 */
const unavailable = await postgresUnavailable();
const rules = { ifMatch: undefined, merge: false, limits: DEFAULT_LIMITS };

/** Texts whose keys are easy to get wrong: escaped controls, accents, emoji, a key cut short. */
const TEXTS = ['nul\u0000name', 'soh\u0001name', 'both\u0001\u0000', 'Émilie', 'Ångström', 'straße', '😀 emoji 👩‍👩‍👧', 'é'.repeat(700)];
/** A custom value of every JSON type, texts as tricky as `TEXTS`. */
const CUSTOM = { text: 'é\u0000\u0001😀', int: 42, float: -1.5, zero: 0, yes: true, no: false, none: null, 'kéy\u0001': 'Zoe' };

const TABLES: readonly { resource: ResourceDescriptor<never>; identity: string }[] = [
  { resource: UUID_RESOURCE, identity: 'id' },
  { resource: CHANNEL_RESOURCE, identity: 'id' },
  { resource: MEMBERSHIP_RESOURCE, identity: 'uuid_id, channel_id' },
] as never;

/** Corrupts every stored key and marks them stale, then opens the store: it computes them again. */
async function rekeyAll(sql: Database, url: string): Promise<void> {
  for (const { resource } of TABLES) {
    const keys = storedShape(resource).keyColumns.filter((column) => column !== 'custom_k');
    await sql.unsafe(`UPDATE ${resource.table} SET custom_k = '{"stale": "1"}', ${keys.map((column) => `${column} = decode('00', 'hex')`).join(', ')}`);
  }
  await sql`UPDATE roster_meta SET value = 'roster-collation-0' WHERE name = 'collation'`;
  await (await PostgresStore.open(url)).close();
}

describe.skipIf(unavailable !== undefined)(titled('PostgreSQL sort keys computed again', unavailable), () => {
  let database: TestDatabase;
  let sql: Database;
  /** Each user's row version (`xmin`: the transaction that last wrote it) and stored name key. */
  const rows = async () =>
    new Map((await sql<{ id: string; xmin: string; key: Buffer }[]>`SELECT id, xmin::text, name_key AS key FROM uuids`).map((row) => [row.id, row]));

  /** Every stored key of every keyed table, exactly: `bytea` as hex, `jsonb` as PostgreSQL prints it. */
  const storedKeys = async () => {
    const tables: Record<string, unknown[]> = {};
    for (const { resource, identity } of TABLES) {
      const keys = storedShape(resource).keyColumns.map((column) => (column === 'custom_k' ? 'custom_k::text' : `encode(${column}, 'hex') AS ${column}`));
      tables[resource.table] = await sql.unsafe(`SELECT sub_key, ${identity}, ${keys.join(', ')} FROM ${resource.table} ORDER BY sub_key, ${identity}`);
    }
    return tables;
  };

  beforeAll(async () => {
    database = await createDatabase();
    sql = connect(database.url, { max: 1 });
  });
  afterAll(async () => {
    await sql?.end();
    await database?.drop();
  });

  it('writes only the rows whose keys changed, and stamps the keys with this collation', async () => {
    const store = await PostgresStore.open(database.url);
    for (const [id, name] of [
      ['kept', 'Kept'],
      ['stale', 'Stale'],
    ] as const) {
      await store.uuids.write('rekey', id, decideObject<UuidRecord>('uuid', id, { name }, rules));
    }
    await store.close();
    await sql`UPDATE uuids SET name_key = decode('00', 'hex') WHERE id = 'stale'`;
    await sql`UPDATE roster_meta SET value = 'roster-collation-0' WHERE name = 'collation'`;
    const before = await rows();

    await (await PostgresStore.open(database.url)).close();
    const after = await rows();
    expect(after.get('kept')?.xmin).toBe(before.get('kept')?.xmin);
    expect(after.get('stale')?.xmin).not.toBe(before.get('stale')?.xmin);
    expect(after.get('stale')?.key.toString('utf8')).toBe(sortKey('Stale'));
    expect((await sql`SELECT value FROM roster_meta WHERE name = 'collation'`)[0]?.['value']).toBe(COLLATION_STAMP);
  });

  it('stores, for every resource, the very bytes a fresh write stores: controls, accents, emoji, long texts, custom values of every JSON type', async () => {
    const store = await PostgresStore.open(database.url);
    const subKey = 'bytes';
    for (const [index, text] of TEXTS.entries()) {
      const id = `${text.slice(0, 40)}-${index}`;
      const user = { name: text, email: text, externalId: text, profileUrl: text, status: text, type: text, custom: CUSTOM };
      await store.uuids.write(subKey, id, decideObject<UuidRecord>('uuid', id, user, rules));
      const channel = { name: text, description: text, status: text, type: text, custom: { ...CUSTOM, text } };
      await store.channels.write(subKey, id, decideObject<ChannelRecord>('channel', id, channel, rules));
      const keyset = { subscribeKey: subKey, referentialIntegrity: false, limits: DEFAULT_LIMITS };
      const set = [{ otherId: id, patch: { status: text, type: text, custom: index % 2 === 0 ? CUSTOM : null } }];
      await store.memberships.apply(membershipBatch({ side: 'uuid', ownerId: id, body: { set, delete: [] }, merge: false }, keyset));
    }
    await store.close();
    const written = await storedKeys();
    expect(written['memberships']).toHaveLength(TEXTS.length);

    await rekeyAll(sql, database.url);
    expect(await storedKeys()).toEqual(written);
  });

  it('computes again the keys of tables longer than one page, users and memberships alike', async () => {
    // More rows than two of migrate.ts's pages (REKEY_BATCH, 5,000), in a keyset of their own.
    await sql`INSERT INTO uuids (sub_key, id, name, updated, etag, id_key, name_key, external_id_key, profile_url_key, email_key, status_key, type_key)
      SELECT 'paged', 'u' || g, 'Name ' || g, '2024', 'e', '', '', '', '', '', '', '' FROM generate_series(1, 12000) AS g`;
    await sql`INSERT INTO memberships (sub_key, uuid_id, channel_id, updated, etag, uuid_id_key, channel_id_key, status_key, type_key)
      SELECT 'paged', 'u' || (g % 3), 'c' || g, '2024', 'e', '', '', '', '' FROM generate_series(1, 12000) AS g`;
    await rekeyAll(sql, database.url);

    const hex = (text: string) => Buffer.from(sortKey(text), 'utf8').toString('hex');
    const users = await sql<{ id: string; name: string; id_key: string; name_key: string }[]>`
      SELECT id, name, encode(id_key, 'hex') AS id_key, encode(name_key, 'hex') AS name_key FROM uuids WHERE sub_key = 'paged'`;
    expect(users).toHaveLength(12000);
    expect(users.filter((user) => user.id_key !== hex(user.id) || user.name_key !== hex(user.name))).toEqual([]);
    const memberships = await sql<{ uuid_id: string; channel_id: string; uuid_id_key: string; channel_id_key: string }[]>`
      SELECT uuid_id, channel_id, encode(uuid_id_key, 'hex') AS uuid_id_key, encode(channel_id_key, 'hex') AS channel_id_key FROM memberships WHERE sub_key = 'paged'`;
    expect(memberships).toHaveLength(12000);
    expect(memberships.filter((row) => row.uuid_id_key !== hex(row.uuid_id) || row.channel_id_key !== hex(row.channel_id))).toEqual([]);
  });
});
