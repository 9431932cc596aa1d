import type { BusMessage } from '../bus.ts';
import type { NatsSubjects } from './subjects.ts';

/** What one message of the bus may hold, from the NATS server it connected to. */
export interface NatsBusLimits {
  /** The server's `max_payload`: body and headers of one NATS message, in bytes. */
  maxPayloadBytes: number;
  /** The largest envelope the bus carries, in UTF-8 bytes: `maxPayloadBytes` less room for headers. */
  maxEnvelopeBytes: number;
}

/** Room kept in each NATS message for its headers: Roster's (timetokens, kind, cut, reference) and JetStream's expected sequence. */
const HEADER_ROOM = 512;

export function limitsOf(maxPayloadBytes: number): NatsBusLimits {
  return { maxPayloadBytes, maxEnvelopeBytes: Math.max(0, maxPayloadBytes - HEADER_ROOM) };
}

/** An envelope bigger than one NATS message of the server the bus is connected to can hold. */
export class EnvelopeTooLargeError extends Error {
  override readonly name = 'EnvelopeTooLargeError';
}

/**
 * Refuses a batch with an envelope too large for one NATS message before any of it is stored
 * (NATS would refuse it, or the server drop the connection). A long channel name carried in a
 * header counts against the envelope (subjects.ts). An App Context payload shared by many
 * channels is measured once.
 */
export function checkSizes(batch: readonly BusMessage[], limits: NatsBusLimits, subjects: NatsSubjects): void {
  const payloadBytes = new Map<string, number>();
  for (const message of batch) {
    const envelope = message.envelope;
    let bytes: number;
    if (typeof envelope === 'string') bytes = Buffer.byteLength(envelope);
    else {
      let payload = payloadBytes.get(envelope.payload);
      if (payload === undefined) payloadBytes.set(envelope.payload, (payload = Buffer.byteLength(envelope.payload)));
      bytes = Buffer.byteLength(envelope.head) + payload + Buffer.byteLength(envelope.tail);
    }
    for (const [name, value] of subjects.channelHeaders(message.channel)) bytes += name.length + value.length + 4;
    if (bytes > limits.maxEnvelopeBytes) {
      throw new EnvelopeTooLargeError(
        `The envelope on ${JSON.stringify(message.channel.slice(0, 100))} is ${bytes} bytes; the NATS server takes ${limits.maxEnvelopeBytes} at most (its max_payload, ${limits.maxPayloadBytes}, less room for headers).`,
      );
    }
  }
}
