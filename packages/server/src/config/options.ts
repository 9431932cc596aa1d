import { Option, type Command } from 'commander';
import Type, { type Static, type TSchema } from 'typebox';
import Value from 'typebox/value';
import { DEFAULT_HUB_OPTIONS } from '../model/hub-options.ts';
import { didYouMean } from './did-you-mean.ts';
import { expected, refusal } from './schema-errors.ts';
import { withoutPasswords } from './without-passwords.ts';

/** One node setting: its flag, environment variable and config-file key, what it takes and its default. */
export interface OptionSpec<S extends TSchema = TSchema> {
  /** `--port <port>`: the long flag and its argument name, as commander takes them. */
  flag: string;
  /** `ROSTER_PORT` */
  env: string;
  /** What the value must be; flags and variables are converted from text first. */
  schema: S;
  /** The value when no flag, variable or config-file key sets it; none for `--config`. */
  default: Static<S> | undefined;
  /** One line for `--help` and the README table. */
  description: string;
  /** Its value is never echoed, not even in the message refusing it (`--admin-secret`). */
  secret?: boolean;
}

function option<S extends TSchema>(spec: OptionSpec<S> & { default: Static<S> }): OptionSpec<S> & { default: Static<S> } {
  return spec;
}

/** A setting with no default: unset, it stays undefined (`--tls-cert`). */
function optional<S extends TSchema>(spec: OptionSpec<S> & { default: undefined }): OptionSpec<S> & { default: undefined } {
  return spec;
}

/** Pino's levels, the ones the HTTP framework's logger accepts. */
const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/** The shortest admin secret a node accepts: a short one could be guessed. */
export const MIN_ADMIN_SECRET_LENGTH = 16;

/** PubNub clients give up on a subscribe after 310 s, so a hold must end well before that. */
const MAX_HOLD_SECONDS = 300;

/** What a postgres:// URL that `readablePostgresUrl` refuses is expected to be. */
export const UNREADABLE_POSTGRES_URL = 'a postgres:// URL that parses: a host, a port up to 65535, and `%` only as in `%40`';

/**
 * Whether the PostgreSQL client (postgres.js `parseUrl`) can read `url`: it parses the URL with
 * the first of its comma-separated hosts and %-decodes the host, user and password; anything else
 * fails with a bare `Invalid URL` or `URI malformed` that names no setting, so the settings check it first.
 */
export function readablePostgresUrl(url: string): boolean {
  try {
    const hosts = url.slice(url.indexOf('://') + 3).split(/[?/]/)[0]!;
    const host = decodeURIComponent(hosts.slice(hosts.indexOf('@') + 1));
    const parsed = new URL(url.replace(host, host.split(',')[0]!));
    decodeURIComponent(parsed.username);
    decodeURIComponent(parsed.password);
    return true;
  } catch {
    return false;
  }
}

/**
 * Every setting of a node, by its config-file key (also its name in `Config`). This table drives
 * the `serve` flags, the environment variables, their validation, the config-file schema and the
 * README's table; each default is written here only.
 */
