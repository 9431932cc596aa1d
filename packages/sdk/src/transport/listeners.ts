import type { Listener, PNMessageEvent, PNObjectsEvent, PNSignalEvent } from '../models/events.ts';
import type { PNStatus } from '../models/status.ts';
import { isRecord } from './json.ts';
import type { SubscribeEnvelope } from './subscribe/subscribe-response.ts';

const APP_CONTEXT = 2;
const SIGNAL = 1;

/** The registered listeners, and the routing of subscribe envelopes to them. */
export class Listeners {
  private readonly listeners = new Set<Listener>();

  add(listener: Listener): void {
    this.listeners.add(listener);
  }

  remove(listener: Listener): void {
    this.listeners.delete(listener);
  }

  clear(): void {
    this.listeners.clear();
  }

  status(status: PNStatus): void {
    for (const listener of this.listeners) if (listener.status) call(() => listener.status?.(status));
  }

  /**
   * Routes envelopes by type. Envelopes whose subscription (`b`, else `c`) is no longer
   * subscribed are dropped: they can arrive just after an unsubscribe.
   */
  envelopes(envelopes: readonly SubscribeEnvelope[], subscribed: readonly string[]): void {
    for (const envelope of envelopes) {
      const subscription = envelope.b ?? envelope.c;
      if (!subscribed.includes(subscription) || envelope.c.endsWith('-pnpres')) continue;
      const origin = { channel: envelope.c, subscription, timetoken: envelope.p.t };
      if (envelope.e === APP_CONTEXT) {
        if (!isObjectsPayload(envelope.d)) continue;
        // The payload's shape is the server's contract (wire-protocol §9.2); only its envelope is checked.
        const event: PNObjectsEvent = { ...origin, message: envelope.d as PNObjectsEvent['message'] };
        for (const listener of this.listeners) if (listener.objects) call(() => listener.objects?.(event));
      } else if (envelope.e === SIGNAL) {
        const event: PNSignalEvent = { ...origin, message: envelope.d, publisher: envelope.i };
        for (const listener of this.listeners) if (listener.signal) call(() => listener.signal?.(event));
      } else if (envelope.e === undefined || envelope.e === 0) {
        const event: PNMessageEvent = { ...origin, message: envelope.d, publisher: envelope.i, userMetadata: envelope.u };
        for (const listener of this.listeners) if (listener.message) call(() => listener.message?.(event));
      }
    }
  }
}

function isObjectsPayload(value: unknown): boolean {
  return isRecord(value) && value['source'] === 'objects' && typeof value['type'] === 'string' && typeof value['event'] === 'string' && isRecord(value['data']);
}

/** One failing listener must not stop the others or the loop; its error still surfaces, uncaught. */
function call(fn: () => void): void {
  try {
    fn();
  } catch (error) {
    queueMicrotask(() => {
      throw error;
    });
  }
}
