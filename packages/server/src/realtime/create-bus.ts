import type { EventBus } from './bus.ts';
import { failureReason } from '../errors.ts';
import { InProcessBus } from './in-process-bus.ts';
import { NatsBus, type NatsBusOptions } from './nats/nats-bus.ts';

/** Settings of a NATS bus other than its servers (see `NatsBusOptions`). */
export type BusSettings = Omit<NatsBusOptions, 'servers'>;

const SERVER = String.raw`(nats|tls)://[^\s,?]+`;
const NATS_URL = new RegExp(String.raw`^${SERVER}(,${SERVER})*(\?\S*)?$`);

/** What the query of a bus URL may set: the stream's name and the subjects' prefix (several clusters on one NATS). */
const URL_OPTIONS = { stream: 'stream', prefix: 'subjectPrefix' } as const;

/**
 * The event bus could not be opened: the URL is not one, NATS cannot be reached or refuses us,
 * or it has no JetStream. The message says why, without the URL (it may hold a password).
 */
export class BusOpenError extends Error {
  override readonly name = 'BusOpenError';

  constructor(reason: string, cause?: unknown) {
    super(`Cannot open the NATS event bus: ${reason}`, { cause });
  }
}

/** The servers and the options a bus URL's query sets: `nats://a:4222,nats://b:4222?stream=ROSTER_STAGING&prefix=staging`. */
export function parseBusUrl(url: string): Pick<NatsBusOptions, 'servers' | 'stream' | 'subjectPrefix'> {
  if (!NATS_URL.test(url)) throw new BusOpenError('the bus must be in-process or a nats:// URL (nats://host:4222, several separated by commas)');
  const at = url.indexOf('?');
  if (at < 0) return { servers: url };
  const place: Pick<NatsBusOptions, 'servers' | 'stream' | 'subjectPrefix'> = { servers: url.slice(0, at) };
  for (const [key, value] of new URLSearchParams(url.slice(at + 1))) {
    if (!Object.hasOwn(URL_OPTIONS, key)) throw new BusOpenError(`the URL option ${JSON.stringify(key)} is not one (stream, prefix)`);
    place[URL_OPTIONS[key as keyof typeof URL_OPTIONS]] = value;
  }
  return place;
}

/**
 * The event bus a node runs with: in-process when `url` is undefined (a single node), NATS
 * JetStream for `nats://host:port` (several servers comma-separated; `tls://` too; `?stream=` and
 * `&prefix=` name the stream and the subjects' prefix). The caller owns it: it closes it after the hub.
 *
 * @throws BusOpenError when the URL is not a bus URL or NATS JetStream cannot be reached.
 * @example
 * const bus = await createBus(config.bus, { maxAgeSeconds: config.channelLogSeconds });
 * const hub = new RealtimeHub(options, { bus });
 * // on shutdown: await hub.close(); await bus.close();
 */
export async function createBus(url: string | undefined, settings: BusSettings = {}): Promise<EventBus> {
  if (url === undefined) return new InProcessBus(settings.onError ? { onError: settings.onError } : {});
  const place = parseBusUrl(url);
  try {
    return await NatsBus.connect({ ...settings, ...place });
  } catch (error) {
    throw new BusOpenError(reasonOf(error), error);
  }
}

function reasonOf(error: unknown): string {
  const text = failureReason(error);
  return /jetstream/i.test(text) ? `${text}; is JetStream on (nats-server -js)?` : text;
}