export const SETTINGS = {
  host: option({
    flag: '--host <address>',
    env: 'ROSTER_HOST',
    schema: Type.String({ minLength: 1 }),
    default: '127.0.0.1',
    description: 'address to listen on',
  }),
  port: option({
    flag: '--port <port>',
    env: 'ROSTER_PORT',
    schema: Type.Integer({ minimum: 0, maximum: 65535 }),
    default: 8080,
    description: 'port to listen on (`0`: any free port)',
  }),
  db: option({
    flag: '--db <path>',
    env: 'ROSTER_DB',
    schema: Type.String({ minLength: 1 }),
    default: './data/roster.db',
    description: 'SQLite database file; a relative path is taken from the working directory, in the config file from the file’s directory',
  }),
  store: option({
    flag: '--store <store>',
    env: 'ROSTER_STORE',
    schema: Type.Refine(
      Type.String({ pattern: '^(sqlite|postgres(ql)?://.+)$', description: '`sqlite` or a postgres:// URL' }),
      (store) => store === 'sqlite' || readablePostgresUrl(store),
      () => UNREADABLE_POSTGRES_URL,
    ),
    default: 'sqlite',
    description:
      'where the data is kept: `sqlite`, the SQLite file `db`; or `postgres://user:password@host:port/database`, a PostgreSQL database that any number of nodes share',
  }),
  bus: option({
    flag: '--bus <bus>',
    env: 'ROSTER_BUS',
    schema: Type.String({
      // The same servers and query options realtime/create-bus.ts reads, so `config check` refuses what `serve` would.
      pattern: '^(in-process|(nats|tls)://[^\\s,?]+(,(nats|tls)://[^\\s,?]+)*(\\?(stream|prefix)=[^\\s&]*(&(stream|prefix)=[^\\s&]*)*)?)$',
      description: '`in-process` or a nats:// URL',
    }),
    default: 'in-process',
    description:
      'how real-time messages and App Context events reach subscribers: `in-process`, within this node; or `nats://host:4222` (several comma-separated; `?stream=NAME&prefix=SUBJECTS` to share one NATS between clusters), NATS JetStream carrying them between the nodes of a cluster and keeping them for subscribers that reconnect to another node',
  }),
  presence: option({
    flag: '--presence <store>',
    env: 'ROSTER_PRESENCE',
    schema: Type.String({
      // The query option presence/create.ts reads, so `config check` refuses what `serve` would.
      pattern: '^(in-process|rediss?://[^\\s?]*(\\?prefix=[^\\s&]*)?)$',
      description: '`in-process` or a redis:// URL',
    }),
    default: 'in-process',
    description:
      'where presence (who is subscribed where, their state) is kept: `in-process`, within this node; or `redis://host:6379` (`/DB` for a database number, `?prefix=KEYS` to share one Redis between clusters; `rediss://` for TLS), a Redis shared by the nodes of a cluster, so that a user counts once whichever node its heartbeats reach and times out even if its node dies',
  }),
  synchronous: option({
    flag: '--synchronous <mode>',
    env: 'ROSTER_SYNCHRONOUS',
    schema: Type.Enum(['normal', 'full']),
    default: 'normal',
    description: '`normal`: acknowledged writes survive a crash of the process; `full`: also a power loss (slower writes)',
  }),
  logLevel: option({
    flag: '--log-level <level>',
    env: 'ROSTER_LOG_LEVEL',
    schema: Type.Enum([...LOG_LEVELS]),
    default: 'info',
    description: 'what the server logs: `info` adds a line per request to warnings and errors, `debug` also health checks and metrics scrapes',
  }),
  logFormat: option({
    flag: '--log-format <format>',
    env: 'ROSTER_LOG_FORMAT',
    schema: Type.Enum(['json', 'pretty']),
    default: 'json',
    description: '`json`: one JSON object a line, for log collectors; `pretty`: readable lines for a terminal',
  }),
  metrics: option({
    flag: '--metrics <mode>',
    env: 'ROSTER_METRICS',
    schema: Type.Enum(['on', 'off']),
    default: 'on',
    description:
      '`on`: serve Prometheus metrics at `GET /metrics` and count and time every request and store call for them; `off`: no `/metrics` route (404) and none of that work, for nodes nothing scrapes',
  }),
  subscribeHoldSeconds: option({
    flag: '--subscribe-hold <seconds>',
    env: 'ROSTER_SUBSCRIBE_HOLD',
    schema: Type.Number({ exclusiveMinimum: 0, maximum: MAX_HOLD_SECONDS }),
    default: DEFAULT_HUB_OPTIONS.holdSeconds,
    description: 'seconds a subscribe long-poll waits for something to deliver before it answers empty (clients give up at 310)',
  }),
  channelLogSize: option({
    flag: '--channel-log-size <count>',
    env: 'ROSTER_CHANNEL_LOG_SIZE',
    schema: Type.Integer({ minimum: 1 }),
    default: DEFAULT_HUB_OPTIONS.channelLogSize,
    description: 'envelopes each channel keeps for subscribers that reconnect with their last timetoken',
  }),
  channelLogSeconds: option({
    flag: '--channel-log-seconds <seconds>',
    env: 'ROSTER_CHANNEL_LOG_SECONDS',
    schema: Type.Number({ exclusiveMinimum: 0 }),
    default: DEFAULT_HUB_OPTIONS.channelLogSeconds,
    description: 'how long a channel keeps them',
  }),
  channelLogMiB: option({
    flag: '--channel-log-mib <mib>',
    env: 'ROSTER_CHANNEL_LOG_MIB',
    schema: Type.Number({ exclusiveMinimum: 0 }),
    default: DEFAULT_HUB_OPTIONS.channelLogMiB,
    description:
      'MiB of memory all channel logs of the node keep together, counted as the README section on real-time options says; past it, the channels written to longest ago lose their logs first (a subscriber reconnecting there gets what is still kept)',
  }),
  tlsCert: optional({
    flag: '--tls-cert <file>',
    env: 'ROSTER_TLS_CERT',
    schema: Type.String({ minLength: 1 }),
    default: undefined,
    description:
      'PEM file of the certificate (chain) to serve HTTPS with, together with `tlsKey`; a relative path is taken as `db` is. Unset: plain HTTP (put TLS in a reverse proxy)',
  }),
  tlsKey: optional({
    flag: '--tls-key <file>',
    env: 'ROSTER_TLS_KEY',
    schema: Type.String({ minLength: 1 }),
    default: undefined,
    description: 'PEM file of the certificate’s private key (unencrypted)',
  }),
  rateLimitPerClient: option({
    flag: '--rate-limit-per-client <requests>',
    env: 'ROSTER_RATE_LIMIT_PER_CLIENT',
    schema: Type.Integer({ minimum: 0 }),
    default: 0,
    description:
      'requests a client (its `uuid`, else its address) may make to one keyset per rate-limit window; more answer 429. `0`: no limit. A keyset’s `rateLimit.perClient` overrides it',
  }),
  rateLimitPerKeyset: option({
    flag: '--rate-limit-per-keyset <requests>',
    env: 'ROSTER_RATE_LIMIT_PER_KEYSET',
    schema: Type.Integer({ minimum: 0 }),
    default: 0,
    description: 'requests all clients together may make to one keyset per window; `0`: no limit. A keyset’s `rateLimit.perKeyset` overrides it',
  }),
  rateLimitWindowSeconds: option({
    flag: '--rate-limit-window <seconds>',
    env: 'ROSTER_RATE_LIMIT_WINDOW',
    schema: Type.Integer({ minimum: 1 }),
    default: 1,
    description: 'seconds of the rate-limit window: each count starts at a client’s (or keyset’s) first request and resets after this long',
  }),
  rateLimitStore: option({
    flag: '--rate-limit-store <store>',
    env: 'ROSTER_RATE_LIMIT_STORE',
    schema: Type.String({ pattern: '^(memory|rediss?://\\S+)$', description: '`memory` or a redis:// URL' }),
    default: 'memory',
    description:
      'where request counts are kept: `memory`, in this node; or `redis://host:6379` (`?prefix=KEYS` to share one Redis), a Redis that the nodes of a cluster share, so a limit holds for the cluster',
  }),
  adminSecret: optional({
    flag: '--admin-secret <secret>',
    env: 'ROSTER_ADMIN_SECRET',
    // A pattern rather than `minLength`, so the refusal says what it takes (schema-errors.ts `expected`); printable
    // ASCII without spaces, as an `Authorization: Bearer` header carries it whole from any client.
    schema: Type.String({
      pattern: `^[\\x21-\\x7e]{${MIN_ADMIN_SECRET_LENGTH},}$`,
      description: `a secret of at least ${MIN_ADMIN_SECRET_LENGTH} characters (printable ASCII, no spaces)`,
    }),
    default: undefined,
    secret: true,
    description:
      'turns on the admin API (`/admin/v1/keysets`, used by the console at `/console/`) for whoever sends `Authorization: Bearer` with this secret: list, create and change keysets without a restart. Unset: no admin API (404). Never logged or printed',
  }),
};

