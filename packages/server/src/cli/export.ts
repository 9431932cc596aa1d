import type { Command } from 'commander';
import { createWriteStream, linkSync, renameSync, rmSync, statSync, type WriteStream } from 'node:fs';
import { dirname } from 'node:path';
import { once } from 'node:events';
import { addOptions } from '../config/options.ts';
import type { Config } from '../config.ts';
import { isPostgresUrl } from '../store/create.ts';
import { databaseFiles, realFile, sameFileAs } from '../store/sqlite/backup.ts';
import { countOf, exportSnapshot, keysetsOf } from '../transfer/snapshot-copy.ts';
import { commandConfig, note } from './config.ts';
import { startProgress } from './progress.ts';
import { openSnapshot } from './stores.ts';

interface ExportOptions {
  keyset?: string;
  out?: string;
  force?: boolean;
}

/** Where `--out` writes: `direct` for a FIFO, device or socket, else through `FILE.partial`; `force` replaces a file already there. */
interface Output {
  path: string;
  direct: boolean;
  force: boolean;
}

/**
 * `roster export [--keyset SUB] [--out file]`: the users, channels and memberships of the
 * database (`--db` or `--store`) as NDJSON (transfer/format.ts), read from one consistent
 * snapshot while nodes keep serving it. `--out` is written to a temporary file renamed into place
 * at the end, so it never holds half an export; an existing file is replaced only with `--force`
 * (as `roster backup`). Without it the lines go to stdout.
 */
export function registerExport(program: Command): void {
  addOptions(program.command('export'), ['config', 'store', 'db'])
    .description('write the users, channels and memberships of a database as NDJSON, one record a line, from a consistent snapshot (nodes may keep serving it)')
    .option('--keyset <subscribeKey>', 'only the records of this keyset (default: every keyset in the database)')
    .option('--out <file>', 'write to this file instead of stdout')
    .option('--force', 'replace the --out file if it exists')
    .action(async (options: ExportOptions, command: Command) => {
      const config = commandConfig(command);
      const out = options.out === undefined ? undefined : outputOf(options.out, config, options.force === true);
      const { value: snapshot, name } = await openSnapshot(config);
      const partial = out?.direct === false ? `${out.path}.partial` : undefined;
      const output = out === undefined ? process.stdout : createWriteStream(partial ?? out.path);
      // An error opening or writing the file is thrown by the next write (or the close), not left unhandled.
      let failed: Error | undefined;
      output.on('error', (error: Error) => (failed ??= error));
      try {
        const keysets = await keysetsOf(snapshot, options.keyset);
        const total = await countOf(snapshot, keysets, ['user', 'channel', 'membership']);
        const progress = startProgress('exported', total, true);
        const written = await exportSnapshot(
          snapshot,
          keysets,
          (chunk) => write(output, chunk, () => failed),
          (records) => progress.update(records, records),
        );
        progress.stop();
        if (output !== process.stdout) await close(output as WriteStream, () => failed);
        if (partial !== undefined) publish(partial, out!);
        note(
          `exported ${written.user} users, ${written.channel} channels and ${written.membership} memberships of ${keysets.length} keyset(s) from ${name}${options.out === undefined ? '' : ` to ${options.out}`}`,
        );
      } catch (error) {
        if (output !== process.stdout) (output as WriteStream).destroy();
        if (partial !== undefined) rmSync(partial, { force: true });
        throw error;
      } finally {
        await snapshot.close();
      }
    });
}

/**
 * Where `--out` writes. A regular file (or a new one) gets a temporary file beside its real path,
 * renamed over it at the end; a FIFO, device or socket (`/dev/stdout`, `>(gzip > x.gz)`) is written
 * directly, as renaming over it would replace it. An existing regular file needs `force`. Refuses,
 * even with `force`, a file the command itself reads (`ownFile`) and a directory.
 */
function outputOf(path: string, config: Config, force: boolean): Output {
  const stats = statSync(path, { throwIfNoEntry: false });
  if (stats?.isDirectory()) throw new Error(`--out ${path} is a directory; give the name of the file to write`);
  const own = ownFile(path, config);
  if (own !== undefined) throw new Error(`--out ${path} is ${own}; give another file`);
  if (stats !== undefined && !stats.isFile()) return { path, direct: true, force };
  if (stats !== undefined && !force) throw new Error(alreadyExists(path));
  const real = realFile(path);
  if (statSync(dirname(real), { throwIfNoEntry: false })?.isDirectory() !== true)
    throw new Error(`--out ${path}: the directory ${dirname(real)} does not exist`);
  return { path: real, direct: false, force };
}

function alreadyExists(path: string): string {
  return `--out ${path} already exists; give --force to replace it`;
}

/**
 * Which file of the command's own `path` is, described, if any: the database being exported or a
 * file beside it (`-wal`, lock…), the config file, or the TLS certificate or key it names. A rename
 * over one would destroy it, and none is an export's to replace.
 */
function ownFile(path: string, config: Config): string | undefined {
  const database = !isPostgresUrl(config.store) && config.db !== ':memory:' ? sameFileAs(path, databaseFiles(config.db)) : undefined;
  if (database !== undefined) return `${database}, the database being exported or a file beside it`;
  const named: [file: string | undefined, what: string][] = [
    [config.configFile, 'the config file'],
    [config.tlsCert, 'the TLS certificate'],
    [config.tlsKey, 'the TLS private key'],
  ];
  for (const [file, what] of named) if (file !== undefined && sameFileAs(path, [realFile(file)]) !== undefined) return `${file}, ${what}`;
  return undefined;
}

/** Gives the finished export its name: without `force`, a link that fails if the name was taken meanwhile. */
function publish(partial: string, out: Output): void {
  if (out.force) return renameSync(partial, out.path);
  try {
    linkSync(partial, out.path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') throw new Error(alreadyExists(out.path), { cause: error });
    throw error;
  }
  rmSync(partial);
}

/** Writes `chunk`, waiting for the stream to drain when its buffer is full; throws what the stream failed with. */
async function write(stream: NodeJS.WritableStream, chunk: string, failed: () => Error | undefined = () => undefined): Promise<void> {
  const before = failed();
  if (before !== undefined) throw before;
  if (!stream.write(chunk)) await Promise.race([once(stream, 'drain'), once(stream, 'close')]);
  const after = failed();
  if (after !== undefined) throw after;
}

async function close(stream: WriteStream, failed: () => Error | undefined): Promise<void> {
  stream.end();
  await once(stream, 'close');
  const error = failed();
  if (error !== undefined) throw error;
}
