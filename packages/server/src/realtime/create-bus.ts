import type { EventBus } from './bus.ts';
import { InProcessBus } from './in-process-bus.ts';
import { NatsBus, type NatsBusOptions } from './nats/nats-bus.ts';

/** Settings of a NATS bus other than its servers (see `NatsBusOptions`). */
export type BusSettings = Omit<NatsBusOptions, 'servers'>;

const NATS_URL = /^(nats|tls):\/\/[^\s,]+(,(nats|tls):\/\/[^\s,]+)*$/;

/**
 * The event bus a node runs with: in-process when `url` is undefined (a single node), NATS
 * JetStream for `nats://host:port` (several servers comma-separated; `tls://` too). The caller
 * owns it: it closes it after the hub.
 *
 * @example
 * const bus = await createBus(config.bus, { maxAgeSeconds: config.channelLogSeconds });
 * const hub = new RealtimeHub(options, { bus });
 * // on shutdown: await hub.close(); await bus.close();
 */
export async function createBus(url: string | undefined, settings: BusSettings = {}): Promise<EventBus> {
  if (url === undefined) return new InProcessBus();
  if (!NATS_URL.test(url)) throw new Error(`The bus must be a nats:// URL (nats://host:4222), not ${JSON.stringify(url)}.`);
  return NatsBus.connect({ ...settings, servers: url });
}
