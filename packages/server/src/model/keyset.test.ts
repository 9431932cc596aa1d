import { describe, expect, it } from 'vitest';
import { keysetFrom } from './keyset.ts';

const KEYS = { publishKey: 'pub', subscribeKey: 'sub' };

describe('keysetFrom', () => {
  it('gives PubNub’s presence defaults and channel-group limits to a keyset that sets none', () => {
    const keyset = keysetFrom(KEYS);
    expect(keyset).toMatchObject({ presenceTimeoutSeconds: 300, presenceAnnounceMax: 20, presenceIntervalSeconds: 10, presenceDeltas: false });
    expect(keyset.limits).toMatchObject({
      maxChannelsPerGroup: 2000,
      maxGroupsPerSubscribe: 10,
      minPresenceTimeoutSeconds: 20,
      maxPresenceTimeoutSeconds: 3600,
    });
  });

  it('keeps what the input sets, limits merged over the defaults', () => {
    const keyset = keysetFrom({ ...KEYS, presenceTimeoutSeconds: 5, presenceDeltas: true, limits: { minPresenceTimeoutSeconds: 1 } });
    expect(keyset).toMatchObject({ presenceTimeoutSeconds: 5, presenceDeltas: true, limits: { minPresenceTimeoutSeconds: 1, maxGroupsPerKeyset: 10_000 } });
  });

  it('refuses a presence timeout outside the keyset’s limits, naming the keyset and the key', () => {
    expect(() => keysetFrom({ ...KEYS, presenceTimeoutSeconds: 5 })).toThrow(
      'keyset sub: presenceTimeoutSeconds: 5 is below limits.minPresenceTimeoutSeconds (20); set a presenceTimeoutSeconds from 20 to 3600',
    );
    expect(() => keysetFrom({ ...KEYS, limits: { maxPresenceTimeoutSeconds: 60 } })).toThrow(
      'keyset sub: presenceTimeoutSeconds: the default, 300, is above limits.maxPresenceTimeoutSeconds (60)',
    );
    expect(() => keysetFrom({ ...KEYS, presenceTimeoutSeconds: 40, limits: { minPresenceTimeoutSeconds: 50, maxPresenceTimeoutSeconds: 30 } })).toThrow(
      'keyset sub: limits.minPresenceTimeoutSeconds: 50 is above limits.maxPresenceTimeoutSeconds (30)',
    );
  });
});
