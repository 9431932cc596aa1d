/**
 * Where Roster's envelopes live in NATS. Every subject of a bus starts with its prefix; keysets
 * and channel names, which may hold any character (`.` included), go in as base64url tokens:
 *
 * - `<prefix>.c.<subKey>.<channel>`: one channel's messages and App Context events, in order;
 *   JetStream's per-subject sequence is what keeps their timetokens increasing (channel-order.ts).
 * - `<prefix>.p.<subKey>.<id>`: one App Context event's payload, published once and referred to
 *   by the envelopes of all its channels (wire.ts).
 */

/** One parsed subject of a bus. */
export type SubjectOf = { kind: 'channel'; subKey: string; channel: string } | { kind: 'payload'; subKey: string };

function token(text: string): string {
  if (text === '') throw new Error('A keyset or channel name is empty: it cannot be a NATS subject token.');
  return Buffer.from(text, 'utf8').toString('base64url');
}

const untoken = (text: string) => Buffer.from(text, 'base64url').toString('utf8');

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

  channel(subKey: string, channel: string): string {
    return `${this.prefix}.c.${token(subKey)}.${token(channel)}`;
  }

  payload(subKey: string, id: string): string {
    return `${this.prefix}.p.${token(subKey)}.${id}`;
  }

  /** What a subject of this bus names; `undefined` for any other subject. */
  parse(subject: string): SubjectOf | undefined {
    if (!subject.startsWith(`${this.prefix}.`)) return undefined;
    const [kind, subKey, rest, ...more] = subject.slice(this.prefix.length + 1).split('.');
    if (subKey === undefined || rest === undefined || more.length > 0) return undefined;
    if (kind === 'c') return { kind: 'channel', subKey: untoken(subKey), channel: untoken(rest) };
    if (kind === 'p') return { kind: 'payload', subKey: untoken(subKey) };
    return undefined;
  }
}
