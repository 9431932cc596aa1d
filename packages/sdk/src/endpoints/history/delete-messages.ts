import { encodePath } from '@roster/protocol';
import { PNOperationType } from '../../models/operation.ts';
import type { PNDeleteMessagesResult } from '../../models/results.ts';
import type { PNStatus } from '../../models/status.ts';
import type { RequestDescriptor } from '../../transport/request.ts';
import { Endpoint, type EndpointContext } from '../endpoint.ts';
import { InvalidParameters, type ParsedResponse } from '../execute.ts';
import { timetokenText, type TimetokenInput } from '../shared/timetoken.ts';

export interface DeleteMessagesOptions {
  channel?: string;
  /** Keep messages at and before this timetoken (exclusive bound). */
  start?: TimetokenInput;
  /** Delete messages up to and including this timetoken (inclusive bound). */
  end?: TimetokenInput;
}

/**
 * `deleteMessages`: deletes stored messages of one channel. Between `start` (kept) and `end`
 * (deleted), whichever is larger; with neither, every message of the channel. Sends
 * `DELETE /v3/history/sub-key/{sub}/channel/{ch}`. PubNub requires the secret key, or a token
 * with `delete` on the channel.
 * @example await client.deleteMessages().channel('room').start(tt - 1n).end(tt).sync(); // one message
 */
export class DeleteMessages extends Endpoint<PNDeleteMessagesResult> {
  readonly operation = PNOperationType.PNHistoryDeleteOperation;
  private readonly options: DeleteMessagesOptions;

  constructor(context: EndpointContext, options: DeleteMessagesOptions = {}) {
    super(context);
    this.options = { ...options };
  }

  channel(channel: string): this {
    this.options.channel = channel;
    return this;
  }

  /** The exclusive bound: the message at this timetoken is kept. */
  start(timetoken: TimetokenInput): this {
    this.options.start = timetoken;
    return this;
  }

  /** The inclusive bound: the message at this timetoken is deleted. */
  end(timetoken: TimetokenInput): this {
    this.options.end = timetoken;
    return this;
  }

  buildRequest(): RequestDescriptor {
    const { channel, start, end } = this.options;
    if (channel === undefined || channel === '') throw new InvalidParameters('Missing channel: pass .channel(name).');
    const query: Array<readonly [string, string]> = [];
    if (start !== undefined) query.push(['start', timetokenText('start', start)]);
    if (end !== undefined) query.push(['end', timetokenText('end', end)]);
    const path = `/v3/history${encodePath('sub-key', this.context.config.subscribeKey, 'channel', channel)}`;
    return { method: 'DELETE', path, query, idempotent: true };
  }

  /** `{"status":200,"error":false,"error_message":""}` */
  parse(_response: ParsedResponse, status: PNStatus): PNDeleteMessagesResult {
    return { status };
  }
}
