import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { NATS_URL, deleteStreams, natsUnavailable } from './nats.ts';
import { createDatabase, databaseUrl, dropDatabases, postgresUnavailable } from './postgres.ts';
import { deleteRedisKeys, redisUnavailable, redisUrlWithPrefix } from './redis.ts';

/**
 * Names of one cluster run: `TEST_ROSTER_CLUSTER_RUN`, which vitest.cluster.config.ts's global
 * setup sets so that its teardown can remove whatever a crashed test left behind.
 */
const RUN = process.env['TEST_ROSTER_CLUSTER_RUN'] ?? randomBytes(3).toString('hex');

/** Prefixes of the databases, streams and presence keys (in Redis) of the cluster run `run`. */
export function clusterPrefixes(run: string): { database: string; stream: string; presence: string } {
  return { database: `roster_cluster_${run}_`, stream: `ROSTER_CLUSTER_${run}_`, presence: `roster:test:cluster:${run}:` };
}

/** Why a cluster run cannot happen here, one line per missing service; empty when all answer. */
export async function clusterUnavailable(): Promise<string[]> {
  const reasons = await Promise.all([postgresUnavailable(), natsUnavailable(), redisUnavailable()]);
  return reasons.filter((reason): reason is string => reason !== undefined);
}

/** Removes every database, stream and presence key of the cluster run `run`; returns what it removed. */
export async function removeClusterRun(run: string): Promise<string[]> {
  const prefixes = clusterPrefixes(run);
  const databases = await dropDatabases(prefixes.database);
  const streams = await deleteStreams(prefixes.stream);
  const keys = await deleteRedisKeys(prefixes.presence);
  return [...databases, ...streams, ...(keys === 0 ? [] : [`${keys} Redis keys under ${prefixes.presence}`])];
}

/** Where the nodes of one test server keep their data: `--store`, `--bus` and `--presence`. */
export interface ClusterPlace {
  store: string;
  bus: string;
  presence: string;
  /** Drops the database, deletes the stream and the presence keys. */
  remove(): Promise<void>;
}

interface PlaceFile {
  database: string;
  stream: string;
  prefix: string;
  presencePrefix: string;
}

/**
 * The database, stream and presence keys of the server whose data directory is `dir`: made on
 * first use and named in `dir/cluster.json`, so that a server restarted over the same `dir` finds
 * the same data. Presence is kept in `ROSTER_TEST_REDIS_URL` (redis.ts) under a prefix of the server's own.
 */
export async function clusterPlace(dir: string): Promise<ClusterPlace> {
  const file = join(dir, 'cluster.json');
  let place: PlaceFile;
  if (existsSync(file)) {
    place = JSON.parse(readFileSync(file, 'utf8')) as PlaceFile;
  } else {
    const id = randomBytes(4).toString('hex');
    const prefixes = clusterPrefixes(RUN);
    place = {
      database: `${prefixes.database}${id}`,
      stream: `${prefixes.stream}${id}`,
      prefix: `rostercluster.${RUN}.${id}`,
      presencePrefix: `${prefixes.presence}${id}:`,
    };
    await createDatabase(place.database);
    writeFileSync(file, JSON.stringify(place));
  }
  return {
    store: databaseUrl(place.database),
    bus: `${NATS_URL}?stream=${place.stream}&prefix=${place.prefix}`,
    presence: redisUrlWithPrefix(place.presencePrefix),
    remove: async () => {
      await dropDatabases(place.database);
      await deleteStreams(place.stream);
      await deleteRedisKeys(place.presencePrefix);
    },
  };
}
