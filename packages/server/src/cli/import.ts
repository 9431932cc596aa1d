import type { Command } from 'commander';
import { existsSync, statSync } from 'node:fs';
import { addOptions } from '../config/options.ts';
import { importFile, maxLineBytes } from '../transfer/import-file.ts';
import { tallyLines, totalOf } from '../transfer/tally.ts';
import { commandConfig, limitsOf, note } from './config.ts';
import { durationAndRate, startProgress } from './progress.ts';
import { openTarget, refreshStatistics } from './stores.ts';

/**
 * `roster import <file> [--dry-run]`: reads a transfer file (transfer/format.ts) into the
 * database (`--db` or `--store`) in transactions of 1,000 records. Idempotent: a record already
 * stored as in the file is left alone. It writes the store directly, so it emits no App Context
 * events. Bad lines are reported on stderr by line, field and reason and skipped; the summary
 * goes to stdout; the exit status is 1 when any line was bad. An import of at least one record
 * (not a dry run) ends by refreshing the planner's statistics (`Store.refreshStatistics`).
 */
export function registerImport(program: Command): void {
  addOptions(program.command('import <file>'), ['config', 'store', 'db'])
    .description(
      'read an NDJSON file made by `roster export` into the database: idempotent, in batches of 1,000 records, emitting no events; bad lines are reported and skipped; --dry-run changes nothing',
    )
    .option('--dry-run', 'check every line and report what would be created, updated or left unchanged, and write nothing')
    .action(async (file: string, options: { dryRun?: boolean }, command: Command) => {
      const config = commandConfig(command);
      if (!existsSync(file)) throw new Error(`${file}: no such file`);
      const dryRun = options.dryRun === true;
      const { value: store, name } = await openTarget(config, 'import', dryRun);
      const size = statSync(file).size;
      const started = performance.now();
      let summary;
      try {
        let progress: ReturnType<typeof startProgress> | undefined;
        summary = await importFile(
          file,
          store,
          { dryRun, limitsOf: limitsOf(config), maxLineBytes: maxLineBytes(Math.max(...config.keysets.map((keyset) => keyset.limits.maxRecordBytes))) },
          {
            problem: (line, { field, reason }) => note(`line ${line}: ${field}: ${reason}`),
            progress: (bytes, records) => {
              progress ??= startProgress(dryRun ? 'checked' : 'imported', size, false);
              progress.update(bytes, records);
            },
          },
        );
        progress?.stop();
        if (!dryRun && totalOf(summary.tally) > 0) await refreshStatistics(store, name);
      } finally {
        await store.close();
      }
      const records = totalOf(summary.tally);
      const out = (line: string) => process.stdout.write(`${line}\n`);
      out(
        `${dryRun ? 'dry run: nothing was written to' : 'imported into'} ${name}: ${records} records from ${summary.lines} lines of ${file} ${durationAndRate(records, performance.now() - started)}`,
      );
      for (const line of tallyLines(summary.tally, dryRun, ['user', 'channel', 'membership'])) out(line);
      if (summary.bad > 0) {
        out(`${summary.bad} bad line(s) not imported (listed on stderr)`);
        process.exitCode = 1;
      }
    });
}
