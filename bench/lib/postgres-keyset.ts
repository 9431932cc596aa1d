import { DEFAULT_LIMITS } from '../../packages/server/src/model/keyset.ts';
import type { UuidRecord } from '../../packages/server/src/model/records.ts';
import { UUID_RESOURCE } from '../../packages/server/src/model/resources.ts';
import { decideObject } from '../../packages/server/src/objects/apply.ts';
import { connect } from '../../packages/server/src/store/postgres/connection.ts';
import { migrate } from '../../packages/server/src/store/postgres/migrate.ts';
import { storedShape, type StoredValue } from '../../packages/server/src/store/postgres/rows.ts';
import { userBody } from './seed.ts';

const rules = { ifMatch: undefined, merge: false, limits: DEFAULT_LIMITS };
/** Rows per INSERT: PostgreSQL binds at most 65,535 parameters a statement. */
const ROWS_PER_STATEMENT = 2_000;

/**
 * Fills the database at `url` with users `user-0` … `user-{count-1}` of keyset `demo`, the
 * records `PATCH` would write (`userBody`). The schema is the server's own (its migrations);
 * each row is computed by the store's own code (`storedShape`, so the sort keys are the ones the
 * server computes) and rows go in as multi-row INSERTs, a few at once: about a minute for
 * 1,000,000 on two cores, against tens of minutes through the API.
 */
export async function seedPostgresUsers(url: string, count: number): Promise<void> {
  const db = connect(url, { max: 4 });
  try {
    await migrate(db);
    const shape = storedShape(UUID_RESOURCE);
    const columns = ['sub_key', ...shape.columns];
    const row = (index: number): StoredValue[] => {
      const id = `user-${index}`;
      const patch = JSON.parse(userBody(index)) as Partial<UuidRecord>;
      const decision = decideObject<UuidRecord>('uuid', id, patch, rules)(undefined);
      if (decision.kind !== 'write') throw new Error(`no record for ${id}`);
      return ['demo', ...shape.values(decision.record)];
    };
    const insert = async (start: number, end: number) => {
      const values: StoredValue[] = [];
      const tuples: string[] = [];
      for (let index = start; index < end; index++) {
        const at = values.length;
        values.push(...row(index));
        tuples.push(`(${columns.map((_, column) => `$${at + column + 1}`).join(', ')})`);
      }
      await db.unsafe(`INSERT INTO uuids (${columns.join(', ')}) VALUES ${tuples.join(', ')}`, values);
    };
    let next = 0;
    const worker = async () => {
      while (next < count) {
        const start = next;
        next = Math.min(count, next + ROWS_PER_STATEMENT);
        await insert(start, next);
        if (start % 100_000 === 0 && count >= 100_000)
          process.stdout.write(`  seeding PostgreSQL with ${count.toLocaleString('en-US')} users: ${start.toLocaleString('en-US')}\r`);
      }
    };
    await Promise.all([worker(), worker(), worker()]);
    await db.unsafe('VACUUM ANALYZE uuids');
  } finally {
    await db.end({ timeout: 5 });
  }
}
