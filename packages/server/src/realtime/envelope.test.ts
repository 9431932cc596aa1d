import { isSubscribeEnvelope, MESSAGE_TYPE, type SubscribeBody, type SubscribeEnvelope } from '@roster/protocol';
import { describe, expect, it } from 'vitest';
import { appContextEnvelope, messageActionEnvelope, messageEnvelope, signalEnvelope, subscribeBody } from './envelope.ts';

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
