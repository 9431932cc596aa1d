import {
  DiscardPolicy,
  JetStreamApiError,
  RetentionPolicy,
  StorageType,
  type JetStreamManager,
  type StreamInfo,
  type StreamUpdateConfig,
} from '@nats-io/jetstream';
import { nanos } from '@nats-io/transport-node';

/** The stream a bus keeps its envelopes in: how long, how much, on how many servers. */
export interface StreamSettings {
  name: string;
  /** Every subject of the bus (`NatsSubjects.all()`). */
  subjects: string;
  /** Envelopes older than this are dropped: how far back a reconnecting subscriber can catch up. */
  maxAgeSeconds: number;
  /** The stream's size on disk; past it, the oldest envelopes are dropped. */
  maxBytes: number;
  /** Envelopes kept per channel; past it, the channel's oldest is dropped. -1: no limit. */
  maxPerChannel: number;
  /** Copies of the stream on a NATS cluster (1, 3 or 5). */
  replicas: number;
}

const STREAM_NOT_FOUND = 10059;
const NAME_IN_USE = 10058;

function limits(settings: StreamSettings): Partial<StreamUpdateConfig> {
  return {
    subjects: [settings.subjects],
    max_age: nanos(settings.maxAgeSeconds * 1000),
    max_bytes: settings.maxBytes,
    max_msgs_per_subject: settings.maxPerChannel,
    num_replicas: settings.replicas,
    discard: DiscardPolicy.Old,
    allow_direct: true,
  };
}

function differs(info: StreamInfo, wanted: Partial<StreamUpdateConfig>): boolean {
  const config = info.config as unknown as Record<string, unknown>;
  return Object.entries(wanted).some(([key, value]) => JSON.stringify(config[key]) !== JSON.stringify(value));
}

const isApiError = (error: unknown, code: number) => error instanceof JetStreamApiError && error.code === code;

/**
 * Makes the stream, or brings an existing one to `settings` (nodes that start together may race
 * to make it: whichever loses finds it made and checks its limits). Every node should be given the
 * same settings, or the last to start sets them.
 */
export async function ensureStream(jsm: JetStreamManager, settings: StreamSettings): Promise<StreamInfo> {
  const wanted = limits(settings);
  let info: StreamInfo;
  try {
    info = await jsm.streams.info(settings.name);
  } catch (error) {
    if (!isApiError(error, STREAM_NOT_FOUND)) throw error;
    try {
      return await jsm.streams.add({ name: settings.name, retention: RetentionPolicy.Limits, storage: StorageType.File, ...wanted });
    } catch (raced) {
      if (!isApiError(raced, NAME_IN_USE)) throw raced;
      info = await jsm.streams.info(settings.name);
    }
  }
  return differs(info, wanted) ? jsm.streams.update(settings.name, wanted) : info;
}
