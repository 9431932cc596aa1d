import { DeliverPolicy, type JetStreamClient, type JetStreamManager, type JsMsg, type OrderedConsumerOptions, type StoredMsg } from '@nats-io/jetstream';
import type { MsgHdrs } from '@nats-io/transport-node';
import type { BusMessage, Replay } from '../bus.ts';
import type { SharedPayloads } from './payloads.ts';
import type { NatsSubjects } from './subjects.ts';
import { RefusedMessage } from './checks.ts';
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

/** A channel's stored message as read, `undefined` when it is not what a node writes (checks.ts): replay skips it. */
function storedOf(header: MsgHdrs | undefined, text: string, storedAt: Date): Stored | undefined {
  try {
    return readStored((name) => header?.get(name) ?? '', text, storedAt.getTime());
  } catch (error) {
    if (error instanceof RefusedMessage) return undefined;
    throw error;
  }
}

/**
 * The message a stored one stands for, checked as the feed checks it, when it is after `after`;
 * `undefined` when it is not or is refused, `'gone'` when its shared payload was dropped by retention.
 */
async function delivered(parts: ReplayParts, subKey: string, channel: string, after: bigint, message: JsMsg): Promise<BusMessage | 'gone' | undefined> {
  const header = (name: string) => message.headers?.get(name) ?? '';
  const stored = storedOf(message.headers, message.string(), message.time);
  if (stored === undefined || BigInt(stored.timetoken) <= after) return undefined;
  // The consumer reads only the channel's subject; a hashed one's message must also name the channel.
  if (parts.subjects.parse(message.subject, header)?.kind !== 'channel') return undefined;
  try {
    const payload = stored.ref === undefined ? undefined : await parts.payloads.get(stored.ref, subKey, message.seq);
    if (stored.kind === 'r' && payload === undefined) return 'gone';
    return toBusMessage(subKey, channel, stored, payload);
  } catch (error) {
    if (error instanceof RefusedMessage) return undefined;
    throw error;
  }
}

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
  const closing = storedOf(last.header, last.string(), last.time);
  if (closing !== undefined && BigInt(closing.timetoken) <= after) return { messages: [], more: false, complete: true };
  const first = await jsm.direct.getMessage(stream, { next_by_subj: subject, seq: 1 });
  if (!first) return { messages: [], more: false, complete: false }; // dropped since `last` was read
  const opening = storedOf(first.header, first.string(), first.time);
  // A refused first message tells nothing of what went before it: complete only if nothing could have.
  const complete = opening !== undefined && (BigInt(opening.timetoken) <= after || (opening.prev !== undefined && BigInt(opening.prev) <= after));

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
        const read = await delivered(parts, subKey, channel, after, message);
        if (read !== undefined && messages.length === limit) {
          more = true;
          reachedLast = true;
          break;
        }
        if (read === 'gone') skipped = true;
        else if (read !== undefined) messages.push(read);
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
