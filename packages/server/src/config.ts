import { readFileSync } from 'node:fs';
import { keysetFrom, type Keyset, type KeysetInput } from './auth/keysets.ts';

/** Everything a node needs to start, from flags, env vars and the config file (in that priority). */
export interface Config {
  host: string;
  port: number;
  db: string;
  keysets: Keyset[];
  /** SQLite `synchronous`: NORMAL survives a process crash; FULL also survives power loss. */
  synchronous: 'normal' | 'full';
  logLevel: string;
  /** How long a subscribe long-poll waits for messages before answering empty. */
  subscribeHoldSeconds: number;
  /** Messages each channel keeps for subscribers that reconnect with their last timetoken. */
  channelLogSize: number;
  /** How long each channel keeps its messages, in seconds. */
  channelLogSeconds: number;
  /** MiB of message text all channel logs together may hold. */
  channelLogMiB: number;
}

export interface ConfigSources {
  host?: string | undefined;
  port?: string | undefined;
  db?: string | undefined;
  config?: string | undefined;
  synchronous?: string | undefined;
  subscribeHold?: string | undefined;
  channelLogSize?: string | undefined;
  channelLogSeconds?: string | undefined;
  channelLogMib?: string | undefined;
}

interface ConfigFile {
  host?: string;
  port?: number;
  db?: string;
  synchronous?: 'normal' | 'full';
  subscribeHoldSeconds?: number;
  channelLogSize?: number;
  channelLogSeconds?: number;
  channelLogMiB?: number;
  keysets?: KeysetInput[];
}

export const DEFAULT_KEYSET: KeysetInput = { publishKey: 'demo', subscribeKey: 'demo' };

export function loadConfig(flags: ConfigSources, env: NodeJS.ProcessEnv = process.env): Config {
  const path = flags.config ?? env['ROSTER_CONFIG'];
  const file = path ? readConfigFile(path) : {};
  const port = Number(flags.port ?? env['ROSTER_PORT'] ?? file.port ?? 8080);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`Invalid port: ${String(port)}`);
  const synchronous = flags.synchronous ?? env['ROSTER_SYNCHRONOUS'] ?? file.synchronous ?? 'normal';
  if (synchronous !== 'normal' && synchronous !== 'full') throw new Error(`--synchronous must be normal or full`);
  return {
    host: flags.host ?? env['ROSTER_HOST'] ?? file.host ?? '127.0.0.1',
    port,
    db: flags.db ?? env['ROSTER_DB'] ?? file.db ?? './data/roster.db',
    keysets: (file.keysets ?? [DEFAULT_KEYSET]).map(keysetFrom),
    synchronous,
    logLevel: env['ROSTER_LOG_LEVEL'] ?? 'info',
    subscribeHoldSeconds: holdSeconds(flags.subscribeHold ?? env['ROSTER_SUBSCRIBE_HOLD'] ?? file.subscribeHoldSeconds ?? 280),
    channelLogSize: Math.ceil(positive('channel log size', flags.channelLogSize ?? env['ROSTER_CHANNEL_LOG_SIZE'] ?? file.channelLogSize ?? 100)),
    channelLogSeconds: positive('channel log seconds', flags.channelLogSeconds ?? env['ROSTER_CHANNEL_LOG_SECONDS'] ?? file.channelLogSeconds ?? 600),
    channelLogMiB: positive('channel log MiB', flags.channelLogMib ?? env['ROSTER_CHANNEL_LOG_MIB'] ?? file.channelLogMiB ?? 256),
  };
}

function positive(name: string, value: string | number): number {
  const number = Number(value);
  if (!Number.isFinite(number) || number <= 0) throw new Error(`Invalid ${name}: ${String(value)}`);
  return number;
}

/** PubNub clients give up on a subscribe after 310 s, so a hold must end well before that. */
const MAX_HOLD_SECONDS = 300;

function holdSeconds(value: string | number): number {
  const seconds = positive('subscribe hold', value);
  if (seconds > MAX_HOLD_SECONDS) throw new Error(`Invalid subscribe hold: at most ${MAX_HOLD_SECONDS} seconds (clients time out at 310)`);
  return seconds;
}

function readConfigFile(path: string): ConfigFile {
  const parsed: unknown = JSON.parse(readFileSync(path, 'utf8'));
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new Error(`${path}: the config file must hold a JSON object`);
  }
  const file = parsed as ConfigFile; // shape checked field by field below
  for (const [index, keyset] of (file.keysets ?? []).entries()) {
    if (typeof keyset?.publishKey !== 'string' || typeof keyset.subscribeKey !== 'string') {
      throw new Error(`${path}: keysets[${index}] needs string publishKey and subscribeKey`);
    }
  }
  return file;
}
