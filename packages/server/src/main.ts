import { Command } from 'commander';
import { newKeyset } from './auth/new-keyset.ts';
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
  .option('--subscribe-hold <seconds>', 'how long a subscribe long-poll waits for messages (ROSTER_SUBSCRIBE_HOLD, default 280)')
  .option('--channel-log-size <count>', 'messages each channel keeps for reconnecting subscribers (ROSTER_CHANNEL_LOG_SIZE, default 100)')
  .option('--channel-log-seconds <seconds>', 'how long each channel keeps them (ROSTER_CHANNEL_LOG_SECONDS, default 600)')
  .option('--channel-log-mib <mib>', 'message text all channels keep together, oldest channels dropped first (ROSTER_CHANNEL_LOG_MIB, default 256)')
  .option('--synchronous <mode>', 'normal: writes survive a crash; full: also power loss (ROSTER_SYNCHRONOUS)')
  .action(async (flags: Record<string, string | undefined>) => {
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
    node = await startNode(loadConfig(flags));
    if (stopping) await node.close();
    else console.log(`Roster listening on ${node.url}`);
  });

program
  .command('keys')
  .description('keyset tools')
  .command('new')
  .description('print a fresh keyset (publish, subscribe and secret key) to paste into the config file')
  .action(() => {
    console.log(JSON.stringify(newKeyset(), null, 2));
  });

program.parseAsync().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
