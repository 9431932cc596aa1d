import { PRESENCE_SUFFIX } from '../model/presence-names.ts';
import { payloadText, type ObjectEvent } from '../objects/events.ts';
import type { PresenceEvent } from '../presence/events.ts';
import type { BusMessage } from './bus.ts';
import type { FilterSubject } from './channel-log.ts';
import {
  appContextParts,
  messageActionEnvelope,
  messageEnvelope,
  presenceEnvelope,
  signalEnvelope,
  type EnvelopeOrigin,
  type MessageActionEvent,
  type PublishedMessage,
} from './envelope.ts';
import type { TimetokenClock } from './timetoken.ts';

/** A message from `/publish` (or a signal from `/signal`), validated and parsed. */
export interface MessageInput {
  /** The payload, parsed (what filters read). */
  payload: unknown;
  /**
   * The payload as published: JSON text, already validated. Subscribers get it verbatim, byte
   * for byte (numbers beyond double precision, duplicate keys and spacing included), as PubNub
   * delivers it. @default JSON.stringify(payload)
   */
  payloadJson?: string | undefined;
  /** `meta`, parsed (an object), or `undefined` when none was given. */
  meta: unknown;
  /** `meta` as published, JSON text already validated; delivered verbatim. @default JSON.stringify(meta) */
  metaJson?: string | undefined;
  publisher: string | undefined;
  customMessageType: string | undefined;
}

/**
 * The originating node's half of real-time: gives each envelope its timetoken and renders it,
 * once, into the JSON text every subscriber on every node gets. What it returns goes to the bus.
 *
 * @example
 * const sequencer = new Sequencer(new TimetokenClock(), 1);
 * const message = sequencer.message('demo', 'room', { payload: 'hi', meta: undefined, publisher: 'u1', customMessageType: undefined });
 * message.timetoken; // '17379929965457610'
 */
export class Sequencer {
  readonly #clock: TimetokenClock;
  readonly #region: number;

  /** @param region the non-zero region id every timetoken is sent with. */
  constructor(clock: TimetokenClock, region: number) {
    this.#clock = clock;
    this.#region = region;
  }

  /**
   * App Context events: one bus message per event and distinct channel, in order, each with its
   * own timetoken. The event's payload is rendered once and shared by the envelopes of all its
   * channels (`EnvelopeParts`); each channel adds only its small head and tail. With `id` (the
   * change's outbox key) each message gets the id `<id>.<n>`, `n` its place in the batch, the
   * same however often the same events are sequenced.
   */
  events(subKey: string, events: readonly ObjectEvent[], id?: string): BusMessage[] {
    const batch: BusMessage[] = [];
    for (const event of events) {
      const payloadJson = payloadText(event);
      for (const channel of new Set(event.channels)) {
        const origin = this.#origin(subKey, channel);
        const message: BusMessage = { subKey, channel, timetoken: origin.timetoken, envelope: appContextParts(origin, payloadJson) };
        if (id !== undefined) message.id = `${id}.${batch.length}`;
        batch.push(message);
      }
    }
    return batch;
  }

  /** A published message; its `subject` is what subscribe filters read from it. */
  message(subKey: string, channel: string, input: MessageInput): BusMessage {
    return this.#published(subKey, channel, input, messageEnvelope);
  }

  /**
   * A signal (`e: 1`). Subscribe filters apply to it as to a message (`subject`, with its payload
   * as `data`): PubNub's docs neither apply filters to signals nor exempt them, and a signal has a
   * payload for a filter to read, as a message does.
   */
  signal(subKey: string, channel: string, input: MessageInput): BusMessage {
    return this.#published(subKey, channel, input, signalEnvelope);
  }

  /**
   * A message action event (`e: 3`). It has no `subject`: subscribe filters do not apply to it,
   * as to App Context events (it carries no `meta`, and a filter on the message's `data` would
   * read the action instead). Like a message, and unlike an App Context event, it goes to one
   * channel, so delivery logs it whether or not anyone subscribed there lately (`alwaysLogged`).
   */
  action(subKey: string, channel: string, event: MessageActionEvent): BusMessage {
    const origin = this.#origin(subKey, channel);
    return { subKey, channel, timetoken: origin.timetoken, envelope: messageActionEnvelope(origin, event), alwaysLogged: true };
  }

  /**
   * A presence event about `channel`, delivered on `{channel}-pnpres` (envelope.ts
   * `presenceEnvelope`). It has no `subject`: subscribe filters do not apply to presence events.
   * A filter reads what a publisher wrote (`meta`, payload, publisher), which a presence event does
   * not have, so a filtered subscriber with presence still sees who comes and goes.
   * Like a message, and unlike an App Context event, it goes to one channel, so it is
   * `alwaysLogged`: the subscribe that makes a user present announces its join before it starts
   * waiting on `{channel}-pnpres`, and polls on from a timetoken before it (the Chat SDK's
   * `streamPresence` does), so the join must be in the log whoever waited there before.
   */
  presence(subKey: string, channel: string, event: PresenceEvent): BusMessage {
    const origin = this.#origin(subKey, channel + PRESENCE_SUFFIX);
    return { subKey, channel: origin.channel, timetoken: origin.timetoken, envelope: presenceEnvelope(origin, event), alwaysLogged: true };
  }

  #published(subKey: string, channel: string, input: MessageInput, render: (origin: EnvelopeOrigin, message: PublishedMessage) => string): BusMessage {
    const published: PublishedMessage = {
      payloadJson: input.payloadJson ?? JSON.stringify(input.payload),
      metaJson: input.meta === undefined ? undefined : (input.metaJson ?? JSON.stringify(input.meta)),
      publisher: input.publisher,
      customMessageType: input.customMessageType,
    };
    const subject: FilterSubject = { meta: input.meta, data: input.payload, publisher: input.publisher };
    const origin = this.#origin(subKey, channel);
    return { subKey, channel, timetoken: origin.timetoken, envelope: render(origin, published), subject };
  }

  #origin(subKey: string, channel: string): EnvelopeOrigin {
    return { subKey, channel, timetoken: this.#clock.next().toString(), region: this.#region };
  }
}
