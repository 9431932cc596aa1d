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
}

export interface ConfigSources {
  host?: string | undefined;
  port?: string | undefined;
  db?: string | undefined;
  config?: string | undefined;
  synchronous?: string | undefined;
}

interface ConfigFile {
  host?: string;
  port?: number;
  db?: string;
  synchronous?: 'normal' | 'full';
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
  };
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
