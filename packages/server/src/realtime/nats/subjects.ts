import { createHash } from 'node:crypto';
import { MAX_KEY_BYTES } from '../../model/keyset.ts';

/**
 * Where Roster's envelopes live in NATS. Every subject of a bus starts with its prefix; keysets
 * and channel names, which may hold any character (`.` included), go in as base64url tokens:
 *
 * - `<prefix>.c.<subKey>.<channel>`: one channel's messages and App Context events, in order;
 *   JetStream's per-subject sequence is what keeps their timetokens increasing (channel-order.ts).
 * - `<prefix>.h.<subKey>.<SHA-256 of the channel>`: the same for a channel whose name is too long
 *   to be a token (a NATS subject must fit in a protocol line); its messages carry the name in the
 *   `Roster-Channel` header, and a reader checks that the name hashes to the subject.
 * - `<prefix>.p.<subKey>.<id>`: one App Context event's payload, published once and referred to
 *   by the envelopes of all its channels (wire.ts).
 */

/** One parsed subject of a bus. */
export type SubjectOf = { kind: 'channel'; subKey: string; channel: string } | { kind: 'payload'; subKey: string };

/** The header that names the channel of an `h` subject (base64url). */
export const CHANNEL_HEADER = 'Roster-Channel';

/** The longest channel token put in a subject as it is (96 bytes of name); longer names are hashed. */
const MAX_CHANNEL_TOKEN = 128;
/** The longest keyset token: base64url of the longest subscribe key the configuration allows. */
const MAX_KEY_TOKEN = Math.ceil((MAX_KEY_BYTES * 4) / 3);
const TOKEN = /^[A-Za-z0-9_-]+$/;

function token(text: string): string {
  if (text === '') throw new Error('A keyset or channel name is empty: it cannot be a NATS subject token.');
  return Buffer.from(text, 'utf8').toString('base64url');
}

/** The text of a token, or `undefined` when the token is not exactly what `token` makes of it. */
function untoken(text: string): string | undefined {
  if (!TOKEN.test(text)) return undefined;
  const decoded = Buffer.from(text, 'base64url').toString('utf8');
  return decoded !== '' && token(decoded) === text ? decoded : undefined;
}

function keyToken(subKey: string): string {
  const key = token(subKey);
  if (key.length > MAX_KEY_TOKEN)
    throw new Error(`The subscribe key ${JSON.stringify(subKey.slice(0, 20))}… is longer than the NATS event bus takes (${MAX_KEY_BYTES} bytes).`);
  return key;
}

const digest = (channel: string) => createHash('sha256').update(channel, 'utf8').digest('base64url');

/**
 * @example
 * const subjects = new NatsSubjects('roster');
 * subjects.channel('demo', 'room.1'); // 'roster.c.ZGVtbw.cm9vbS4x'
 * subjects.parse('roster.c.ZGVtbw.cm9vbS4x'); // { kind: 'channel', subKey: 'demo', channel: 'room.1' }
 */
export class NatsSubjects {
  readonly prefix: string;

  /** @param prefix one or more subject tokens (`roster`, `prod.roster`), no wildcards or spaces. */
  constructor(prefix: string) {
    if (!/^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/.test(prefix)) throw new Error(`Not a NATS subject prefix: ${JSON.stringify(prefix)}`);
    this.prefix = prefix;
  }

  /** Every subject of the bus, for the stream. */
  all(): string {
    return `${this.prefix}.>`;
  }

  /** The channel's subject, a few hundred characters at most whatever the channel's name. */
  channel(subKey: string, channel: string): string {
    const name = token(channel);
    if (name.length <= MAX_CHANNEL_TOKEN) return `${this.prefix}.c.${keyToken(subKey)}.${name}`;
    return `${this.prefix}.h.${keyToken(subKey)}.${digest(channel)}`;
  }

  /** Headers a message on the channel must carry besides its own: the name, when the subject holds only its hash. */
  channelHeaders(channel: string): [string, string][] {
    const name = token(channel);
    return name.length <= MAX_CHANNEL_TOKEN ? [] : [[CHANNEL_HEADER, name]];
  }

  payload(subKey: string, id: string): string {
    return `${this.prefix}.p.${keyToken(subKey)}.${id}`;
  }

  /** Whether `subject` is one of keyset `subKey`'s payload subjects. */
  isPayloadOf(subject: string, subKey: string): boolean {
    const where = this.parse(subject);
    return where?.kind === 'payload' && where.subKey === subKey;
  }

  /**
   * What a subject of this bus names; `undefined` for any other subject, and for one that is not
   * exactly what `channel` or `payload` makes. `header` gives a message's headers ('' when absent):
   * an `h` subject names its channel only with the `Roster-Channel` header.
   */
  parse(subject: string, header: (name: string) => string = () => ''): SubjectOf | undefined {
    if (!subject.startsWith(`${this.prefix}.`)) return undefined;
    const [kind, key, rest, ...more] = subject.slice(this.prefix.length + 1).split('.');
    if (key === undefined || rest === undefined || more.length > 0 || key.length > MAX_KEY_TOKEN) return undefined;
    const subKey = untoken(key);
    if (subKey === undefined) return undefined;
    if (kind === 'p') return TOKEN.test(rest) ? { kind: 'payload', subKey } : undefined;
    const channel = kind === 'c' ? untoken(rest) : kind === 'h' ? untoken(header(CHANNEL_HEADER)) : undefined;
    if (channel === undefined || this.channel(subKey, channel) !== subject) return undefined;
    return { kind: 'channel', subKey, channel };
  }
}
