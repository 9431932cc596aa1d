import { InvalidArgumentError, type Command } from 'commander';
import { addOptions } from '../config/options.ts';
import { isPostgresUrl } from '../store/create.ts';
import { backupDatabase, type BackupReport } from '../store/sqlite/backup.ts';
import { commandConfig } from './config.ts';

const MiB = 1024 * 1024;

function pageCount(text: string): number {
  if (!/^\d+$/.test(text) || Number(text) < 1) throw new InvalidArgumentError('expected a whole number of pages, at least 1');
  return Number(text);
}

/** The line `roster backup` prints on success. */
function summary(report: BackupReport): string {
  const size = `${report.pages} pages of ${report.pageSize} bytes (${(report.bytes / MiB).toFixed(1)} MiB)`;
  const restarts = report.restarts === 0 ? '' : `; the node wrote during the copy, which restarted ${report.restarts} time${report.restarts === 1 ? '' : 's'}`;
  return `backed up ${report.source} to ${report.target}: ${size}, integrity check ok${restarts}\n`;
}

/**
 * `roster backup <file>`: a consistent copy of a node's SQLite database taken while the node runs
 * and writes (store/sqlite/backup.ts). The database is the node's, from `--db`, `--config` or
 * `ROSTER_DB`. A PostgreSQL store is refused: pg_dump backs it up.
 */
export function registerBackup(program: Command): void {
  addOptions(program.command('backup'), ['config', 'db'])
    .argument('<file>', 'the backup file to write')
    .description(
      'copy the SQLite database to <file> while the node runs and writes (SQLite’s online backup): one consistent state, integrity-checked; restore by copying it back with the node stopped (docs/backup.md)',
    )
    .option('--force', 'replace <file> if it exists')
    .option('--pages-per-step <pages>', 'pages copied per step while the node does not write (after a write the rest goes in one step)', pageCount)
    .action(async (file: string, options: { force?: boolean; pagesPerStep?: number }, command: Command) => {
      const config = commandConfig(command);
      if (isPostgresUrl(config.store)) {
        throw new Error(
          'roster backup copies a SQLite database, and this node’s store is PostgreSQL (--store, ROSTER_STORE or "store" in the config file): back it up with pg_dump (docs/backup.md)',
        );
      }
      if (config.db === ':memory:') throw new Error('The database is :memory:, which lives only inside a running node: there is no file to back up');
      const report = await backupDatabase(config.db, file, {
        force: options.force === true,
        ...(options.pagesPerStep === undefined ? {} : { pagesPerStep: options.pagesPerStep }),
      });
      process.stdout.write(summary(report));
    });
}
