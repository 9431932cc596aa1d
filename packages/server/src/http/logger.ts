import { pino, type Logger } from 'pino';
import pretty from 'pino-pretty';

/** How a node logs: `--log-level` and `--log-format`. */
export interface LogSettings {
  level: string;
  format: 'json' | 'pretty';
}

/** The fields of a request's line (request-log.ts), which the pretty format folds into its message. */
const REQUEST_FIELDS = ['reqId', 'method', 'route', 'status', 'ms', 'subKey', 'bytes', 'heldMs'] as const;

type Line = Record<string, unknown>;

/** `GET /v2/objects/:subKey/uuids/:id 200 1.4 ms 312 B sub-demo req-1a` for a request's line; the message for any other. */
function prettyMessage(line: Line, messageKey: string): string {
  if (line['route'] === undefined && line['status'] === undefined) return String(line[messageKey] ?? '');
  const held = line['heldMs'] === undefined ? '' : ` (held ${String(line['heldMs'])} ms)`;
  const bytes = line['bytes'] === undefined ? '' : ` ${String(line['bytes'])} B`;
  const subKey = line['subKey'] === undefined ? '' : ` ${String(line['subKey'])}`;
  return `${String(line['method'])} ${String(line['route'] ?? '(no route)')} ${String(line['status'])} ${String(line['ms'])} ms${held}${bytes}${subKey} ${String(line['reqId'])}`;
}

/**
 * The node's logger, shared by Fastify (request lines, its own messages) and the library modules
 * it is handed to (model/log.ts). `json` writes one JSON object a line to stdout without blocking
 * on it; `pretty` writes readable single lines for a terminal, in colour when stdout is one.
 */
export function createLogger(settings: LogSettings): Logger {
  const options = { level: settings.level };
  if (settings.format === 'json') return pino(options, pino.destination({ dest: 1, sync: false }));
  const stream = pretty({
    colorize: process.stdout.isTTY === true,
    translateTime: 'SYS:HH:MM:ss.l',
    ignore: ['pid', 'hostname', ...REQUEST_FIELDS].join(','),
    singleLine: true,
    messageFormat: prettyMessage,
  });
  return pino(options, stream);
}
