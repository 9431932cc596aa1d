import type { Keyset } from '../model/keyset.ts';
import type { MembershipChange } from '../store/store.ts';
import { toWire } from '../model/instant.ts';
import type { ChannelRecord, MembershipRecord, ObjectKind, UuidRecord } from '../model/records.ts';

/** An App Context event (`e: 2` on the wire) and the channels it is published on. */
export interface ObjectEvent {
  channels: string[];
  payload: {
    source: 'objects';
    version: '2.0';
    event: 'set' | 'delete';
    type: 'uuid' | 'channel' | 'membership';
    data: Record<string, unknown>;
  };
}

/** Each payload's JSON text, made once: the outbox record and every channel's envelope both carry it. */
const payloadTexts = new WeakMap<ObjectEvent['payload'], string>();

/** `JSON.stringify(event.payload)`, rendered once per payload object. */
export function payloadText(event: ObjectEvent): string {
  // A relayed record not written by `Outbox.record` may hold anything: no WeakMap key, no memo.
  if (typeof event.payload !== 'object' || event.payload === null) return JSON.stringify(event.payload);
  let text = payloadTexts.get(event.payload);
  if (text === undefined) {
    text = JSON.stringify(event.payload);
    payloadTexts.set(event.payload, text);
  }
  return text;
}

/** `JSON.stringify(events)`, each payload through `payloadText`. */
export function eventsText(events: readonly ObjectEvent[]): string {
  return `[${events.map((event) => `{"channels":${JSON.stringify(event.channels)},"payload":${payloadText(event)}}`).join(',')}]`;
}

/** Where committed changes are announced; the real-time layer implements it. */
export interface ObjectEventSink {
  /**
   * Hands the events of one committed change to the event bus; resolves `true` once the bus has
   * taken them, so a write answered after it has its events on their way, and `false` when it
   * could not. Never rejects: the change is committed whatever happens here, so the sink reports
   * a failed hand-off itself (the events wait in the outbox for its relay).
   *
   * @param id the change's outbox key: a bus that dedupes (NATS JetStream) drops a second copy of
   * the events under the same id, should the relay hand them over again.
   */
  publish(subKey: string, events: ObjectEvent[], id?: string): Promise<boolean>;
  /** The same hand-off for the outbox relay: rejects when the bus cannot take the events, and reports nothing. */
  relay(subKey: string, events: ObjectEvent[], id: string): Promise<void>;
}

const event = (kind: ObjectEvent['payload']['event'], type: ObjectEvent['payload']['type'], data: Record<string, unknown>) =>
  ({ source: 'objects', version: '2.0', event: kind, type, data }) as const;

function objectChannels(keyset: Keyset, kind: ObjectKind, id: string, memberOf: string[]): string[] {
  if (kind === 'channel' || !keyset.userEventsToMemberChannels) return [id];
  return [id, ...memberOf.filter((channel) => channel !== id)];
}

function enabled(keyset: Keyset, type: ObjectEvent['payload']['type']): boolean {
  return type === 'uuid' ? keyset.userEvents : type === 'channel' ? keyset.channelEvents : keyset.membershipEvents;
}

/** A uuid/channel set event: ids, `updated`, `eTag` and every field the request carried. */
export function objectSetEvents(
  keyset: Keyset,
  kind: ObjectKind,
  record: UuidRecord | ChannelRecord,
  sentFields: readonly string[],
  memberOf: string[],
): ObjectEvent[] {
  if (!enabled(keyset, kind)) return [];
  const data: Record<string, unknown> = { id: record.id };
  for (const field of sentFields) data[field] = (record as unknown as Record<string, unknown>)[field];
  data['updated'] = toWire(record.updated);
  data['eTag'] = record.eTag;
  return [{ channels: objectChannels(keyset, kind, record.id, memberOf), payload: event('set', kind, data) }];
}

export function objectDeleteEvents(keyset: Keyset, kind: ObjectKind, id: string, memberOf: string[]): ObjectEvent[] {
  if (!enabled(keyset, kind)) return [];
  return [{ channels: objectChannels(keyset, kind, id, memberOf), payload: event('delete', kind, { id }) }];
}

/** One event per changed link, on the channel's channel and the user's channel. */
export function membershipEvents(keyset: Keyset, changes: MembershipChange[], sentFields: (record: MembershipRecord) => readonly string[]): ObjectEvent[] {
  if (!enabled(keyset, 'membership')) return [];
  return changes.map(({ kind, record }) => {
    const ids = { uuid: { id: record.uuidId }, channel: { id: record.channelId } };
    const data: Record<string, unknown> =
      kind === 'delete'
        ? ids
        : {
            ...ids,
            ...Object.fromEntries(sentFields(record).map((field) => [field, record[field as 'status' | 'type' | 'custom']])),
            updated: toWire(record.updated),
            eTag: record.eTag,
          };
    const channels = record.uuidId === record.channelId ? [record.channelId] : [record.channelId, record.uuidId];
    return { channels, payload: event(kind, 'membership', data) };
  });
}
