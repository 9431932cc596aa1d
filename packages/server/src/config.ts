import { resolve } from 'node:path';
import { keysetFrom, type Keyset, type KeysetInput } from './model/keyset.ts';
import { ConfigError } from './config/config-error.ts';
import { databasePath, readConfigFile, type ConfigFile } from './config/file.ts';
import { flagName, namedOptions, parseText, type FlagValues, type OptionKey, type OptionSpec, type Settings, type SettingKey } from './config/options.ts';

export { ConfigError } from './config/config-error.ts';
export { unknownEnvWarnings, type FlagValues } from './config/options.ts';

/** Everything a node needs to start, from flags, env vars, the config file and defaults (in that priority). */
export interface Config extends Settings {
  /**
   * Absolute path of the SQLite database file (or `:memory:`): a relative `db` from the config file
   * is taken from the file's directory, one from a flag, a variable or the default from the
   * working directory.
   */
  db: string;
  keysets: Keyset[];
  /**
   * The same keysets as the config file declares them, before defaults are filled in (the implied
   * `demo` keyset when it declares none): what keysets/registry.ts seeds the database with.
   */
  keysetEntries: KeysetInput[];
  /** Absolute path of the config file read, or undefined when none was given. */
  configFile: string | undefined;
  /** Whether the node serves the built-in open `demo` keyset: only when no keysets are declared. */
  demoKeyset: boolean;
}

/** Served when no config file declares keysets: anyone can read and write it. */
export const DEFAULT_KEYSET: KeysetInput = { publishKey: 'demo', subscribeKey: 'demo' };

/**
 * Merges and checks every source of settings. Each flag and each set `ROSTER_*` variable is checked
 * even when a higher-priority source overrides it; an empty variable counts as unset.
 * @throws ConfigError listing every problem found, each naming its flag, variable or file and JSON path.
 */
export function loadConfig(flags: FlagValues, env: NodeJS.ProcessEnv = process.env): Config {
  const problems: string[] = [];
  const fromFlags = parsed(flags, (spec, text) => (spec.secret ? flagName(spec) : `${flagName(spec)} ${text}`), problems);
  const variables = Object.fromEntries(namedOptions().map(([key, spec]) => [key, env[spec.env] || undefined]));
  const fromEnv = parsed(variables, (spec, text) => (spec.secret ? spec.env : `${spec.env}=${text}`), problems);
  const path = (fromFlags.get('config') ?? fromEnv.get('config')) as string | undefined;
  const file = path === undefined ? NO_FILE : checkedFile(path, problems);
  if (problems.length > 0) throw new ConfigError(problems);

  const settings = {} as Record<SettingKey, unknown>;
  for (const [key, spec] of namedOptions()) {
    if (key !== 'config') settings[key] = fromFlags.get(key) ?? fromEnv.get(key) ?? file.settings[key] ?? spec.default;
  }
  const tls = tlsProblem(settings.tlsCert, settings.tlsKey);
  if (tls !== undefined) throw new ConfigError([tls]);
  return {
    ...(settings as Settings),
    db: databasePath(settings.db as string, process.cwd()),
    tlsCert: absolute(settings.tlsCert),
    tlsKey: absolute(settings.tlsKey),
    keysets: (file.keysets ?? [DEFAULT_KEYSET]).map(keysetFrom),
    keysetEntries: file.keysets ?? [DEFAULT_KEYSET],
    configFile: path === undefined ? undefined : resolve(path),
    demoKeyset: file.keysets === undefined,
  };
}

const NO_FILE: ConfigFile = { settings: {}, keysets: undefined };

/** HTTPS needs a certificate and its key: one without the other is refused rather than served as plain HTTP. */
function tlsProblem(cert: unknown, key: unknown): string | undefined {
  if ((cert === undefined) === (key === undefined)) return undefined;
  const certificate = '--tls-cert / ROSTER_TLS_CERT / "tlsCert" in the config file';
  const privateKey = '--tls-key / ROSTER_TLS_KEY / "tlsKey" in the config file';
  const what =
    cert === undefined
      ? `the TLS private key is set but not its certificate (${certificate})`
      : `the TLS certificate is set but not its private key (${privateKey})`;
  return `${what}: HTTPS needs both, or neither for plain HTTP`;
}

/** A path from a flag or variable is taken from the working directory (the config file's are already absolute). */
function absolute(path: unknown): string | undefined {
  return typeof path === 'string' ? resolve(path) : undefined;
}

/** The options given as text, converted and checked; each bad one adds a problem named by `source`. */
function parsed(texts: FlagValues, source: (spec: OptionSpec, text: string) => string, problems: string[]): Map<OptionKey, unknown> {
  const values = new Map<OptionKey, unknown>();
  for (const [key, spec] of namedOptions()) {
    const text = texts[key];
    if (text === undefined) continue;
    const result = parseText(spec, text, source(spec, text));
    if ('problem' in result) problems.push(result.problem);
    else values.set(key, result.value);
  }
  return values;
}

function checkedFile(path: string, problems: string[]): ConfigFile {
  try {
    return readConfigFile(path);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    problems.push(...error.problems);
    return NO_FILE;
  }
}
