/**
 * How a node's real-time layer behaves. `holdSeconds` and the `channelLog*` options have a CLI
 * flag and an env var (`config/options.ts`, which takes its defaults from here); the others are fixed.
 */
export interface HubOptions {
  /** Non-zero region id sent with every timetoken (the JS SDK stalls on `r: 0`). @default 1 */
  region: number;
  /** How long a long-poll with nothing to deliver is held before it answers empty. @default 280 */
  holdSeconds: number;
  /** Envelopes kept per channel for reconnecting subscribers. @default 100 */
  channelLogSize: number;
  /**
   * How long a channel's envelopes are kept. Only channels subscribed to (a handshake, a poll)
   * within this time keep them: a client catches up from a timetoken it got here. @default 600
   */
  channelLogSeconds: number;
  /**
   * Memory all channel logs of the node may hold together, in MiB; past it, the logs written
   * longest ago are dropped whole. Counted: each envelope's text (1 byte a character, 2 when it
   * holds one beyond U+00FF) plus `ENTRY_OVERHEAD_BYTES` (an App Context event's payload, shared by
   * the envelopes of all its channels, once per event), and each log's name plus
   * `LOG_OVERHEAD_BYTES` (channel-log.ts). @default 256
   */
  channelLogMiB: number;
  /** Envelopes in one subscribe answer; the client polls again at once for the rest. @default 100 */
  maxMessagesPerAnswer: number;
  /**
   * Characters of envelope text in one subscribe answer (one envelope always fits, however
   * large); the client polls again at once for the rest. @default 1 MiB
   */
  maxAnswerChars: number;
  /**
   * Characters of subscribe answers the node may have handed to sockets that have not taken
   * them yet (clients that do not read); past it, answers carry fewer envelopes or none, and the
   * client's timetoken does not move past what it did not get. @default 64 MiB
   */
  unflushedAnswerChars: number;
  /**
   * Distinct filter expressions (by text) held long-polls may wait with on one channel: each costs up to
   * `MAX_COMPARISONS` passes over every message published there; a poll bringing one more is a
   * 400 naming `filter-expr`. @default 32
   */
  maxFiltersPerChannel: number;
  /**
   * Channels per keyset remembered as recently subscribed (only those get their messages logged
   * for catch-up, see `channelLogSeconds`); past it, the one subscribed longest ago is forgotten.
   * @default 262144
   */
  maxRecentChannels: number;
}

export const DEFAULT_HUB_OPTIONS: HubOptions = {
  region: 1,
  holdSeconds: 280,
  channelLogSize: 100,
  channelLogSeconds: 600,
  channelLogMiB: 256,
  maxMessagesPerAnswer: 100,
  maxAnswerChars: 1024 * 1024,
  unflushedAnswerChars: 64 * 1024 * 1024,
  maxFiltersPerChannel: 32,
  maxRecentChannels: 262_144,
};
