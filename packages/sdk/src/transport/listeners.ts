import { MESSAGE_TYPE } from '@roster/protocol';
import type { Listener, PNEventOrigin, PNMessageActionEvent, PNMessageEvent, PNObjectsEvent, PNSignalEvent } from '../models/events.ts';
import type { PNStatus } from '../models/status.ts';
import { isRecord } from './json.ts';
import { isPresenceEnvelope, presenceEvent } from './presence-event.ts';
import type { SubscribeEnvelope } from './subscribe/subscribe-response.ts';

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
   * Routes envelopes: those on `-pnpres` channels to `presence`, the others by type. Envelopes
   * whose subscription (`b`, else `c`) is not among the subscribed channels and groups are
   * dropped: they can arrive just after an unsubscribe.
   */
  envelopes(envelopes: readonly SubscribeEnvelope[], subscribed: readonly string[]): void {
    for (const envelope of envelopes) {
      const subscription = envelope.b ?? envelope.c;
      if (!subscribed.includes(subscription)) continue;
      const origin = { channel: envelope.c, subscription, timetoken: envelope.p.t };
      if (isPresenceEnvelope(envelope)) {
        const event = presenceEvent(origin, envelope);
        if (event === undefined) continue;
        for (const listener of this.listeners) if (listener.presence) call(() => listener.presence?.(event));
      } else if (envelope.e === MESSAGE_TYPE.appContext) {
        if (!isObjectsPayload(envelope.d)) continue;
        // The payload's shape is the server's contract (wire-protocol §9.2); only its envelope is checked.
        const event: PNObjectsEvent = { ...origin, message: envelope.d as PNObjectsEvent['message'] };
        for (const listener of this.listeners) if (listener.objects) call(() => listener.objects?.(event));
      } else if (envelope.e === MESSAGE_TYPE.signal) {
        const event: PNSignalEvent = { ...origin, message: envelope.d, publisher: envelope.i, ...customMessageType(envelope) };
        for (const listener of this.listeners) if (listener.signal) call(() => listener.signal?.(event));
      } else if (envelope.e === MESSAGE_TYPE.messageAction) {
        const event = messageActionEvent(origin, envelope);
        if (event === undefined) continue;
        for (const listener of this.listeners) if (listener.messageAction) call(() => listener.messageAction?.(event));
      } else if (envelope.e === undefined || envelope.e === MESSAGE_TYPE.message) {
        const event: PNMessageEvent = { ...origin, message: envelope.d, publisher: envelope.i, userMetadata: envelope.u, ...customMessageType(envelope) };
        for (const listener of this.listeners) if (listener.message) call(() => listener.message?.(event));
      }
    }
  }
}

/**
 * `d` = `{"source":"actions","version":"1.0","event":"added"|"removed","data":{type,value,messageTimetoken,actionTimetoken}}`,
 * `i` = the actor, which becomes `data.uuid` as in PubNub's JS SDK.
 */
function messageActionEvent(origin: PNEventOrigin, envelope: SubscribeEnvelope): PNMessageActionEvent | undefined {
  const payload = envelope.d;
  if (!isRecord(payload) || payload['source'] !== 'actions' || !isRecord(payload['data'])) return undefined;
  const { event, data } = payload;
  if (event !== 'added' && event !== 'removed') return undefined;
  const { type, value, actionTimetoken, messageTimetoken } = data;
  if (typeof type !== 'string' || typeof value !== 'string' || actionTimetoken === undefined || messageTimetoken === undefined) return undefined;
  return {
    ...origin,
    event,
    publisher: envelope.i,
    data: { type, value, uuid: envelope.i, actionTimetoken: String(actionTimetoken), messageTimetoken: String(messageTimetoken) },
  };
}

/** `{ customMessageType }` when the envelope has one (`cmt`), else nothing. */
function customMessageType(envelope: SubscribeEnvelope): { customMessageType?: string } {
  return envelope.cmt === undefined || envelope.cmt === '' ? {} : { customMessageType: envelope.cmt };
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
