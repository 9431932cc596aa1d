/**
 * Presence through @roster/sdk against a real Roster server: the `presence` listener (join,
 * leave, timeout, state-change, interval), hereNow, whereNow, setState and getState, the
 * heartbeats a `presenceTimeout` brings, and the failures. The keysets let presence show within
 * seconds (see helpers/presence.ts); every wait is a poll with a deadline.
 */
import { useServer } from '@roster/testing';
import { describe, expect, it } from 'vitest';
import { PNOperationType, PNStatusCategory, type Endpoint, type FetchLike } from '../src/index.ts';
import { rejection, unique, viaCallback } from './helpers/roster.ts';
import { connect, presenceEvent, presenceKeyset, useClients, watch } from './helpers/presence.ts';
import { waitFor } from './helpers/wait.ts';

const server = useServer({ keysets: [presenceKeyset('demo'), presenceKeyset('busy', { presenceAnnounceMax: 1, presenceDeltas: true })] });
const client = useClients(server);

describe('the presence listener', () => {
  it('hears joins and leaves with PubNub event fields: channel without -pnpres, subscription with it', async () => {
    const channel = unique('lobby');
    const seen = await watch(client('watcher'), (s) => s.channels([channel]).withPresence());
    const ann = client('ann');
    const before = Math.floor(Date.now() / 1000);
    await connect(ann, (s) => s.channels([channel]));
    const join = await presenceEvent(seen, "ann's join", (event) => event.action === 'join' && event.uuid === 'ann');
    expect(join).toMatchObject({ channel, subscription: `${channel}-pnpres`, action: 'join', uuid: 'ann', occupancy: 2 });
    expect(join.timetoken).toMatch(/^\d{17}$/);
    expect(join.timestamp).toBeGreaterThanOrEqual(before - 1);
    expect(join.timestamp).toBeLessThanOrEqual(Math.ceil(Date.now() / 1000));

    ann.unsubscribe().channels([channel]).execute();
    const leave = await presenceEvent(seen, "ann's leave", (event) => event.action === 'leave' && event.uuid === 'ann');
    expect(leave).toMatchObject({ channel, subscription: `${channel}-pnpres`, occupancy: 1 });
    expect(seen.messages).toEqual([]);
  });

  it('a client that stops heartbeating times out; one with presenceTimeout 2 s heartbeats every second and stays', async () => {
    const channel = unique('timeouts');
    const seen = await watch(client('watcher'), (s) => s.channels([channel]).withPresence());
    // Roster also holds each long-poll for less than the timeout, so the heartbeats are checked on the wire.
    const heartbeats: number[] = [];
    const recording: FetchLike = async (url, init) => {
      const response = await fetch(url, init);
      if (url.includes('/heartbeat?')) heartbeats.push(response.status);
      return response;
    };
    const steady = client('steady', { presenceTimeout: 2, fetch: recording });
    // What gone starts after it disconnects: nothing (a heartbeat would keep it present).
    let disconnected = false;
    const afterDisconnect: string[] = [];
    const goneFetch: FetchLike = (url, init) => {
      if (disconnected) afterDisconnect.push(url);
      return fetch(url, init);
    };
    const gone = client('gone', { presenceTimeout: 2, fetch: goneFetch });
    await connect(steady, (s) => s.channels([channel]));
    await connect(gone, (s) => s.channels([channel]));
    // Paused: no more long-polls or heartbeats, and no leave either.
    gone.disconnect();
    disconnected = true;
    // 2 s of presence, a sweep each second, and a timeout whose publish was lost goes out again 5 s later (sweep.ts).
    const timeout = await presenceEvent(seen, "gone's timeout", (event) => event.action === 'timeout' && event.uuid === 'gone', 20_000);
    expect(afterDisconnect).toEqual([]);
    expect(timeout).toMatchObject({ channel, occupancy: 2 });
    await new Promise((done) => setTimeout(done, 2500));
    expect(seen.presence.filter((event) => event.uuid === 'steady').map((event) => event.action)).toEqual(['join']);
    expect(heartbeats.length).toBeGreaterThanOrEqual(2);
    expect(new Set(heartbeats)).toEqual(new Set([200]));
    const { result } = await client('asker').hereNow().channels([channel]).sync();
    expect(result.channels[channel]?.occupants.map((occupant) => occupant.uuid)).toEqual(['steady', 'watcher']);
  });

  it('disconnect drops a heartbeat still out: nothing it started keeps the client present', async () => {
    const channel = unique('stuck');
    // Heartbeats reach no server: each waits until it is aborted (else until the 10 s request timeout).
    const heartbeats: { aborted: boolean }[] = [];
    const stuck: FetchLike = (url, init) => {
      if (!url.includes('/heartbeat?')) return fetch(url, init);
      const heartbeat = { aborted: false };
      heartbeats.push(heartbeat);
      return new Promise((_, fail) =>
        init.signal?.addEventListener('abort', () => {
          heartbeat.aborted = true;
          fail(new DOMException('aborted', 'AbortError'));
        }),
      );
    };
    const gone = client('gone', { presenceTimeout: 4, heartbeatInterval: 1, fetch: stuck });
    await connect(gone, (s) => s.channels([channel]));
    await waitFor('a heartbeat out', () => heartbeats.length > 0, 5000);
    gone.disconnect();
    await waitFor('the heartbeats aborted', () => heartbeats.every((heartbeat) => heartbeat.aborted), 1000);
    const sent = heartbeats.length;
    await new Promise((done) => setTimeout(done, 1500));
    expect(heartbeats).toHaveLength(sent);
  });

  it('a busy channel (above the keyset announce max) sends interval events with the deltas', async () => {
    const busy = { subscribeKey: 'busy', publishKey: 'busy' };
    const channel = unique('crowd');
    const watcher = client('watcher', busy);
    const seen = await watch(watcher, (s) => s.channels([channel]).withPresence());
    for (const userId of ['a', 'b', 'c']) {
      const member = client(userId, busy);
      await connect(member, (s) => s.channels([channel]));
    }
    const interval = await presenceEvent(seen, 'an interval with c in it', (event) => event.action === 'interval' && (event.join ?? []).includes('c'));
    expect(interval).toMatchObject({ channel, subscription: `${channel}-pnpres`, hereNowRefresh: false });
    expect(interval.uuid).toBeUndefined();
    await waitFor('occupancy 4 in an interval', () => seen.presence.some((event) => event.action === 'interval' && event.occupancy === 4));
  });
});

