import { describe, expect, it } from 'vitest';
import { resolveConfig } from '../../config.ts';
import { PNStatusCategory } from '../../models/status-category.ts';
import type { PNStatus } from '../../models/status.ts';
import type { RequestDescriptor, TransportOutcome } from '../request.ts';
import type { Transport } from '../transport.ts';
import { SubscribeLoop } from './subscribe-loop.ts';
import type { SubscribeEnvelope } from './subscribe-response.ts';

type Script = (descriptor: RequestDescriptor) => TransportOutcome | 'hang';

/** A transport that answers from a script and records every request. */
function fakeTransport(script: Script): Transport & { sent: RequestDescriptor[] } {
  const sent: RequestDescriptor[] = [];
  return {
    sent,
    send(descriptor, signal) {
      sent.push(descriptor);
      const answer = script(descriptor);
      if (answer !== 'hang') return Promise.resolve(answer);
      return new Promise((done) =>
        signal?.addEventListener('abort', () => done({ ok: false, request: { method: 'GET', url: descriptor.path }, failure: 'cancelled', cause: undefined })),
      );
    },
  };
}

const ok = (body: unknown): TransportOutcome => ({
  ok: true,
  request: { method: 'GET', url: '/' },
  response: { statusCode: 200, headers: new Headers(), text: JSON.stringify(body) },
});
const down: TransportOutcome = { ok: false, request: { method: 'GET', url: '/' }, failure: 'network', cause: new Error('ECONNREFUSED') };

function tt(descriptor: RequestDescriptor): string | undefined {
  return descriptor.query.find(([key]) => key === 'tt')?.[1];
}

async function until(predicate: () => boolean, timeoutMs = 1000): Promise<void> {
  for (let i = 0; i < timeoutMs / 5 && !predicate(); i++) await new Promise((done) => setTimeout(done, 5));
  expect(predicate()).toBe(true);
}

