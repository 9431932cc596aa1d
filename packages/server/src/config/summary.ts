import type { Keyset } from '../model/keyset.ts';
import type { Config } from '../config.ts';
import { withoutPasswords } from './without-passwords.ts';

/**
 * What a node serves, in lines for its start-up output and `roster config check`: the config
 * file, the database (a SQLite file by its absolute path, or a PostgreSQL URL without its
 * password), the event bus when it is NATS (its URL without a password), the presence store when
 * it is Redis (likewise) or a warning when a cluster's nodes would each keep their own, each keyset by its
 * subscribe key with its security settings, whether the open `demo` keyset exists, and whether
 * the admin API is on. Publish and secret keys and the admin secret are never shown.
 */
export function configSummary(config: Config): string[] {
  return [
    `config file: ${config.configFile ?? 'none'}`,
    database(config),
    ...bus(config),
    ...presence(config),
    ...config.keysets.map((keyset) => `keyset ${keyset.subscribeKey}: ${security(keyset)}`),
    demo(config),
    admin(config),
  ];
}

/** Keysets `storedKeysetsSummary` lists one a line; past them it only counts. */
export const LISTED_STORED_KEYSETS = 10;

/**
 * The lines a started node adds to `configSummary` for the keysets it serves that the config file
 * does not declare: those made through the admin API, held in the database, so still served after
 * a restart (whether the admin API is on or not). Each is listed as the config file's are, by
 * subscribe key with its security settings, and its name; past `LISTED_STORED_KEYSETS` the rest are
 * only counted. None when there are none. Publish and secret keys are never shown.
 */
export function storedKeysetsSummary(config: Config, served: readonly Keyset[]): string[] {
  const declared = new Set(config.keysets.map((keyset) => keyset.subscribeKey));
  const stored = served.filter((keyset) => !declared.has(keyset.subscribeKey));
  if (stored.length === 0) return [];
  stored.sort((a, b) => (a.subscribeKey < b.subscribeKey ? -1 : a.subscribeKey > b.subscribeKey ? 1 : 0));
  const listed = stored.slice(0, LISTED_STORED_KEYSETS);
  const more = stored.length - listed.length;
  const lister = config.adminSecret === undefined ? '' : ' (GET /admin/v1/keysets lists them all)';
  return [
    `keysets made through the admin API (held in the database): ${stored.length}`,
    // The name as a JSON string: quoted, and a control character in it cannot break the line.
    ...listed.map((keyset) => `keyset ${keyset.subscribeKey}${keyset.name ? ` ${JSON.stringify(keyset.name)}` : ''}: ${security(keyset)}`),
    ...(more > 0 ? [`and ${more} more${lister}`] : []),
  ];
}

/** Whether the open `demo` keyset is served, or the config file's own `demo` keyset (listed above) is. */
function demo(config: Config): string {
  if (config.demoKeyset) return 'demo keyset: served, open to anyone (no config file declares keysets)';
  if (config.keysets.some((keyset) => keyset.subscribeKey === 'demo')) return 'demo keyset: served as the config file declares it (above)';
  return 'demo keyset: not served (the config file declares the keysets)';
}

/** Whether the admin API is on; never the secret. */
function admin(config: Config): string {
  return config.adminSecret === undefined
    ? 'admin API: off (--admin-secret / ROSTER_ADMIN_SECRET / "adminSecret" in the config file turns it on, for the console)'
    : 'admin API: on at /admin/v1 (keysets from the console; requests need the admin secret)';
}

function security(keyset: Keyset): string {
  const signatures = `signatures ${keyset.secretKey === undefined ? 'off' : 'on'}`;
  if (!keyset.accessManager) return `${signatures}, Access Manager off (open: anyone with the subscribe key can read and write)`;
  const getAll = (what: string, disallowed: boolean) => `get-all ${what} ${disallowed ? 'disallowed' : 'allowed'} to unsigned clients`;
  return [signatures, 'Access Manager on', getAll('users', keyset.disallowGetAllUuids), getAll('channels', keyset.disallowGetAllChannels)].join(', ');
}

/** The event bus, when it is not the default in-process one. */
function bus(config: Config): string[] {
  if (config.bus === 'in-process') return [];
  return [`event bus: NATS JetStream ${withoutPasswords(config.bus)}, shared by every node that names it`];
}

/** The presence store, when it is Redis; a warning when the bus makes a cluster but presence stays in each node. */
function presence(config: Config): string[] {
  if (config.presence !== 'in-process') return [`presence: Redis ${withoutPasswords(config.presence)}, shared by every node that names it`];
  const warning = presenceWarning(config);
  return warning === undefined ? [] : [warning];
}

/**
 * The warning a node gives at start when its bus is NATS (a cluster) but its presence is
 * in-process: each node would then count and time out only the users whose heartbeats reach it.
 */
export function presenceWarning(config: Config): string | undefined {
  if (config.bus === 'in-process' || config.presence !== 'in-process') return undefined;
  return 'warning: presence is kept in each node (--presence in-process) while the event bus is NATS: the nodes of a cluster do not share who is present; give every node --presence redis://…';
}

function database(config: Config): string {
  if (config.store !== 'sqlite') return `database: PostgreSQL ${withoutPasswords(config.store)}, shared by every node that names it`;
  return config.db === ':memory:' ? 'database: in memory (:memory:), lost when the node stops' : `database: ${config.db}`;
}
