import { isSubscribeEnvelope, MESSAGE_TYPE, type SubscribeBody, type SubscribeEnvelope } from '@roster/protocol';
import { describe, expect, it } from 'vitest';
import {
  appContextEnvelope,
  appContextParts,
  envelopeText,
  messageActionEnvelope,
  messageEnvelope,
  presenceEnvelope,
  signalEnvelope,
  subscribeBody,
  subscriptionTail,
  withSubscription,
} from './envelope.ts';

const ORIGIN = { subKey: 'demo', channel: 'room "1"', timetoken: '17000000000000001', region: 3 };

/** Envelopes are written as text; read back, they must be the protocol's shape that the SDK reads. */
const read = (json: string) => JSON.parse(json) as unknown;

describe('subscribe envelopes', () => {
  it('carry an App Context event as the protocol shapes it', () => {
    const envelope = read(appContextEnvelope(ORIGIN, '{"source":"objects","type":"uuid"}'));
    expect(isSubscribeEnvelope(envelope)).toBe(true);
    expect(envelope).toEqual({
      a: '1',
      f: 0,
      e: MESSAGE_TYPE.appContext,
      p: { t: '17000000000000001', r: 3 },
      k: 'demo',
      c: 'room "1"',
      d: { source: 'objects', type: 'uuid' },
      b: 'room "1"',
    } satisfies SubscribeEnvelope);
  });

  it('carry a message with its publisher, meta and custom type, and no `e`', () => {
    const envelope = read(messageEnvelope(ORIGIN, { payloadJson: '[1]', metaJson: '{"m":1}', publisher: 'alice', customMessageType: 'chat' }));
    expect(isSubscribeEnvelope(envelope)).toBe(true);
    expect(envelope).toEqual({
      a: '1',
      f: 0,
      i: 'alice',
      p: { t: '17000000000000001', r: 3 },
      k: 'demo',
      c: 'room "1"',
      u: { m: 1 },
      d: [1],
      cmt: 'chat',
      b: 'room "1"',
    } satisfies SubscribeEnvelope);
  });

  it('carry a signal with `e` 1, its publisher and custom type, and no meta unless given', () => {
    const text = signalEnvelope(ORIGIN, { payloadJson: '{"type":"typing","value":true}', publisher: 'alice', customMessageType: 'typing-sig' });
    expect(text).toBe(
      '{"a":"1","f":0,"e":1,"i":"alice","p":{"t":"17000000000000001","r":3},"k":"demo","c":"room \\"1\\"","d":{"type":"typing","value":true},"cmt":"typing-sig","b":"room \\"1\\""}',
    );
    const envelope = read(text);
    expect(isSubscribeEnvelope(envelope)).toBe(true);
    expect((envelope as SubscribeEnvelope).e).toBe(MESSAGE_TYPE.signal);
    expect(read(signalEnvelope(ORIGIN, { payloadJson: '"x"', publisher: undefined, customMessageType: undefined }))).toEqual({
      a: '1',
      f: 0,
      e: 1,
      p: { t: '17000000000000001', r: 3 },
      k: 'demo',
      c: 'room "1"',
      d: 'x',
      b: 'room "1"',
    } satisfies SubscribeEnvelope);
  });

  it('carry a message action event with `e` 3, the actor as `i`, and the action under `d.data`', () => {
    const action = { type: 'reactions', value: 'smiley "face"', messageTimetoken: '16999999999999999', actionTimetoken: '17000000000000000' };
    for (const event of ['added', 'removed'] as const) {
      const envelope = read(messageActionEnvelope(ORIGIN, { event, uuid: 'bob', action }));
      expect(isSubscribeEnvelope(envelope)).toBe(true);
      expect(envelope).toEqual({
        a: '1',
        f: 0,
        e: MESSAGE_TYPE.messageAction,
        i: 'bob',
        p: { t: '17000000000000001', r: 3 },
        k: 'demo',
        c: 'room "1"',
        d: { source: 'actions', version: '1.0', event, data: action },
        b: 'room "1"',
      } satisfies SubscribeEnvelope);
    }
  });

  it('make an answer with the cursor as a string timetoken', () => {
    const body = read(subscribeBody('17000000000000002', 3, [appContextEnvelope(ORIGIN, '{}')])) as SubscribeBody;
    expect(body.t).toEqual({ t: '17000000000000002', r: 3 });
    expect(body.m.every(isSubscribeEnvelope)).toBe(true);
    expect(read(subscribeBody('17000000000000002', 3))).toEqual({ t: { t: '17000000000000002', r: 3 }, m: [] });
  });
});

