import { describe, expect, it } from 'vitest';
import { RecentChannels } from './delivery-recent.ts';

const known = (recent: RecentChannels, channels: string[]) => channels.filter((channel) => recent.has(channel));

describe('RecentChannels', () => {
  it('keeps the most recently subscribed channels, at most `max`', () => {
    const recent = new RecentChannels();
    recent.note(['a', 'b'], 1, 3);
    recent.note(['c'], 2, 3);
    recent.note(['a'], 3, 3); // moves a behind c
    recent.note(['d'], 4, 3); // b, the oldest, goes
    expect(known(recent, ['a', 'b', 'c', 'd'])).toEqual(['a', 'c', 'd']);
  });

  it('forgets channels last subscribed to before a time, and no others', () => {
    const recent = new RecentChannels();
    recent.note(['a'], 10, 100);
    recent.note(['b'], 20, 100);
    recent.note(['a'], 30, 100);
    recent.forgetBefore(25);
    expect(known(recent, ['a', 'b'])).toEqual(['a']);
  });
});
