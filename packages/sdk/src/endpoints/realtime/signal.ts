import { pubnubEncode } from '@roster/protocol';
import { PNOperationType } from '../../models/operation.ts';
import type { PNSignalResult } from '../../models/results.ts';
import type { PNStatus } from '../../models/status.ts';
import type { RequestDescriptor } from '../../transport/request.ts';
import { Endpoint, type EndpointContext } from '../endpoint.ts';
import { InvalidParameters, type ParsedResponse } from '../execute.ts';
import { parseSentTimetoken } from '../shared/parse.ts';

export interface SignalOptions {
  channel?: string;
  /** Any JSON-serialisable value; PubNub limits a signal to 64 bytes of payload. */
  message?: unknown;
  /** A type of your own for the signal, e.g. `typing` (3 to 50 letters, digits, `-` or `_`). */
  customMessageType?: string;
}

/**
 * `signal`: sends a small message (typing indicators, receipts) to a channel's subscribers,
 * who get it through the `signal` listener. Signals are not stored in history. Sent as
 * `GET /signal/{pub}/{sub}/0/{channel}/0/{json}`, as PubNub's SDKs do; never retried
 * automatically, so a signal is not delivered twice.
 * @example const { result } = await client.signal().channel('room').message({ type: 'typing', value: true }).sync();
 */
export class Signal extends Endpoint<PNSignalResult> {
  readonly operation = PNOperationType.PNSignalOperation;
  private readonly options: SignalOptions;

  constructor(context: EndpointContext, options: SignalOptions = {}) {
    super(context);
    this.options = { ...options };
  }

  channel(channel: string): this {
    this.options.channel = channel;
    return this;
  }

  /** Any JSON-serialisable value (PubNub allows 64 bytes). */
  message(message: unknown): this {
    this.options.message = message;
    return this;
  }

  /** A type of your own for the signal, delivered to listeners as `customMessageType`. */
  customMessageType(type: string): this {
    this.options.customMessageType = type;
    return this;
  }

  buildRequest(): RequestDescriptor {
    const { channel, message, customMessageType } = this.options;
    const { publishKey, subscribeKey } = this.context.config;
    if (publishKey === undefined || publishKey === '') throw new InvalidParameters('Sending a signal needs a publishKey in the configuration.');
    if (channel === undefined || channel === '') throw new InvalidParameters('Missing channel: pass .channel(name).');
    if (message === undefined) throw new InvalidParameters('Missing message: pass .message(value).');
    const query: Array<readonly [string, string]> = [];
    if (customMessageType !== undefined && customMessageType !== '') query.push(['custom_message_type', customMessageType]);
    const path = `/signal/${pubnubEncode(publishKey)}/${pubnubEncode(subscribeKey)}/0/${pubnubEncode(channel)}/0/${pubnubEncode(JSON.stringify(message))}`;
    return { method: 'GET', path, query, idempotent: false };
  }

  /** `[1,"Sent","17379929965457610"]` */
  parse(response: ParsedResponse, _status: PNStatus): PNSignalResult {
    return { timetoken: parseSentTimetoken(response, 'signal') };
  }
}
