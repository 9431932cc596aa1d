import type { Config } from './config.ts';
import { BusOpenError } from './realtime/create-bus.ts';
import { PostgresOpenError } from './store/postgres/index.ts';

/** Where each setting a start can fail on is set, for messages that tell the user what to change. */
const SET_BY = {
  host: '--host / ROSTER_HOST / "host" in the config file',
  port: '--port / ROSTER_PORT / "port" in the config file',
  db: '--db / ROSTER_DB / "db" in the config file',
  store: '--store / ROSTER_STORE / "store" in the config file',
  bus: '--bus / ROSTER_BUS / "bus" in the config file',
} as const;

/** What Node's `net` and better-sqlite3 put on the errors they throw. */
interface SystemError {
  code?: unknown;
  syscall?: unknown;
  address?: unknown;
  port?: unknown;
  hostname?: unknown;
  message: string;
}

/**
 * A start-up failure as one line naming the setting at fault and what to do, e.g.
 * `Cannot listen: port 8080 on 127.0.0.1 is already in use (set by --port / ROSTER_PORT / "port"
 * in the config file)`, or undefined for a failure with no known cause (its own message is best).
 * Covers the listening socket (port taken or privileged, host not local or not resolvable) and
 * the database file (not SQLite, damaged, any other SQLite error), named by its absolute path, a
 * PostgreSQL database that cannot be opened, and a NATS event bus that cannot be reached.
 */
export function startupFailure(error: unknown, config: Config): string | undefined {
  if (!(error instanceof Error)) return undefined;
  if (error instanceof PostgresOpenError) return `${error.message} (set by ${SET_BY.store})`;
  if (error instanceof BusOpenError) return `${error.message} (set by ${SET_BY.bus})`;
  const failure = error as SystemError;
  if (typeof failure.code !== 'string') return undefined;
  if (failure.syscall === 'listen') return listenFailure(failure.code, failure, config);
  if (failure.syscall === 'getaddrinfo')
    return `Cannot listen on ${String(failure.hostname ?? config.host)}: the host name does not resolve to an address (${failure.code}; set by ${SET_BY.host})`;
  if (failure.code.startsWith('SQLITE_')) return databaseFailure(failure.code, failure.message, config.db);
  return undefined;
}

function listenFailure(code: string, failure: SystemError, config: Config): string | undefined {
  const host = typeof failure.address === 'string' ? failure.address : config.host;
  const port = typeof failure.port === 'number' ? failure.port : config.port;
  switch (code) {
    case 'EADDRINUSE':
      return `Cannot listen: port ${port} on ${host} is already in use, by another program or another Roster node (set by ${SET_BY.port}; 0 picks any free port)`;
    case 'EACCES':
      return `Cannot listen: port ${port} on ${host} needs privileges this process does not have; ports below 1024 usually need root or CAP_NET_BIND_SERVICE (set by ${SET_BY.port})`;
    case 'EADDRNOTAVAIL':
      return `Cannot listen on ${host}: it is not an address of this machine (set by ${SET_BY.host})`;
    default:
      return undefined;
  }
}

function databaseFailure(code: string, message: string, db: string): string {
  switch (code) {
    case 'SQLITE_NOTADB':
      return `The database ${db} is not a SQLite database file (${code}: ${message}); give a new or a Roster database file with ${SET_BY.db}`;
    case 'SQLITE_CORRUPT':
      return `The database ${db} is damaged (${code}: ${message}); restore it from a backup, or give another file with ${SET_BY.db}`;
    default:
      return `The database ${db} cannot be used: ${message} (${code})`;
  }
}