export type SettingKey = keyof typeof SETTINGS;
/** The node's settings once flags, variables, the config file and defaults are merged. */
export type Settings = {
  -readonly [K in SettingKey]: Static<(typeof SETTINGS)[K]['schema']> | (undefined extends (typeof SETTINGS)[K]['default'] ? undefined : never);
};

/** `--config`: the one option that cannot sit in the config file. */
export const CONFIG_FILE: OptionSpec = {
  flag: '--config <file>',
  env: 'ROSTER_CONFIG',
  schema: Type.String({ minLength: 1 }),
  default: undefined,
  description: 'JSON config file declaring keysets and, optionally, any of these settings',
};

/** A setting's key, or `config` for the config file itself. */
export type OptionKey = SettingKey | 'config';
type Named = [key: OptionKey, spec: OptionSpec];
const NAMED: Named[] = [['config', CONFIG_FILE], ...(Object.entries(SETTINGS) as Named[])];

/** Raw text from the command line, by option key. */
export type FlagValues = Partial<Record<OptionKey, string>>;

const cliOptions = new Map(NAMED.map(([key, spec]) => [key, new Option(spec.flag, helpText(spec))]));

function helpText(spec: OptionSpec): string {
  const fallback = spec.default === undefined ? '' : `, default ${String(spec.default)}`;
  return `${spec.description.replaceAll('`', '')} (${spec.env}${fallback})`;
}

