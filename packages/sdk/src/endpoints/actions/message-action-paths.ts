import { encodePath } from '@roster/protocol';
import type { PNMessageAction } from '../../models/messages.ts';
import { isRecord } from '../../transport/json.ts';
import { MalformedResponse } from '../execute.ts';

/** `/v1/message-actions/{sub}/channel/{ch}[/message/{tt}[/action/{tt}]]`. */
export function messageActionsPath(subscribeKey: string, channel: string, ...rest: readonly string[]): string {
  return `/v1/message-actions${encodePath(subscribeKey, 'channel', channel, ...rest)}`;
}

/**
 * One action as answered; `exact` is the same action read with its timetokens as strings.
 * Throws {@link MalformedResponse} when it lacks a field.
 */
export function messageActionOf(wire: unknown, exact: unknown): PNMessageAction {
  if (!isRecord(wire)) throw new MalformedResponse('Expected a message action object.');
  const timetokens = isRecord(exact) ? exact : wire;
  const { type, value, uuid } = wire;
  const { actionTimetoken, messageTimetoken } = timetokens;
  if (typeof type !== 'string' || typeof value !== 'string' || !isTimetoken(actionTimetoken) || !isTimetoken(messageTimetoken)) {
    throw new MalformedResponse('A message action lacks type, value, actionTimetoken or messageTimetoken.');
  }
  return { type, value, uuid: typeof uuid === 'string' ? uuid : '', actionTimetoken: String(actionTimetoken), messageTimetoken: String(messageTimetoken) };
}

function isTimetoken(value: unknown): value is string | number {
  return typeof value === 'string' || typeof value === 'number';
}
