import { isSubscribeEnvelope, MESSAGE_TYPE, type SubscribeBody, type SubscribeEnvelope } from '@roster/protocol';
import { describe, expect, it } from 'vitest';
import { appContextEnvelope, messageEnvelope, subscribeBody } from './envelope.ts';

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

  it('make an answer with the cursor as a string timetoken', () => {
    const body = read(subscribeBody('17000000000000002', 3, [appContextEnvelope(ORIGIN, '{}')])) as SubscribeBody;
    expect(body.t).toEqual({ t: '17000000000000002', r: 3 });
    expect(body.m.every(isSubscribeEnvelope)).toBe(true);
    expect(read(subscribeBody('17000000000000002', 3))).toEqual({ t: { t: '17000000000000002', r: 3 }, m: [] });
  });
});
