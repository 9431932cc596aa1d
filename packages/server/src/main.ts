import './heap-tuning.ts';
import { Command, Option } from 'commander';
import { newKeyset } from './auth/new-keyset.ts';
import { registerBackup } from './cli/backup.ts';
import { registerExport } from './cli/export.ts';
import { registerImport } from './cli/import.ts';
import { registerMigrate } from './cli/migrate.ts';
import { loadConfig, unknownEnvWarnings, type Config, type FlagValues } from './config.ts';
import { addOptions, CONFIG_FILE, flagValues } from './config/options.ts';
import { configSummary, storedKeysetsSummary } from './config/summary.ts';
import { startNode } from './node.ts';
import { isPostgresUrl } from './store/create.ts';
import { connect } from './store/postgres/connection.ts';
import { PostgresOpenError } from './store/postgres/index.ts';
import { migrateSchema } from './store/postgres/migrate.ts';
import { startupFailure } from './startup-failure.ts';
import { heapSummary } from './v8-flags.ts';
import { VERSION } from './version.ts';

const program = new Command('roster')
  .description('Roster: a self-hostable App Context server speaking PubNub’s protocol')
  .version(VERSION, '-V, --version', 'print the version');

/** Log levels at which the node's log itself says where it listens. */
const LOGS_INFO = new Set(['info', 'debug', 'trace']);

/** Loads the configuration, warning on stderr of unknown `ROSTER_*` variables first. */
function configFrom(flags: FlagValues): Config {
  for (const warning of unknownEnvWarnings(process.env)) console.error(warning);
  return loadConfig(flags);
}

/** What the node serves, on stdout. */
function report(config: Config): void {
  console.log(`Roster ${VERSION}`);
  for (const line of configSummary(config)) console.log(line);
}

addOptions(program.command('serve').description('serve the REST and real-time API')).action(async (_options: unknown, command: Command) => {
  const config = configFrom(flagValues(command));
  report(config);
  console.log(heapSummary(process.execArgv));
  let node: Awaited<ReturnType<typeof startNode>> | undefined;
  let stopping = false;
  // Handlers first: a signal that arrives while the node starts must still stop it cleanly.
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`${signal}: finishing in-flight requests and closing the database`);
    (node?.close() ?? Promise.resolve()).then(
      () => process.exit(0),
      (error: unknown) => {
        console.error(error);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
  node = await startedNode(config);
  if (stopping) {
    await node.close();
    return;
  }
  // The keysets only the database holds (made through the admin API) are known once the node opened it.
  for (const line of storedKeysetsSummary(config, node.servedKeysets())) console.log(line);
  // At `info` and below the log already has this line (node.ts), in the log's format.
  if (!LOGS_INFO.has(config.logLevel)) console.log(`Roster listening on ${node.url}`);
});

/** Starts the node; a failure with a known cause becomes one line naming the setting to change. */
async function startedNode(config: Config): ReturnType<typeof startNode> {
  try {
    return await startNode(config);
  } catch (error) {
    const explained = startupFailure(error, config);
    throw explained === undefined ? error : new Error(explained, { cause: error });
  }
}

addOptions(program.command('migrate-schema'), ['config', 'store'])
  .description('apply the schema migrations a PostgreSQL store lacks, as a node does when it starts; --dry-run prints their SQL and applies none')
  .option('--dry-run', 'print the migrations the database lacks, and change nothing')
  .action(async (options: { dryRun?: boolean }, command: Command) => {
    const config = configFrom(flagValues(command));
    if (!isPostgresUrl(config.store)) {
      throw new Error(
        'migrate-schema works on a PostgreSQL store: give --store postgres://… (or ROSTER_STORE, or "store" in the config file). A SQLite database migrates itself when a node opens it.',
      );
    }
    const db = connect(config.store, { max: 1 });
    try {
      const lines = await migrateSchema(db, options.dryRun === true).catch((error: unknown) => {
        throw new PostgresOpenError(error);
      });
      for (const line of lines) console.log(line);
    } finally {
      await db.end({ timeout: 5 });
    }
  });

program
  .command('keys')
  .description('keyset tools')
  .command('new')
  .description('print a fresh locked-down keyset (publish, subscribe and secret key, Access Manager on) to paste into the config file')
  .action(() => {
    console.log(JSON.stringify(newKeyset(), null, 2));
  });

program
  .command('config')
  .description('configuration tools')
  .command('check [file]')
  .description('check a config file (default: --config or ROSTER_CONFIG) and the ROSTER_* variables, and print what a node would serve; exits 1 on any problem')
  .addOption(new Option(CONFIG_FILE.flag, CONFIG_FILE.description))
  .action((file: string | undefined, options: { config?: string }) => {
    const path = file ?? options.config;
    report(configFrom(path === undefined ? {} : { config: path }));
    console.log('configuration OK');
  });

registerBackup(program);
registerExport(program);
registerImport(program);
registerMigrate(program);

program.parseAsync().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