describe('SubscribeLoop (the effect runner)', () => {
  it('resumes from its last timetoken after network errors, losing nothing', async () => {
    let receives = 0;
    const transport = fakeTransport((descriptor) => {
      if (descriptor.path.includes('/leave')) return ok({});
      if (tt(descriptor) === undefined) return ok({ t: { t: '100', r: 1 }, m: [] });
      receives++;
      if (receives === 1) return ok({ t: { t: '200', r: 1 }, m: [{ c: 'a', d: 'first', p: { t: '150' } }] });
      if (receives === 2 || receives === 3) return down;
      if (receives === 4) return ok({ t: { t: '300', r: 1 }, m: [{ c: 'a', d: 'second', p: { t: '250' } }] });
      return 'hang';
    });
    const config = resolveConfig({ subscribeKey: 'demo', userId: 'me', reconnect: { baseDelayMs: 1, maxDelayMs: 2 } });
    const messages: unknown[] = [];
    const statuses: PNStatus[] = [];
    const loop = new SubscribeLoop(config, transport, {
      messages: (envelopes: readonly SubscribeEnvelope[]) => messages.push(...envelopes.map((envelope) => envelope.d)),
      status: (status) => statuses.push(status),
    });
    loop.dispatch({ type: 'subscriptionChanged', channels: ['a'] });
    await until(() => messages.length === 2);
    expect(messages).toEqual(['first', 'second']);
    // handshake, then tt=100, then tt=200 three times (two failures and the retry), then tt=300.
    expect(transport.sent.map(tt)).toEqual([undefined, '100', '200', '200', '200', '300']);
    expect(statuses.map((status) => status.category)).toEqual([
      PNStatusCategory.PNConnectedCategory,
      PNStatusCategory.PNNetworkIssuesCategory,
      PNStatusCategory.PNReconnectedCategory,
    ]);
    expect(statuses[1]?.isError()).toBe(true);
    loop.dispatch({ type: 'unsubscribeAll' });
    expect(loop.current.kind).toBe('unsubscribed');
  });

  it('takes an answer whose timetoken is not 1 to 20 digits as malformed, backs off, and never sends it back as tt', async () => {
    let receives = 0;
    const sentAt: number[] = [];
    const transport = fakeTransport((descriptor) => {
      sentAt.push(Date.now());
      if (descriptor.path.includes('/leave')) return ok({});
      if (tt(descriptor) === undefined) return ok({ t: { t: '100', r: 1 }, m: [] });
      receives++;
      if (receives === 1) return ok({ t: { t: 'abc/../x?y=1&z', r: 1 }, m: [{ c: 'a', d: 'under a bogus cursor', p: { t: '150' } }] });
      if (receives === 2) return ok({ t: { t: '', r: 1 }, m: [] });
      if (receives === 3) {
        const envelopes = [
          { c: 'a', d: 'object timetoken', p: { t: {} } },
          { c: 'a', d: 'null timetoken', p: { t: null } },
          { c: 'a', d: 'good', p: { t: '150' } },
        ];
        return ok({ t: { t: '200', r: 1 }, m: envelopes });
      }
      return 'hang';
    });
    const config = resolveConfig({ subscribeKey: 'demo', userId: 'me', reconnect: { baseDelayMs: 20, maxDelayMs: 40 } });
    const messages: unknown[] = [];
    const statuses: PNStatus[] = [];
    const loop = new SubscribeLoop(config, transport, {
      messages: (envelopes: readonly SubscribeEnvelope[]) => messages.push(...envelopes.map((envelope) => `${String(envelope.d)} @${envelope.p.t}`)),
      status: (status) => statuses.push(status),
    });
    loop.dispatch({ type: 'subscriptionChanged', channels: ['a'] });
    await until(() => transport.sent.length === 5);
    expect(transport.sent.map(tt)).toEqual([undefined, '100', '100', '100', '200']);
    expect(messages).toEqual(['good @150']);
    expect(statuses.map((status) => status.category)).toEqual([
      PNStatusCategory.PNConnectedCategory,
      PNStatusCategory.PNMalformedResponseCategory,
      PNStatusCategory.PNReconnectedCategory,
    ]);
    // Two reconnect waits of at least 10 and 20 ms (equal jitter of 20 and 40), not an instant respin.
    expect((sentAt[3] ?? 0) - (sentAt[1] ?? 0)).toBeGreaterThanOrEqual(28);
    loop.dispatch({ type: 'unsubscribeAll' });
  });

  it('cancels the long-poll in flight when the channels change, and drops its late answer', async () => {
    const transport = fakeTransport((descriptor) => {
      if (descriptor.path.includes('/leave')) return ok({});
      return tt(descriptor) === undefined ? ok({ t: { t: '100', r: 1 }, m: [] }) : 'hang';
    });
    const loop = new SubscribeLoop(resolveConfig({ subscribeKey: 'demo', userId: 'me' }), transport, { messages: () => undefined, status: () => undefined });
    loop.dispatch({ type: 'subscriptionChanged', channels: ['a'] });
    await until(() => transport.sent.length === 2);
    loop.dispatch({ type: 'subscriptionChanged', channels: ['a', 'b'] });
    await until(() => transport.sent.length === 3);
    expect(transport.sent[2]?.path).toBe('/v2/subscribe/demo/a,b/0');
    expect(tt(transport.sent[2]!)).toBe('100');
    expect(loop.current).toMatchObject({ kind: 'receiving', channels: ['a', 'b'] });
    loop.dispatch({ type: 'unsubscribeAll' });
    await until(() => transport.sent.some((descriptor) => descriptor.path === '/v2/presence/sub-key/demo/channel/a,b/leave'));
  });

  it('sends channel groups and the presence timeout, heartbeats while subscribed, and leaves what presence tracks', async () => {
    const transport = fakeTransport((descriptor) => {
      if (descriptor.path.startsWith('/v2/presence/')) return ok({ status: 200, message: 'OK', service: 'Presence' });
      return tt(descriptor) === undefined ? ok({ t: { t: '100', r: 1 }, m: [] }) : 'hang';
    });
    const config = resolveConfig({ subscribeKey: 'demo', userId: 'me', presenceTimeout: 20, heartbeatInterval: 1 });
    const loop = new SubscribeLoop(config, transport, { messages: () => undefined, status: () => undefined });
    loop.dispatch({ type: 'subscriptionChanged', channels: [], groups: ['g', 'g-pnpres'] });
    expect(loop.heartbeating).toBe(true);
    await until(() => transport.sent.length >= 2);
    const [handshake, poll] = transport.sent;
    expect(handshake).toMatchObject({
      path: '/v2/subscribe/demo/,/0',
      query: [
        ['ee', ''],
        ['channel-group', 'g,g-pnpres'],
        ['heartbeat', '20'],
      ],
    });
    expect(poll?.query).toEqual([
      ['ee', ''],
      ['channel-group', 'g,g-pnpres'],
      ['heartbeat', '20'],
      ['tt', '100'],
      ['tr', '1'],
    ]);
    // The first heartbeat comes one interval later, for the group but not its presence channel.
    const heartbeats = () => transport.sent.filter((descriptor) => descriptor.path.endsWith('/heartbeat'));
    await until(() => heartbeats().length >= 1, 3000);
    expect(heartbeats()[0]).toMatchObject({
      path: '/v2/presence/sub-key/demo/channel/,/heartbeat',
      query: [
        ['heartbeat', '20'],
        ['channel-group', 'g'],
      ],
    });
    loop.dispatch({ type: 'unsubscribeAll' });
    expect(loop.heartbeating).toBe(false);
    expect(transport.sent.at(-1)).toMatchObject({ path: '/v2/presence/sub-key/demo/channel/,/leave', query: [['channel-group', 'g']] });
  });

  it('sends no leave for presence channels alone, and no heartbeats without an interval', async () => {
    const transport = fakeTransport((descriptor) => (tt(descriptor) === undefined ? ok({ t: { t: '100', r: 1 }, m: [] }) : 'hang'));
    const loop = new SubscribeLoop(resolveConfig({ subscribeKey: 'demo', userId: 'me' }), transport, { messages: () => undefined, status: () => undefined });
    loop.dispatch({ type: 'subscriptionChanged', channels: ['a-pnpres'] });
    expect(loop.heartbeating).toBe(false);
    await until(() => transport.sent.length === 2);
    expect(transport.sent[0]?.query).toEqual([['ee', '']]);
    loop.dispatch({ type: 'unsubscribeAll' });
    await new Promise((done) => setTimeout(done, 20));
    expect(transport.sent.map((descriptor) => descriptor.path)).toEqual(['/v2/subscribe/demo/a-pnpres/0', '/v2/subscribe/demo/a-pnpres/0']);
  });

  it('a listener that subscribes from inside a status callback is handled after the current effects', async () => {
    const transport = fakeTransport((descriptor) => (tt(descriptor) === undefined ? ok({ t: { t: '100', r: 1 }, m: [] }) : 'hang'));
    let loop: SubscribeLoop | undefined;
    loop = new SubscribeLoop(resolveConfig({ subscribeKey: 'demo', userId: 'me' }), transport, {
      messages: () => undefined,
      status: (status) => {
        if (status.category === PNStatusCategory.PNConnectedCategory) loop?.dispatch({ type: 'subscriptionChanged', channels: ['a', 'z'] });
      },
    });
    loop.dispatch({ type: 'subscriptionChanged', channels: ['a'] });
    await until(() => transport.sent.some((descriptor) => descriptor.path.includes('/a,z/')));
    expect(loop.current).toMatchObject({ kind: 'receiving', channels: ['a', 'z'] });
    loop.dispatch({ type: 'unsubscribeAll' });
  });
});
