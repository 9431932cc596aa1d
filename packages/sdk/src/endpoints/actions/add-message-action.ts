import type { PNMessageActionInput } from '../../models/messages.ts';
import { PNOperationType } from '../../models/operation.ts';
import type { PNAddMessageActionResult } from '../../models/results.ts';
import type { PNStatus } from '../../models/status.ts';
import { isRecord } from '../../transport/json.ts';
import type { RequestDescriptor } from '../../transport/request.ts';
import { Endpoint, type EndpointContext } from '../endpoint.ts';
import { InvalidParameters, type ParsedResponse } from '../execute.ts';
import { envelope } from '../shared/parse.ts';
import { timetokenText, timetokenView, type TimetokenInput } from '../shared/timetoken.ts';
import { messageActionOf, messageActionsPath } from './message-action-paths.ts';

/** PubNub's limit on an action's `type`. */
export const MAX_ACTION_TYPE_LENGTH = 15;

export interface AddMessageActionOptions {
  /** The channel the message was published on. */
  channel?: string;
  /** The message's timetoken (what `publish` returned). */
  messageTimetoken?: TimetokenInput;
  /** The action: `type` (at most 15 characters) and `value`. */
  action?: { readonly type: string; readonly value: string };
  /** Python's form: the action with its message's timetoken in one object. */
  messageAction?: PNMessageActionInput;
}

/**
 * `addMessageAction`: attaches an action (a reaction, a receipt, an edit) to a stored message.
 * Subscribers of the channel get it through the `messageAction` listener. Sends
 * `POST /v1/message-actions/{sub}/channel/{ch}/message/{messageTimetoken}` with
 * `{"type","value"}`; never retried automatically.
 * @example const { result } = await client.addMessageAction().channel('room').messageTimetoken(tt).action({ type: 'reaction', value: 'smiley_face' }).sync();
 * result.data.actionTimetoken; // pass to removeMessageAction
 */
export class AddMessageAction extends Endpoint<PNAddMessageActionResult> {
  readonly operation = PNOperationType.PNAddMessageAction;
  private channelName: string | undefined;
  private timetoken: TimetokenInput | undefined;
  private actionValue: { readonly type: string; readonly value: string } | undefined;

  constructor(context: EndpointContext, options: AddMessageActionOptions = {}) {
    super(context);
    this.channelName = options.channel;
    if (options.messageAction !== undefined) this.messageAction(options.messageAction);
    if (options.messageTimetoken !== undefined) this.timetoken = options.messageTimetoken;
    if (options.action !== undefined) this.actionValue = options.action;
  }

  /** The channel the message was published on. */
  channel(channel: string): this {
    this.channelName = channel;
    return this;
  }

  /** The message's timetoken. */
  messageTimetoken(timetoken: TimetokenInput): this {
    this.timetoken = timetoken;
    return this;
  }

  /** The action's `type` (at most 15 characters) and `value`. */
  action(action: { readonly type: string; readonly value: string }): this {
    this.actionValue = { type: action.type, value: action.value };
    return this;
  }

  /** Python's `.message_action(PNMessageAction)`: the action and, if given, its message's timetoken. */
  messageAction(action: PNMessageActionInput): this {
    this.action(action);
    if (action.messageTimetoken !== undefined) this.timetoken = action.messageTimetoken;
    return this;
  }

  buildRequest(): RequestDescriptor {
    const { channelName: channel, timetoken, actionValue: action } = this;
    if (channel === undefined || channel === '') throw new InvalidParameters('Missing channel: pass .channel(name).');
    if (timetoken === undefined) throw new InvalidParameters('Missing messageTimetoken: pass .messageTimetoken(timetoken).');
    const messageTimetoken = timetokenText('messageTimetoken', timetoken);
    if (action === undefined) throw new InvalidParameters('Missing action: pass .action({ type, value }).');
    if (typeof action.type !== 'string' || action.type === '') throw new InvalidParameters('Missing action.type.');
    if (action.type.length > MAX_ACTION_TYPE_LENGTH) throw new InvalidParameters(`action.type is longer than ${MAX_ACTION_TYPE_LENGTH} characters.`);
    if (typeof action.value !== 'string' || action.value === '') throw new InvalidParameters('Missing action.value.');
    const path = messageActionsPath(this.context.config.subscribeKey, channel, 'message', messageTimetoken);
    return { method: 'POST', path, query: [], body: JSON.stringify({ type: action.type, value: action.value }), idempotent: false };
  }

  /** `{"status":200,"data":{"type","value","uuid","actionTimetoken","messageTimetoken"}}` */
  parse(response: ParsedResponse, status: PNStatus): PNAddMessageActionResult {
    const exact = timetokenView(response);
    return { data: messageActionOf(envelope(response)['data'], isRecord(exact) ? exact['data'] : undefined), status };
  }
}
