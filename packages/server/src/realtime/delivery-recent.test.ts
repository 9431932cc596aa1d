import { describe, expect, it } from 'vitest';
import { RecentChannels } from './delivery-recent.ts';

const known = (recent: RecentChannels, channels: string[]) => channels.filter((channel) => recent.has(channel));

describe('RecentChannels', () => {
  it('keeps the most recently subscribed channels, at most `max`', () => {
    const recent = new RecentChannels();
    recent.note(['a', 'b'], 1_000, 3);
    recent.note(['c'], 2_000, 3);
    recent.note(['a'], 3_000, 3); // moves a behind c
    recent.note(['d'], 4_000, 3); // b, the oldest, goes
    expect(known(recent, ['a', 'b', 'c', 'd'])).toEqual(['a', 'c', 'd']);
  });

  it('keeps a channel subscribed to again within a second, though it stays where it was in the order', () => {
    const recent = new RecentChannels();
    recent.note(['a'], 10_000, 100);
    recent.note(['b'], 10_100, 100);
    recent.note(['a'], 10_900, 100); // a second has not passed since a was placed: it stays first
    recent.forgetBefore(10_500);
    expect(known(recent, ['a', 'b'])).toEqual(['a']);
    recent.forgetBefore(10_950);
    expect(known(recent, ['a', 'b'])).toEqual([]);
  });

  it('forgets channels last subscribed to before a time, and no others', () => {
    const recent = new RecentChannels();
    recent.note(['a'], 10, 100);
    recent.note(['b'], 20, 100);
    recent.note(['a'], 30, 100);
    recent.forgetBefore(25);
    expect(known(recent, ['a', 'b'])).toEqual(['a']);
  });

  it('keeps a channel subscribed to again within the last second when evicting, though it stayed where it was', () => {
    const recent = new RecentChannels();
    recent.note(['busy'], 10_000, 3);
    recent.note(['b', 'c'], 10_100, 3);
    recent.note(['busy'], 10_800, 3); // not moved: it was put first less than a second ago
    recent.note(['d'], 10_900, 3); // b, subscribed to longest ago, goes; busy is only first in the order
    expect(known(recent, ['busy', 'b', 'c', 'd'])).toEqual(['busy', 'c', 'd']);
    recent.note(['e'], 11_000, 3); // busy was moved to its place once: c goes
    expect(known(recent, ['busy', 'b', 'c', 'd', 'e'])).toEqual(['busy', 'd', 'e']);
  });
});
