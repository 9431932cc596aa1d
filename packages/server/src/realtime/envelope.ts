/**
 * Subscribe envelopes (the items of a subscribe answer's `m`) and the answer itself, written as
 * JSON text directly: an envelope is serialized once and then sent to every subscriber, and
 * timetokens stay strings (see wire-protocol.md §9.1).
 */

import { basePresenceName, isPresenceName } from '../model/presence-names.ts';
import type { PresenceEvent } from '../presence/events.ts';

/** Where and when an envelope was published. */
export interface EnvelopeOrigin {
  subKey: string;
  channel: string;
  /** 17-digit timetoken text. */
  timetoken: string;
  region: number;
}

/** A message published with `/publish`, as it goes into the envelope. */
export interface PublishedMessage {
  /** The message as JSON text. */
  payloadJson: string;
  /** `meta` as JSON text. */
  metaJson?: string | undefined;
  publisher?: string | undefined;
  customMessageType?: string | undefined;
}

/** PubNub's shard field; clients ignore it but some parsers expect a string there. */
const SHARD = '"1"';

/** The fields every envelope opens with, then `extra` (`e` or `i`). */
function head(extra: string): string {
  return `{"a":${SHARD},"f":0${extra}`;
}

function timetokenField(origin: EnvelopeOrigin): string {
  return `"p":{"t":"${origin.timetoken}","r":${origin.region}},"k":${JSON.stringify(origin.subKey)}`;
}

/**
 * An App Context event: `e` is the number 2 (the JS SDK compares with `===`), `d` the event
 * object, and `b` the channel, which is the name the client subscribed with.
 */
export function appContextEnvelope(origin: EnvelopeOrigin, payloadJson: string): string {
  return envelopeText(appContextParts(origin, payloadJson));
}

/**
 * An envelope kept in three parts: one event reaches up to 50,000 channels, and every channel's
 * envelope refers to the same `payload` text instead of copying it (joined only into answers).
 */
export interface EnvelopeParts {
  /** Up to and including `"d":`. */
  head: string;
  /** The event object as JSON text, shared by every channel's envelope of one event. */
  payload: string;
  /** From `,"b":` to the closing brace. */
  tail: string;
}

/** An envelope as JSON text, or in parts sharing their payload (App Context events). */
export type Envelope = string | EnvelopeParts;

/** `appContextEnvelope` in parts: only `head` and `tail` (about 150 characters) are made per channel. */
export function appContextParts(origin: EnvelopeOrigin, payloadJson: string): EnvelopeParts {
  const channel = JSON.stringify(origin.channel);
  return { head: `${head(',"e":2')},${timetokenField(origin)},"c":${channel},"d":`, payload: payloadJson, tail: `,"b":${channel}}` };
}

/** The envelope as one JSON text. */
export function envelopeText(envelope: Envelope): string {
  return typeof envelope === 'string' ? envelope : envelope.head + envelope.payload + envelope.tail;
}

/** Characters of the envelope's JSON text, without joining it; O(1). */
export function envelopeChars(envelope: Envelope): number {
  return typeof envelope === 'string' ? envelope.length : envelope.head.length + envelope.payload.length + envelope.tail.length;
}

/** A plain message: no `e`, `i` the publisher, `u` the meta and `cmt` the custom message type when given. */
export function messageEnvelope(origin: EnvelopeOrigin, message: PublishedMessage): string {
  return publishedEnvelope('', origin, message);
}

/**
 * A signal (`/signal`): a message with `e` the number 1, which the JS SDK hands to its `signal`
 * listener (`signalFromEnvelope`: `i` as `publisher`, `d` as `message`, `cmt`, `u`). PubNub's
 * signals carry no meta; `u` is written only when one is given. Live capture (pubnub/dart
 * subscription_events_test.dart): `{"a":"3","f":514,"e":1,"i":"…","p":{…},"k":"demo","c":"ch","d":"typing","cmt":"typing-sig","b":"ch"}`.
 */
export function signalEnvelope(origin: EnvelopeOrigin, signal: PublishedMessage): string {
  return publishedEnvelope(',"e":1', origin, signal);
}

function publishedEnvelope(type: string, origin: EnvelopeOrigin, message: PublishedMessage): string {
  const channel = JSON.stringify(origin.channel);
  const publisher = message.publisher === undefined ? '' : `,"i":${JSON.stringify(message.publisher)}`;
  const meta = message.metaJson === undefined ? '' : `,"u":${message.metaJson}`;
  const custom = message.customMessageType === undefined ? '' : `,"cmt":${JSON.stringify(message.customMessageType)}`;
  return `${head(type + publisher)},${timetokenField(origin)},"c":${channel}${meta},"d":${message.payloadJson}${custom},"b":${channel}}`;
}

