import { Command } from 'commander';
import { loadConfig } from './config.ts';
import { startNode } from './node.ts';

const program = new Command('roster').description('Roster: a self-hostable App Context server speaking PubNub’s protocol');

program
  .command('serve')
  .description('serve the REST and real-time API')
  .option('--host <host>', 'address to listen on (ROSTER_HOST, default 127.0.0.1)')
  .option('--port <port>', 'port to listen on, 0 for any free port (ROSTER_PORT, default 8080)')
  .option('--db <path>', 'SQLite database file (ROSTER_DB, default ./data/roster.db)')
  .option('--config <file>', 'JSON config file declaring keysets (ROSTER_CONFIG)')
  .option('--synchronous <mode>', 'normal: writes survive a crash; full: also power loss (ROSTER_SYNCHRONOUS)')
  .action(async (flags: Record<string, string | undefined>) => {
    const node = await startNode(loadConfig(flags));
    console.log(`Roster listening on ${node.url}`);
    let stopping = false;
    const stop = (signal: string) => {
      if (stopping) return;
      stopping = true;
      console.log(`${signal}: finishing in-flight requests and closing the database`);
      node.close().then(
        () => process.exit(0),
        (error: unknown) => {
          console.error(error);
          process.exit(1);
        },
      );
    };
    process.on('SIGINT', () => stop('SIGINT'));
    process.on('SIGTERM', () => stop('SIGTERM'));
  });

program.parseAsync().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
