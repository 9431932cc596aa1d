import { describe, expect, it } from 'vitest';
import { CatchUp } from './catch-up.ts';
import { ChannelLog, entryBytes, type LoggedMessage } from './channel-log.ts';

const entry = (timetoken: bigint): LoggedMessage => {
  const json = `{"t":${timetoken}}`;
  return { timetoken, json, filtered: false, bytes: entryBytes(json) };
};

function logOf(...timetokens: bigint[]): ChannelLog {
  const log = new ChannelLog(100);
  for (const timetoken of timetokens) log.append(entry(timetoken));
  return log;
}

function drain(merge: CatchUp, limit = Infinity): bigint[] {
  const out: bigint[] = [];
  while (merge.peek() && out.length < limit) out.push(merge.take().timetoken);
  return out;
}

describe('CatchUp', () => {
  it('merges several logs after a timetoken in timetoken order', () => {
    const merge = new CatchUp([logOf(1n, 4n, 7n), logOf(2n, 5n), logOf(), logOf(3n, 6n, 8n, 9n)], 2n);
    expect(drain(merge)).toEqual([3n, 4n, 5n, 6n, 7n, 8n, 9n]);
    expect(merge.peek()).toBeUndefined();
    expect(() => merge.take()).toThrow(RangeError);
  });

  it('hands out the first envelopes of thousands of full logs without reading the rest', () => {
    let reads = 0;
    class CountedLog extends ChannelLog {
      override at(index: number): LoggedMessage | undefined {
        reads++;
        return super.at(index);
      }
    }
    const logs: ChannelLog[] = [];
    for (let channel = 0; channel < 6_500; channel++) {
      const log = new CountedLog(100);
      for (let n = 0; n < 100; n++) log.append(entry(BigInt(n * 6_500 + channel)));
      logs.push(log);
    }
    const merge = new CatchUp(logs, 0n);
    expect(drain(merge, 100)).toEqual(Array.from({ length: 100 }, (_, index) => BigInt(index + 1)));
    // A binary search and one read per log to open, then a read per envelope handed out: not the
    // 650,000 a concatenate-and-sort reads.
    expect(reads).toBeLessThanOrEqual(6_500 + 100 + 1);
  });
});
