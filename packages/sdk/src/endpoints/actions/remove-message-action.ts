import { PNOperationType } from '../../models/operation.ts';
import type { PNRemoveMessageActionResult } from '../../models/results.ts';
import type { PNStatus } from '../../models/status.ts';
import type { RequestDescriptor } from '../../transport/request.ts';
import { Endpoint, type EndpointContext } from '../endpoint.ts';
import { InvalidParameters, type ParsedResponse } from '../execute.ts';
import { timetokenText, type TimetokenInput } from '../shared/timetoken.ts';
import { messageActionsPath } from './message-action-paths.ts';

export interface RemoveMessageActionOptions {
  /** The channel the message was published on. */
  channel?: string;
  /** The message's timetoken. */
  messageTimetoken?: TimetokenInput;
  /** The action's timetoken (`actionTimetoken` of `addMessageAction`'s result, or of an action). */
  actionTimetoken?: TimetokenInput;
}

/**
 * `removeMessageAction`: takes an action off a message. Subscribers get a `messageAction`
 * event with `event: 'removed'`. Sends
 * `DELETE /v1/message-actions/{sub}/channel/{ch}/message/{messageTimetoken}/action/{actionTimetoken}`.
 * @example await client.removeMessageAction().channel('room').messageTimetoken(tt).actionTimetoken(action.actionTimetoken).sync();
 */
export class RemoveMessageAction extends Endpoint<PNRemoveMessageActionResult> {
  readonly operation = PNOperationType.PNDeleteMessageAction;
  private readonly options: RemoveMessageActionOptions;

  constructor(context: EndpointContext, options: RemoveMessageActionOptions = {}) {
    super(context);
    this.options = { ...options };
  }

  /** The channel the message was published on. */
  channel(channel: string): this {
    this.options.channel = channel;
    return this;
  }

  /** The message's timetoken. */
  messageTimetoken(timetoken: TimetokenInput): this {
    this.options.messageTimetoken = timetoken;
    return this;
  }

  /** The action's own timetoken. */
  actionTimetoken(timetoken: TimetokenInput): this {
    this.options.actionTimetoken = timetoken;
    return this;
  }

  buildRequest(): RequestDescriptor {
    const { channel, messageTimetoken, actionTimetoken } = this.options;
    if (channel === undefined || channel === '') throw new InvalidParameters('Missing channel: pass .channel(name).');
    if (messageTimetoken === undefined) throw new InvalidParameters('Missing messageTimetoken: pass .messageTimetoken(timetoken).');
    if (actionTimetoken === undefined) throw new InvalidParameters('Missing actionTimetoken: pass .actionTimetoken(timetoken).');
    const segments = ['message', timetokenText('messageTimetoken', messageTimetoken), 'action', timetokenText('actionTimetoken', actionTimetoken)];
    return { method: 'DELETE', path: messageActionsPath(this.context.config.subscribeKey, channel, ...segments), query: [], idempotent: true };
  }

  /** `{"status":200,"data":{}}` */
  parse(_response: ParsedResponse, status: PNStatus): PNRemoveMessageActionResult {
    return { data: {}, status };
  }
}
