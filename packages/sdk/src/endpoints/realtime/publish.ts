import { pubnubEncode } from '@roster/protocol';
import { PNOperationType } from '../../models/operation.ts';
import type { PNPublishResult } from '../../models/results.ts';
import type { PNStatus } from '../../models/status.ts';
import type { RequestDescriptor } from '../../transport/request.ts';
import { Endpoint, type EndpointContext } from '../endpoint.ts';
import { InvalidParameters, type ParsedResponse } from '../execute.ts';
import { parseSentTimetoken } from '../shared/parse.ts';

export interface PublishOptions {
  channel?: string;
  /** Any JSON-serialisable value. */
  message?: unknown;
  /** Metadata delivered with the message (subscribers see it as `userMetadata`). */
  meta?: Record<string, unknown>;
  /** Store the message in history (server default when unset). */
  shouldStore?: boolean;
  /** Hours to keep the stored message. */
  ttl?: number;
  /**
   * Send the message as a POST body instead of in the URL (for large messages).
   * @default false
   */
  usePost?: boolean;
  /** A type of your own for the message, e.g. `text` (3 to 50 letters, digits, `-` or `_`); stored and delivered with it. */
  customMessageType?: string;
}

/**
 * `publish`: sends a message to a channel's subscribers. Never retried automatically, so a
 * message is not delivered twice.
 * @example const { result } = await client.publish().channel('lobby').message({ text: 'hi' }).sync();
 */
export class Publish extends Endpoint<PNPublishResult> {
  readonly operation = PNOperationType.PNPublishOperation;
  private readonly options: PublishOptions;

  constructor(context: EndpointContext, options: PublishOptions = {}) {
    super(context);
    this.options = { ...options };
  }

  channel(channel: string): this {
    this.options.channel = channel;
    return this;
  }

  /** Any JSON-serialisable value. */
  message(message: unknown): this {
    this.options.message = message;
    return this;
  }

  /** Metadata delivered with the message. */
  meta(meta: Record<string, unknown>): this {
    this.options.meta = meta;
    return this;
  }

  shouldStore(store: boolean): this {
    this.options.shouldStore = store;
    return this;
  }

  /** Hours to keep the stored message. */
  ttl(hours: number): this {
    this.options.ttl = hours;
    return this;
  }

  /** Send the message as a POST body instead of in the URL. */
  usePost(post: boolean): this {
    this.options.usePost = post;
    return this;
  }

  /** A type of your own for the message, returned by `fetchMessages` with `includeCustomMessageType`. */
  customMessageType(type: string): this {
    this.options.customMessageType = type;
    return this;
  }

  buildRequest(): RequestDescriptor {
    const { channel, message, meta, shouldStore, ttl, usePost, customMessageType } = this.options;
    const { publishKey, subscribeKey } = this.context.config;
    if (publishKey === undefined || publishKey === '') throw new InvalidParameters('Publishing needs a publishKey in the configuration.');
    if (channel === undefined || channel === '') throw new InvalidParameters('Missing channel: pass .channel(name).');
    if (message === undefined) throw new InvalidParameters('Missing message: pass .message(value).');
    const payload = JSON.stringify(message);
    const query: Array<readonly [string, string]> = [];
    if (shouldStore !== undefined) query.push(['store', shouldStore ? '1' : '0']);
    if (ttl !== undefined) query.push(['ttl', String(ttl)]);
    if (meta !== undefined) query.push(['meta', JSON.stringify(meta)]);
    if (customMessageType !== undefined && customMessageType !== '') query.push(['custom_message_type', customMessageType]);
    const path = `/publish/${pubnubEncode(publishKey)}/${pubnubEncode(subscribeKey)}/0/${pubnubEncode(channel)}/0`;
    if (usePost === true) return { method: 'POST', path, query, body: payload, idempotent: false };
    return { method: 'GET', path: `${path}/${pubnubEncode(payload)}`, query, idempotent: false };
  }

  /** `[1,"Sent","17379929965457610"]` */
  parse(response: ParsedResponse, _status: PNStatus): PNPublishResult {
    return { timetoken: parseSentTimetoken(response, 'publish') };
  }
}
