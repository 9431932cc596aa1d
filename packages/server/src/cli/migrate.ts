import type { Command } from 'commander';
import { readablePostgresUrl, UNREADABLE_POSTGRES_URL } from '../config/options.ts';
import { withoutPasswords } from '../config/without-passwords.ts';
import { isPostgresUrl } from '../store/create.ts';
import { PostgresStore } from '../store/postgres/index.ts';
import { openSqliteSnapshot } from '../store/sqlite/snapshot.ts';
import { copySnapshot, countOf } from '../transfer/snapshot-copy.ts';
import { tallyLines, totalOf } from '../transfer/tally.ts';
import { durationAndRate, startProgress } from './progress.ts';
import { refreshStatistics } from './stores.ts';

interface MigrateOptions {
  from: string;
  to: string;
}

/**
 * `roster migrate --from ./data/roster.db --to postgres://…`: copies a SQLite database (users,
 * channels, memberships, revoked tokens of every keyset) into PostgreSQL, after applying the
 * schema migrations it lacks. The SQLite file is read as one consistent read-only snapshot (a
 * node may still serve it; what it writes after the snapshot began is not copied). Idempotent:
 * run again, it finds every record unchanged. Emits no events. Ends by analyzing the tables it
 * wrote (`Store.refreshStatistics`).
 */
export function registerMigrate(program: Command): void {
  program
    .command('migrate')
    .description(
      'copy a SQLite database (users, channels, memberships, revoked tokens) into PostgreSQL, idempotently: records already there as in the file are left alone',
    )
    .requiredOption('--from <file>', 'the SQLite database file of a node (read-only; the node may keep running)')
    .requiredOption('--to <url>', 'the PostgreSQL database: postgres://user:password@host:port/database (its schema is migrated first)')
    .action(async (options: MigrateOptions) => {
      checkTarget(options.to);
      const snapshot = openSqliteSnapshot(options.from);
      const started = performance.now();
      let tally;
      try {
        const store = await PostgresStore.open(options.to);
        try {
          const keysets = await snapshot.keysets();
          const total = await countOf(snapshot, keysets, ['user', 'channel', 'membership', 'revocation']);
          const progress = startProgress('copied', total, true);
          tally = await copySnapshot(snapshot, keysets, store, (records) => progress.update(records, records));
          progress.stop();
          await refreshStatistics(store, withoutPasswords(options.to));
        } finally {
          await store.close();
        }
      } finally {
        await snapshot.close();
      }
      const records = totalOf(tally);
      const out = (line: string) => process.stdout.write(`${line}\n`);
      out(`copied ${records} records from ${options.from} to ${withoutPasswords(options.to)} ${durationAndRate(records, performance.now() - started)}`);
      for (const line of tallyLines(tally)) out(line);
    });
}

/** Refuses a `--to` that is not a PostgreSQL URL the client can read, naming it without its password. */
function checkTarget(url: string): void {
  const wanted = !isPostgresUrl(url) ? 'a postgres:// or postgresql:// URL' : readablePostgresUrl(url) ? undefined : UNREADABLE_POSTGRES_URL;
  if (wanted !== undefined) throw new Error(`--to ${withoutPasswords(url)}: expected ${wanted}`);
}