/** A message action: a `type`/`value` pair a user added to a published message (PubNub's "message reactions"). */
export interface MessageAction {
  /** e.g. `reactions`, `edited`, `deleted` (the Chat SDK's names). */
  type: string;
  value: string;
  /** The timetoken of the message the action belongs to, 17-digit text. */
  messageTimetoken: string;
  /** The action's own timetoken, 17-digit text: what names it for removal. */
  actionTimetoken: string;
}

/** An action added to or removed from a message, by the user `uuid`. */
export interface MessageActionEvent {
  event: 'added' | 'removed';
  /** Who added or removed it. */
  uuid: string;
  action: MessageAction;
}

/**
 * A message action event: `e` the number 3, `i` the actor and `d`
 * `{"source":"actions","version":"1.0","event":"added"|"removed","data":{type,value,messageTimetoken,actionTimetoken}}`.
 * The JS SDK hands it to its `messageAction` listener with `i` copied into `data.uuid`
 * (`messageActionFromEnvelope`). The envelope's own timetoken (`p.t`) is not the action's: a live
 * capture (pubnub/dart subscription_events_test.dart) has `p.t` just after `actionTimetoken`.
 */
export function messageActionEnvelope(origin: EnvelopeOrigin, event: MessageActionEvent): string {
  const channel = JSON.stringify(origin.channel);
  const { type, value, messageTimetoken, actionTimetoken } = event.action;
  const d = JSON.stringify({ source: 'actions', version: '1.0', event: event.event, data: { type, value, messageTimetoken, actionTimetoken } });
  return `${head(`,"e":3,"i":${JSON.stringify(event.uuid)}`)},${timetokenField(origin)},"c":${channel},"d":${d},"b":${channel}}`;
}

/**
 * A presence event on `origin.channel`, which is `{channel}-pnpres`: no `e` (clients tell presence
 * by the suffix of `c`), `u` PubNub's `pn_*` summary of the event, and `d` the event with its
 * `state` written as `data`, the wire's name for it (the JS SDK moves `data` to `state`, and
 * `here_now_refresh` to `hereNowRefresh`, before its `presence` listener sees it; Swift decodes
 * `data` as state). Live capture (conformance/pubnub-dart/wire_events_app_context.jsonl line 8):
 * `{"a":"3","f":514,"p":{…},"k":"demo","c":"ch-pnpres","u":{"pn_action":"join","pn_channel":"ch",
 * "pn_ispresence":1,"pn_occupancy":1,"pn_precise_timestamp":…,"pn_timestamp":…,"pn_uuid":"listener"},
 * "d":{"action":"join","uuid":"listener","timestamp":…,"precise_timestamp":…,"occupancy":1},"b":"ch-pnpres"}`.
 * An `interval` event has no `uuid` nor `pn_uuid`, and its `join`, `leave`, `timeout` lists or
 * `here_now_refresh` when given.
 *
 * @throws RangeError when `origin.channel` does not end with `-pnpres`.
 */
export function presenceEnvelope(origin: EnvelopeOrigin, event: PresenceEvent): string {
  if (!isPresenceName(origin.channel)) throw new RangeError(`A presence event goes on a -pnpres channel, not ${JSON.stringify(origin.channel)}.`);
  const channel = JSON.stringify(origin.channel);
  const summary = {
    pn_action: event.action,
    pn_channel: basePresenceName(origin.channel),
    pn_ispresence: 1,
    pn_occupancy: event.occupancy,
    pn_precise_timestamp: event.precise_timestamp,
    pn_timestamp: event.timestamp,
    pn_uuid: event.uuid,
  };
  const { action, uuid, timestamp, precise_timestamp, occupancy, state, join, leave, timeout, here_now_refresh } = event;
  const d = { action, uuid, timestamp, precise_timestamp, occupancy, data: state, join, leave, timeout, here_now_refresh };
  return `${head('')},${timetokenField(origin)},"c":${channel},"u":${JSON.stringify(summary)},"d":${JSON.stringify(d)},"b":${channel}}`;
}

/**
 * The end of an envelope whose subscription (`b`) is `subscription`: every envelope here ends with
 * it, `b` being its channel until an answer names the channel group it was reached through.
 */
export function subscriptionTail(subscription: string): string {
  return `,"b":${JSON.stringify(subscription)}}`;
}

/**
 * `envelope` with another subscription: `from` is the `subscriptionTail` it ends with, `to` the
 * one it gets. Costs a copy of the envelope's text (of the tail only, for parts); an envelope that
 * does not end with `from` is returned as it is.
 */
export function withSubscription(envelope: Envelope, from: string, to: string): Envelope {
  if (typeof envelope !== 'string') return envelope.tail === from ? { ...envelope, tail: to } : envelope;
  return envelope.endsWith(from) ? envelope.slice(0, envelope.length - from.length) + to : envelope;
}

/** A subscribe answer: the cursor to poll from next, and the envelopes. */
export function subscribeBody(timetoken: string, region: number, envelopes: readonly Envelope[] = []): string {
  return `{"t":{"t":"${timetoken}","r":${region}},"m":[${envelopes.map(envelopeText).join(',')}]}`;
}
