import { describe, expect, it } from 'vitest';
import { presenceEvent } from './presence-event.ts';

const origin = { channel: 'room-pnpres', subscription: 'room-pnpres', timetoken: '17905741224037960' };
const envelope = (d: unknown, b?: string) => ({ c: 'room-pnpres', d, p: { t: '17905741224037960' }, ...(b === undefined ? {} : { b }) });

describe('presence events from -pnpres envelopes', () => {
  it('a join as PubNub sends it: the channel loses its -pnpres suffix, the subscription keeps it', () => {
    // The `d` of a live capture (conformance/pubnub-dart/wire_events_app_context.jsonl).
    const d = { action: 'join', uuid: 'listener', timestamp: 1790574122, precise_timestamp: 1790574122401, occupancy: 1 };
    expect(presenceEvent(origin, envelope(d))).toEqual({
      channel: 'room',
      subscription: 'room-pnpres',
      timetoken: '17905741224037960',
      action: 'join',
      uuid: 'listener',
      occupancy: 1,
      timestamp: 1790574122,
    });
  });

  it('state-change carries the state, also when a server sends it as data', () => {
    for (const key of ['state', 'data']) {
      const event = presenceEvent(origin, envelope({ action: 'state-change', uuid: 'ann', timestamp: 1, occupancy: 2, [key]: { mood: 'busy' } }));
      expect(event).toMatchObject({ action: 'state-change', uuid: 'ann', state: { mood: 'busy' } });
    }
  });

  it('interval has no uuid, lists the deltas and says whether to call hereNow', () => {
    const d = { action: 'interval', timestamp: 5, occupancy: 30, join: ['a', 'b'], leave: ['c'], timeout: [] };
    expect(presenceEvent(origin, envelope(d))).toEqual({
      ...origin,
      channel: 'room',
      action: 'interval',
      occupancy: 30,
      timestamp: 5,
      join: ['a', 'b'],
      leave: ['c'],
      timeout: [],
      hereNowRefresh: false,
    });
    expect(presenceEvent(origin, envelope({ action: 'interval', timestamp: 5, occupancy: 300, here_now_refresh: true }))).toMatchObject({
      hereNowRefresh: true,
    });
  });

  it('drops payloads that are not presence events', () => {
    for (const d of ['join', null, { uuid: 'x' }, { action: 'wave', uuid: 'x', occupancy: 1, timestamp: 1 }]) {
      expect(presenceEvent(origin, envelope(d))).toBeUndefined();
    }
  });
});