describe('presence envelopes', () => {
  const origin = { subKey: 'demo', channel: 'ch-pnpres', timetoken: '17905741224037960', region: 1 };
  const at = { timestamp: 1790574122, precise_timestamp: 1790574122401 };

  it('carry a join as PubNub does (live capture), with our shard and flags', () => {
    expect(presenceEnvelope(origin, { action: 'join', uuid: 'listener', occupancy: 1, ...at })).toBe(
      '{"a":"1","f":0,"p":{"t":"17905741224037960","r":1},"k":"demo","c":"ch-pnpres",' +
        '"u":{"pn_action":"join","pn_channel":"ch","pn_ispresence":1,"pn_occupancy":1,"pn_precise_timestamp":1790574122401,"pn_timestamp":1790574122,"pn_uuid":"listener"},' +
        '"d":{"action":"join","uuid":"listener","timestamp":1790574122,"precise_timestamp":1790574122401,"occupancy":1},"b":"ch-pnpres"}',
    );
  });

  it('carry state as `data`, the name the SDKs read it from, and nothing for fields not given', () => {
    const envelope = read(presenceEnvelope(origin, { action: 'state-change', uuid: 'u "1"', occupancy: 2, state: { mood: 'ok' }, ...at }));
    expect(isSubscribeEnvelope(envelope)).toBe(true);
    expect((envelope as SubscribeEnvelope).d).toEqual({ action: 'state-change', uuid: 'u "1"', ...at, occupancy: 2, data: { mood: 'ok' } });
    expect((envelope as SubscribeEnvelope).e).toBeUndefined();
  });

  it('carry an interval with no uuid, its deltas and here_now_refresh', () => {
    const deltas = presenceEnvelope(origin, { action: 'interval', occupancy: 3, join: ['a', 'b'], leave: [], timeout: ['c'], ...at });
    expect(deltas).toBe(
      '{"a":"1","f":0,"p":{"t":"17905741224037960","r":1},"k":"demo","c":"ch-pnpres",' +
        '"u":{"pn_action":"interval","pn_channel":"ch","pn_ispresence":1,"pn_occupancy":3,"pn_precise_timestamp":1790574122401,"pn_timestamp":1790574122},' +
        '"d":{"action":"interval","timestamp":1790574122,"precise_timestamp":1790574122401,"occupancy":3,"join":["a","b"],"leave":[],"timeout":["c"]},"b":"ch-pnpres"}',
    );
    const refresh = read(presenceEnvelope(origin, { action: 'interval', occupancy: 900, here_now_refresh: true, ...at })) as SubscribeEnvelope;
    expect(refresh.d).toEqual({ action: 'interval', ...at, occupancy: 900, here_now_refresh: true });
  });

  it('go only on a -pnpres channel', () => {
    expect(() => presenceEnvelope({ ...origin, channel: 'ch' }, { action: 'join', uuid: 'u', occupancy: 1, ...at })).toThrow(RangeError);
  });
});

describe('the subscription an envelope names (`b`)', () => {
  const [from, to] = [subscriptionTail('room "1"'), subscriptionTail('team-pnpres')];

  it('is rewritten at the end of an envelope as text, nothing else changed', () => {
    const text = messageEnvelope(ORIGIN, { payloadJson: '{"b":"room \\"1\\""}', publisher: 'alice' });
    const renamed = withSubscription(text, from, to);
    expect(read(renamed as string)).toEqual({ ...(read(text) as object), b: 'team-pnpres' });
    expect(renamed).toBe(text.slice(0, -from.length) + ',"b":"team-pnpres"}');
  });

  it('is rewritten in the tail of an envelope in parts, its shared payload untouched', () => {
    const parts = appContextParts(ORIGIN, '{"source":"objects"}');
    const renamed = withSubscription(parts, from, to);
    expect(typeof renamed === 'object' && renamed.payload).toBe(parts.payload);
    expect(read(envelopeText(renamed))).toEqual({ ...(read(envelopeText(parts)) as object), b: 'team-pnpres' });
  });

  it('is left alone when the envelope does not end with the tail given', () => {
    const text = messageEnvelope(ORIGIN, { payloadJson: '1' });
    expect(withSubscription(text, subscriptionTail('other'), to)).toBe(text);
  });
});
