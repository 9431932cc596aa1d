import { DeliverPolicy, type JetStreamClient, type JetStreamManager, type OrderedConsumerOptions, type StoredMsg } from '@nats-io/jetstream';
import type { MsgHdrs } from '@nats-io/transport-node';
import type { BusMessage, Replay } from '../bus.ts';
import type { SharedPayloads } from './payloads.ts';
import type { NatsSubjects } from './subjects.ts';
import { readStored, toBusMessage, type Stored } from './wire.ts';

export interface ReplayParts {
  js: JetStreamClient;
  jsm: JetStreamManager;
  stream: string;
  subjects: NatsSubjects;
  payloads: SharedPayloads;
  /**
   * How far before a timetoken's wall-clock time the channel is read from: a message's stream time
   * may trail its timetoken by the nodes' clock skew (and by `TimetokenClock`'s `maxLead`).
   */
  slackMs: number;
  /** How long one replay may take, in milliseconds. */
  timeoutMs: number;
}

const storedOf = (header: MsgHdrs | undefined, text: string): Stored => readStored((name) => header?.get(name) ?? '', text);

/** Where to start reading the channel: by time, `slackMs` before `after`, or at its first retained message when that is later. */
function startAt(parts: ReplayParts, after: bigint, first: StoredMsg): Partial<OrderedConsumerOptions> {
  const fromMs = Number(after / 10_000n) - parts.slackMs;
  if (fromMs <= first.time.getTime()) return { deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: first.seq };
  return { deliver_policy: DeliverPolicy.StartTime, opt_start_time: new Date(fromMs).toISOString() };
}

/**
 * A channel's retained messages after `after` (see `EventBus.replay`). It reads the channel's
 * last and first retained messages, then the channel's subject from just before `after` up to
 * that last one with an ordered consumer, which it deletes when done. `complete` comes from the
 * first retained message's `Roster-Prev`: the timetoken of the one stored before it on the channel,
 * so whether retention dropped anything after `after` is known exactly.
 */
export async function replayChannel(parts: ReplayParts, subKey: string, channel: string, afterText: string, limit: number): Promise<Replay> {
  const { js, jsm, stream } = parts;
  const subject = parts.subjects.channel(subKey, channel);
  const after = BigInt(afterText);
  const last = await jsm.streams.getMessage(stream, { last_by_subj: subject });
  if (!last) return { messages: [], more: false, complete: false };
  if (BigInt(storedOf(last.header, last.string()).timetoken) <= after) return { messages: [], more: false, complete: true };
  const first = await jsm.direct.getMessage(stream, { next_by_subj: subject, seq: 1 });
  if (!first) return { messages: [], more: false, complete: false }; // dropped since `last` was read
  const opening = storedOf(first.header, first.string());
  const complete = BigInt(opening.timetoken) <= after || (opening.prev !== undefined && BigInt(opening.prev) <= after);

  const consumer = await js.consumers.get(stream, { filter_subjects: subject, ...startAt(parts, after, first) });
  const messages: BusMessage[] = [];
  let more = false;
  let reachedLast = false;
  let skipped = false;
  try {
    const reading = await consumer.consume({ max_messages: Math.min(1024, limit + 1) });
    const timer = setTimeout(() => reading.stop(), parts.timeoutMs);
    try {
      for await (const message of reading) {
        const stored = storedOf(message.headers, message.string());
        if (BigInt(stored.timetoken) > after) {
          if (messages.length === limit) {
            more = true;
            reachedLast = true;
            break;
          }
          const payload = stored.ref === undefined ? undefined : await parts.payloads.get(stored.ref);
          if (stored.kind === 'r' && payload === undefined) skipped = true; // its payload was dropped by retention
          else messages.push(toBusMessage(subKey, channel, stored, payload));
        }
        if (message.seq >= last.seq) {
          reachedLast = true;
          break;
        }
      }
    } finally {
      clearTimeout(timer);
      reading.stop();
    }
  } finally {
    await consumer.delete().catch(() => false);
  }
  if (!reachedLast) throw new Error(`Replaying ${channel} took longer than ${parts.timeoutMs} ms.`);
  return { messages, more, complete: complete && !skipped };
}
