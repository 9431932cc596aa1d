import type { Keyset } from '../model/keyset.ts';
import type { Config } from '../config.ts';

/**
 * What a node serves, in lines for its start-up output and `roster config check`: the config
 * file, the database file (absolute), each keyset by its subscribe key with its security settings, and whether the open `demo`
 * keyset exists. Publish and secret keys are never shown.
 */
export function configSummary(config: Config): string[] {
  return [
    `config file: ${config.configFile ?? 'none'}`,
    config.db === ':memory:' ? 'database: in memory (:memory:), lost when the node stops' : `database: ${config.db}`,
    ...config.keysets.map((keyset) => `keyset ${keyset.subscribeKey}: ${security(keyset)}`),
    config.demoKeyset
      ? 'demo keyset: served, open to anyone (no config file declares keysets)'
      : 'demo keyset: not served (the config file declares the keysets)',
  ];
}

function security(keyset: Keyset): string {
  const signatures = `signatures ${keyset.secretKey === undefined ? 'off' : 'on'}`;
  if (!keyset.accessManager) return `${signatures}, Access Manager off (open: anyone with the subscribe key can read and write)`;
  const getAll = (what: string, disallowed: boolean) => `get-all ${what} ${disallowed ? 'disallowed' : 'allowed'} to unsigned clients`;
  return [signatures, 'Access Manager on', getAll('users', keyset.disallowGetAllUuids), getAll('channels', keyset.disallowGetAllChannels)].join(', ');
}
