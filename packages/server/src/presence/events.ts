import type { PresenceState } from './store.ts';

/**
 * A presence event, the `d` of an envelope on `{channel}-pnpres` (PubNub's "Presence events";
 * live capture in conformance/pubnub-dart/wire_events_app_context.jsonl line 8):
 * `{"action":"join","uuid":"listener","timestamp":1790574122,"precise_timestamp":1790574122401,"occupancy":1}`.
 * `state-change` adds the state, sent as `data` on the wire (the JS SDK hands `d.data` to its
 * listener as `state`); `interval` has no `uuid` and, with presence deltas, `join`, `leave` and
 * `timeout` lists of uuids (or `here_now_refresh: true` when they would be too many).
 */
export interface PresenceEvent {
  action: 'join' | 'leave' | 'timeout' | 'state-change' | 'interval';
  /** Who joined, left, timed out or changed state; absent on `interval`. */
  uuid?: string;
  occupancy: number;
  /** Unix seconds. */
  timestamp: number;
  /** Unix milliseconds. */
  precise_timestamp: number;
  /** On `state-change` (and on `join` when the uuid joined with state); the envelope writes it as `data`. */
  state?: PresenceState;
  join?: string[];
  leave?: string[];
  timeout?: string[];
  here_now_refresh?: boolean;
}

/** Where presence events go: the real-time hub delivers each on `{channel}-pnpres`. */
export interface PresenceEventSink {
  /** Resolves once the bus has taken it; rejects as `RealtimeHub.publishMessage` does. */
  publishPresence(subKey: string, channel: string, event: PresenceEvent): Promise<string>;
}
