import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { NATS_URL, deleteStreams, natsUnavailable } from './nats.ts';
import { createDatabase, databaseUrl, dropDatabases, postgresUnavailable } from './postgres.ts';

/**
 * Names of one cluster run: `TEST_ROSTER_CLUSTER_RUN`, which vitest.cluster.config.ts's global
 * setup sets so that its teardown can remove whatever a crashed test left behind.
 */
const RUN = process.env['TEST_ROSTER_CLUSTER_RUN'] ?? randomBytes(3).toString('hex');

/** Prefixes of the databases and streams of the cluster run `run`. */
export function clusterPrefixes(run: string): { database: string; stream: string } {
  return { database: `roster_cluster_${run}_`, stream: `ROSTER_CLUSTER_${run}_` };
}

/** Why a cluster run cannot happen here, one line per missing service; empty when both answer. */
export async function clusterUnavailable(): Promise<string[]> {
  const reasons = await Promise.all([postgresUnavailable(), natsUnavailable()]);
  return reasons.filter((reason): reason is string => reason !== undefined);
}

/** Removes every database and stream of the cluster run `run`; returns what it removed. */
export async function removeClusterRun(run: string): Promise<string[]> {
  const prefixes = clusterPrefixes(run);
  return [...(await dropDatabases(prefixes.database)), ...(await deleteStreams(prefixes.stream))];
}

/** Where the nodes of one test server keep their data: `--store` and `--bus`. */
export interface ClusterPlace {
  store: string;
  bus: string;
  /** Drops the database and deletes the stream. */
  remove(): Promise<void>;
}

interface PlaceFile {
  database: string;
  stream: string;
  prefix: string;
}

/**
 * The database and stream of the server whose data directory is `dir`: made on first use and
 * named in `dir/cluster.json`, so that a server restarted over the same `dir` finds the same data.
 */
export async function clusterPlace(dir: string): Promise<ClusterPlace> {
  const file = join(dir, 'cluster.json');
  let place: PlaceFile;
  if (existsSync(file)) {
    place = JSON.parse(readFileSync(file, 'utf8')) as PlaceFile;
  } else {
    const id = randomBytes(4).toString('hex');
    const prefixes = clusterPrefixes(RUN);
    place = { database: `${prefixes.database}${id}`, stream: `${prefixes.stream}${id}`, prefix: `rostercluster.${RUN}.${id}` };
    await createDatabase(place.database);
    writeFileSync(file, JSON.stringify(place));
  }
  return {
    store: databaseUrl(place.database),
    bus: `${NATS_URL}?stream=${place.stream}&prefix=${place.prefix}`,
    remove: async () => {
      await dropDatabases(place.database);
      await deleteStreams(place.stream);
    },
  };
}
