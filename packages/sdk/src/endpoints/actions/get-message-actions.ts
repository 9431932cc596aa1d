import { PNOperationType } from '../../models/operation.ts';
import type { PNMessageAction, PNMessageActionsMore } from '../../models/messages.ts';
import type { PNGetMessageActionsResult } from '../../models/results.ts';
import type { PNStatus } from '../../models/status.ts';
import { isRecord } from '../../transport/json.ts';
import type { RequestDescriptor } from '../../transport/request.ts';
import { Endpoint, type EndpointContext } from '../endpoint.ts';
import { InvalidParameters, MalformedResponse, type ParsedResponse } from '../execute.ts';
import { envelope } from '../shared/parse.ts';
import { timetokenText, timetokenView, type TimetokenInput } from '../shared/timetoken.ts';
import { messageActionOf, messageActionsPath } from './message-action-paths.ts';

export interface GetMessageActionsOptions {
  channel?: string;
  /** Only actions older than this action timetoken (exclusive). */
  start?: TimetokenInput;
  /** Only actions from this action timetoken on (inclusive). */
  end?: TimetokenInput;
  /**
   * Actions per page, 1 to 100.
   * @default 100 (the server's default)
   */
  limit?: number;
}

/**
 * `getMessageActions`: one page of the actions on a channel's messages, oldest first by action
 * timetoken; the newest actions unless `start` is given. Sends
 * `GET /v1/message-actions/{sub}/channel/{ch}`.
 * @example const { result } = await client.getMessageActions().channel('room').limit(50).sync();
 * // older ones: client.getMessageActions({ channel: 'room', start: result.start! })
 */
export class GetMessageActions extends Endpoint<PNGetMessageActionsResult> {
  readonly operation = PNOperationType.PNGetMessageActions;
  private readonly options: GetMessageActionsOptions;

  constructor(context: EndpointContext, options: GetMessageActionsOptions = {}) {
    super(context);
    this.options = { ...options };
  }

  channel(channel: string): this {
    this.options.channel = channel;
    return this;
  }

  /** Only actions older than this action timetoken (exclusive). */
  start(timetoken: TimetokenInput): this {
    this.options.start = timetoken;
    return this;
  }

  /** Only actions from this action timetoken on (inclusive). */
  end(timetoken: TimetokenInput): this {
    this.options.end = timetoken;
    return this;
  }

  /** Actions per page, 1 to 100. */
  limit(limit: number): this {
    this.options.limit = limit;
    return this;
  }

  buildRequest(): RequestDescriptor {
    const { channel, start, end, limit } = this.options;
    if (channel === undefined || channel === '') throw new InvalidParameters('Missing channel: pass .channel(name).');
    const query: Array<readonly [string, string]> = [];
    if (start !== undefined) query.push(['start', timetokenText('start', start)]);
    if (end !== undefined) query.push(['end', timetokenText('end', end)]);
    if (limit !== undefined) {
      if (!Number.isInteger(limit) || limit < 1 || limit > 100) throw new InvalidParameters(`limit must be a whole number from 1 to 100; got ${limit}.`);
      query.push(['limit', String(limit)]);
    }
    return { method: 'GET', path: messageActionsPath(this.context.config.subscribeKey, channel), query, idempotent: true };
  }

  /** `{"status":200,"data":[{type,value,uuid,actionTimetoken,messageTimetoken}],"more"?:{url,start,end,limit}}` */
  parse(response: ParsedResponse, status: PNStatus): PNGetMessageActionsResult {
    const body = envelope(response);
    const exact = timetokenView(response);
    const exactBody = isRecord(exact) ? exact : body;
    const wire = body['data'];
    if (!Array.isArray(wire)) throw new MalformedResponse('Expected an array in "data".');
    const exactData = Array.isArray(exactBody['data']) ? exactBody['data'] : [];
    const data: PNMessageAction[] = wire.map((action: unknown, index) => messageActionOf(action, exactData[index]));
    const more = moreOf(exactBody['more']);
    return { data, start: data[0]?.actionTimetoken ?? null, end: data.at(-1)?.actionTimetoken ?? null, ...(more === undefined ? {} : { more }), status };
  }
}

function moreOf(more: unknown): PNMessageActionsMore | undefined {
  if (!isRecord(more)) return undefined;
  const { url, start, end, limit } = more;
  return {
    url: typeof url === 'string' ? url : '',
    start: start === undefined || start === null ? '' : String(start),
    ...(end === undefined || end === null ? {} : { end: String(end) }),
    ...(typeof limit === 'number' ? { limit } : {}),
  };
}