describe('hereNow', () => {
  it('fluent .sync(): who is on one channel, sorted, and with their state', async () => {
    const channel = unique('room');
    for (const userId of ['bob', 'ann']) {
      const member = client(userId);
      await connect(member, (s) => s.channels([channel]));
    }
    const asker = client('asker');
    const { result, status } = await asker.hereNow().channels([channel]).sync();
    expect(status).toMatchObject({ statusCode: 200, operation: PNOperationType.PNHereNowOperation });
    expect(result).toEqual({
      totalChannels: 1,
      totalOccupancy: 2,
      channels: {
        [channel]: {
          channelName: channel,
          occupancy: 2,
          occupants: [
            { uuid: 'ann', state: null },
            { uuid: 'bob', state: null },
          ],
        },
      },
      status,
    });
    await client('ann').setState().channels([channel]).state({ mood: 'busy' }).sync();
    const { result: withState } = await asker.hereNow().channels([channel]).includeState(true).sync();
    expect(withState.channels[channel]?.occupants).toEqual([
      { uuid: 'ann', state: { mood: 'busy' } },
      { uuid: 'bob', state: null },
    ]);
  });

  it('named arguments with .pnAsync(): several channels, counts only, and pages of occupants', async () => {
    const [first, second, empty] = [unique('a'), unique('b c/ü'), unique('empty')];
    for (const [userId, channels] of [
      ['ann', [first, second]],
      ['bob', [first]],
      ['cy', [first]],
    ] as const) {
      const member = client(userId);
      await connect(member, (s) => s.channels([...channels]));
    }
    const asker = client('asker');
    const { result, status } = await viaCallback(asker.hereNow({ channels: [first, second, empty], includeUUIDs: false }));
    expect(status.isError()).toBe(false);
    expect(result).toMatchObject({ totalOccupancy: 4 });
    expect(result?.channels[first]).toEqual({ channelName: first, occupancy: 3, occupants: [] });
    expect(result?.channels[second]).toEqual({ channelName: second, occupancy: 1, occupants: [] });

    const page = await asker.hereNow({ channels: [first], limit: 2, offset: 1 }).sync();
    expect(page.result.channels[first]).toMatchObject({ occupancy: 3, occupants: [{ uuid: 'bob' }, { uuid: 'cy' }] });
  });
});

