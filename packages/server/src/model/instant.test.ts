import { describe, expect, it } from 'vitest';
import { now, toStored, toWire } from './instant.ts';

describe('instants', () => {
  it('answers the stored microseconds with trailing zeros trimmed, as PubNub does', () => {
    expect(toWire('2024-03-07T08:49:07.011608Z')).toBe('2024-03-07T08:49:07.011608Z');
    expect(toWire('2024-03-07T08:49:07.500000Z')).toBe('2024-03-07T08:49:07.5Z');
    expect(toWire('2024-03-07T08:49:10.000000Z')).toBe('2024-03-07T08:49:10Z');
  });

  it('never trims the digits of the seconds when a time has no fraction', () => {
    expect(toWire('2024-03-07T08:49:10Z')).toBe('2024-03-07T08:49:10Z');
    expect(toWire('2024-03-07T08:50:00Z')).toBe('2024-03-07T08:50:00Z');
  });

  it('stores any precision fixed-width, so text order is time order', () => {
    expect(toStored('2024-03-07T08:49:07.5Z')).toBe('2024-03-07T08:49:07.500000Z');
    expect(toStored('2024-03-07')).toBe('2024-03-07T00:00:00.000000Z');
    expect(toStored('2024-02-30')).toBeUndefined();
    const [first, second] = [now(), now()];
    expect(first < second).toBe(true);
  });
});
