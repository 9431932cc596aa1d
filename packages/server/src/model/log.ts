import { format } from 'node:util';

/**
 * What library code (the real-time hub, the buses, the SQLite store) reports through. A node
 * hands in its own logger (pino, the one its HTTP server logs requests with), so every line it
 * writes has one format and one level setting; code built without one (tests, tools) writes to
 * stderr. An error goes in `fields.err`, as pino serializes it.
 *
 * @example
 * log.error({ err: error }, 'WAL checkpoint thread failed');
 * log.warn({ path }, 'lock file replaced; locked again');
 */
export interface Log {
  error(fields: object, message: string): void;
  warn(fields: object, message: string): void;
  info(fields: object, message: string): void;
}

const toStderr = (fields: object, message: string): void => {
  const values: unknown[] = Object.values(fields);
  process.stderr.write(`${format(values.length === 0 ? message : `${message}:`, ...values)}\n`);
};

/** The default where no node hands one in: every line to stderr, fields after the message. */
export const STDERR_LOG: Log = { error: toStderr, warn: toStderr, info: toStderr };