/** Adds the options of the table to a commander command: every one (`serve`), or those of `keys`. */
export function addOptions(command: Command, keys?: readonly OptionKey[]): Command {
  for (const [key, spec] of NAMED) if (keys === undefined || keys.includes(key)) command.addOption(new Option(spec.flag, helpText(spec)));
  return command;
}

/** The flags a commander command was given, by option key. */
export function flagValues(command: Command): FlagValues {
  const given = command.opts<Record<string, unknown>>();
  const values: FlagValues = {};
  for (const [key, cli] of cliOptions) {
    const value = given[cli.attributeName()];
    if (typeof value === 'string') values[key] = value;
  }
  return values;
}

/** The long flag alone, `--port`. */
export function flagName(spec: OptionSpec): string {
  return spec.flag.split(' ')[0]!;
}

/**
 * Numeric settings are never negative, so their text is digits only: no sign, no spaces
 * (`Number(' 9')` and `Number('+80')` would take them), and for numbers a fraction and exponent.
 */
const INTEGER_TEXT = /^\d+$/;
const NUMBER_TEXT = /^(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i;

/**
 * A flag's or variable's text as a value of the option's schema, or the problem with it, e.g.
 * `ROSTER_PORT=abc: expected an integer from 0 to 65535`; a password in the text (a URL's) is shown as `***`.
 */
export function parseText(spec: OptionSpec, text: string, source: string): { value: unknown } | { problem: string } {
  const type = (spec.schema as { type?: string }).type;
  const numeric = type === 'integer' || type === 'number';
  const pattern = type === 'integer' ? INTEGER_TEXT : NUMBER_TEXT;
  const value = numeric && pattern.test(text) ? Number(text) : text;
  const [error] = Value.Errors(spec.schema, value);
  if (error !== undefined) return { problem: `${withoutPasswords(source)}: expected ${refusal(spec.schema, error)}` };
  return { value };
}

const KNOWN_ENV = new Set(NAMED.map(([, spec]) => spec.env));

/** A warning for each `ROSTER_*` variable that is not an option (likely a typo), else none. */
export function unknownEnvWarnings(env: NodeJS.ProcessEnv): string[] {
  return Object.keys(env)
    .filter((name) => name.startsWith('ROSTER_') && !KNOWN_ENV.has(name))
    .sort()
    .map((name) => `warning: ${name} is not a Roster setting and is ignored${didYouMean(name, KNOWN_ENV)}`);
}

/** The options as the README's Markdown table. */
export function optionsTable(): string {
  const rows = NAMED.map(([key, spec]) => {
    const inFile = key === 'config' ? '—' : `\`${key}\``;
    const fallback = spec.default === undefined ? 'none' : `\`${String(spec.default)}\``;
    return `| \`${flagName(spec)}\` | \`${spec.env}\` | ${inFile} | ${expected(spec.schema)} | ${fallback} | ${spec.description} |`;
  });
  return ['| flag | variable | config file | value | default | meaning |', '| --- | --- | --- | --- | --- | --- |', ...rows].join('\n');
}

/** The option specs with their keys, `config` first. */
export function namedOptions(): readonly Named[] {
  return NAMED;
}