describe('whereNow, setState and getState', () => {
  it('whereNow: the configured user by default, another by uuid, none for a user who is nowhere', async () => {
    const [first, second] = [unique('w1'), unique('w2')];
    const ann = client('ann-where');
    await connect(ann, (s) => s.channels([first, second]));
    const { result, status } = await ann.whereNow().sync();
    expect(status.operation).toBe(PNOperationType.PNWhereNowOperation);
    expect([...result.channels].sort()).toEqual([first, second].sort());
    const { result: byUuid } = await viaCallback(client('asker').whereNow({ uuid: 'ann-where' }));
    expect(byUuid?.channels).toEqual(result.channels);
    expect((await client('asker').whereNow().uuid(unique('nobody')).sync()).result.channels).toEqual([]);
  });

  it('setState gives a state-change event where the user is present; getState reads it back', async () => {
    const [here, other] = [unique('state'), unique('state-2')];
    const seen = await watch(client('watcher'), (s) => s.channels([here]).withPresence());
    const ann = client('ann');
    await connect(ann, (s) => s.channels([here]));
    const { result, status } = await ann.setState().channels([here, other]).state({ mood: 'busy', level: 3 }).sync();
    expect(status.operation).toBe(PNOperationType.PNSetStateOperation);
    expect(result.state).toEqual({ mood: 'busy', level: 3 });
    const change = await presenceEvent(seen, "ann's state-change", (event) => event.action === 'state-change' && event.uuid === 'ann');
    expect(change).toMatchObject({ channel: here, state: { mood: 'busy', level: 3 } });

    const one = await client('asker')
      .getState({ uuid: 'ann', channels: [here] })
      .sync();
    expect(one.result.channels).toEqual({ [here]: { mood: 'busy', level: 3 } });
    expect(one.status.operation).toBe(PNOperationType.PNGetStateOperation);
    const both = await viaCallback(ann.getState().channels([here, other]));
    expect(both.result?.channels[here]).toEqual({ mood: 'busy', level: 3 });

    await ann.setState({ channels: [here], state: { mood: 'away' } }).sync();
    await presenceEvent(seen, 'the second state-change', (event) => event.action === 'state-change' && event.state?.['mood'] === 'away');
  });
});

describe('failures', () => {
  it('missing parameters fail before sending, with PNValidationErrorCategory', async () => {
    const me = client('me');
    const cases: ReadonlyArray<readonly [Endpoint<unknown>, PNOperationType, RegExp]> = [
      [me.hereNow(), PNOperationType.PNHereNowOperation, /channels/],
      [me.hereNow({ channels: ['a'], limit: 0 }), PNOperationType.PNHereNowOperation, /limit/],
      [me.hereNow({ channels: ['a'], offset: -1 }), PNOperationType.PNHereNowOperation, /offset/],
      [me.setState().channels(['a']), PNOperationType.PNSetStateOperation, /state/],
      [me.setState().state({ a: 1 }), PNOperationType.PNSetStateOperation, /channels/],
      [me.getState(), PNOperationType.PNGetStateOperation, /channels/],
      [me.whereNow().uuid(''), PNOperationType.PNWhereNowOperation, /uuid/],
    ];
    for (const [builder, operation, information] of cases) {
      const error = await rejection(builder);
      expect(error).toMatchObject({ status: { category: PNStatusCategory.PNValidationErrorCategory, statusCode: 0, operation } });
      expect((error as { status: { errorData: { information: string } } }).status.errorData.information).toMatch(information);
    }
  });

  it('server refusals are 4xx statuses: a channel name over the keyset limit', async () => {
    const { result, status } = await viaCallback(client('me').hereNow({ channels: ['x'.repeat(93)] }));
    expect(result).toBeNull();
    expect(status).toMatchObject({ statusCode: 400, category: PNStatusCategory.PNBadRequestCategory, operation: PNOperationType.PNHereNowOperation });
  });
});
