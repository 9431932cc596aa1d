import { describe, expect, it } from 'vitest';
import { ChannelLog, entryBytes, type LoggedMessage } from './channel-log.ts';

const entry = (timetoken: bigint): LoggedMessage => {
  const json = `{"t":${timetoken}}`;
  return { timetoken, json, filtered: false, bytes: entryBytes(json) };
};

describe('ChannelLog', () => {
  it('answers what came after a timetoken, oldest first, and nothing at or before it', () => {
    const log = new ChannelLog(10);
    for (const timetoken of [10n, 20n, 30n, 40n]) log.append(entry(timetoken));
    expect(log.after(20n).map((e) => e.timetoken)).toEqual([30n, 40n]);
    expect(log.after(25n).map((e) => e.timetoken)).toEqual([30n, 40n]);
    expect(log.after(0n).map((e) => e.timetoken)).toEqual([10n, 20n, 30n, 40n]);
    expect(log.after(40n)).toEqual([]);
    expect(log.newest()).toBe(40n);
  });

  it('keeps at most its capacity, dropping the oldest', () => {
    const log = new ChannelLog(3);
    for (let timetoken = 1n; timetoken <= 5n; timetoken++) log.append(entry(timetoken));
    expect(log.size).toBe(3);
    expect(log.after(0n).map((e) => e.timetoken)).toEqual([3n, 4n, 5n]);
  });

  it('forgets envelopes older than a cutoff', () => {
    const log = new ChannelLog(10);
    for (const timetoken of [10n, 20n, 30n]) log.append(entry(timetoken));
    log.dropBefore(20n);
    expect(log.after(0n).map((e) => e.timetoken)).toEqual([20n, 30n]);
    log.dropBefore(100n);
    expect(log.size).toBe(0);
    expect(log.newest()).toBeUndefined();
  });

  it('knows from where it is whole: letting the oldest go moves `since` on, and a reset starts it again', () => {
    const log = new ChannelLog(2, 0, undefined, 5n);
    expect([log.since, log.tail()]).toEqual([5n, 5n]);
    for (const timetoken of [10n, 20n, 30n]) log.append(entry(timetoken));
    expect([log.since, log.tail()]).toEqual([10n, 30n]); // 10 went for the count
    log.dropBefore(30n);
    expect([log.since, log.tail()]).toEqual([20n, 30n]);
    log.reset(45n);
    expect([log.since, log.tail(), log.size]).toEqual([45n, 45n, 0]);
  });
});
