import { Agent } from 'node:http';
import { measured, warmupSeconds, type MeasuredWindow } from './load.ts';
import { RawPoller } from './raw-poll.ts';
import { send } from './seed.ts';
import { settled } from './settled.ts';

/** Where a server takes long-polls and publishes: Roster's paths (`ROSTER_PATHS`) or the bare baseline's (`BASELINE_PATHS`). */
export interface FanOutPaths {
  subscribePath(channel: string, tt: string): string;
  publishPath(channel: string, message: string): string;
}

export const ROSTER_PATHS: FanOutPaths = {
  subscribePath: (channel, tt) => `/v2/subscribe/demo/${encodeURIComponent(channel)}/0?tt=${tt}&tr=1&uuid=bench`,
  publishPath: (channel, message) => `/publish/demo/demo/0/${encodeURIComponent(channel)}/0/${encodeURIComponent(message)}?uuid=bench`,
};

/** lib/long-poll-baseline.ts */
export const BASELINE_PATHS: FanOutPaths = {
  subscribePath: (channel, tt) => `/subscribe/${channel}?tt=${tt}`,
  publishPath: (channel, message) => `/publish/${channel}/${encodeURIComponent(message)}`,
};

export interface FanOutOptions {
  /** The server's base URL. */
  url: string;
  pid: number;
  paths: FanOutPaths;
  /** Seconds of measured rounds (a warm-up of a third as long, at least 1 s, runs first). */
  seconds: number;
  /** Long-polling subscribers of the one channel. */
  subscribers: number;
}

export interface FanOutResult {
  rounds: number;
  /** Answers delivered over the measured rounds (one per subscriber per round). */
  answers: number;
  /** Server CPU time (user + system) per delivered answer, in µs: the poll that came back for the next round included. */
  cpuMicrosPerAnswer: number;
  /** When the measured rounds began and ended (load.ts `measured`). */
  measuredWindow: MeasuredWindow;
}

const CHANNEL = 'fan-out';

/**
 * Rounds of real-time delivery, as `realtime.ts` measures its latency: every subscriber's poll is
 * held (the node's CPU has gone quiet), one message is published, and each round ends once
 * every answer has come; then all poll again with the cursor they got. What a profile of it shows
 * is the node's cost per delivered answer: waking the held poll, writing its answer, taking the
 * next poll in.
 */
export async function fanOut({ url, pid, paths, seconds, subscribers }: FanOutOptions): Promise<FanOutResult> {
  const agent = new Agent({ keepAlive: true });
  const path = (tt: string) => paths.subscribePath(CHANNEL, tt);
  const handshake = JSON.parse(await send(agent, `${url}${path('0')}`)) as { t: { t: string } };
  const pollers = await Promise.all(Array.from({ length: subscribers }, () => RawPoller.open(url)));
  const cursors = new Array<string>(subscribers).fill(handshake.t.t);
  let round = 0;
  const roundsFor = async (until: number): Promise<number> => {
    let rounds = 0;
    while (performance.now() < until) {
      const polls = pollers.map((poller, index) => poller.poll(path(cursors[index]!)));
      await settled(pid);
      await send(agent, `${url}${paths.publishPath(CHANNEL, JSON.stringify({ round: round++ }))}`);
      const answers = await Promise.all(polls);
      answers.forEach(({ body }, index) => (cursors[index] = (JSON.parse(body) as { t: { t: string } }).t.t));
      rounds++;
    }
    return rounds;
  };
  try {
    await roundsFor(performance.now() + warmupSeconds(seconds) * 1000);
    const result = await measured({ pid }, async () => {
      const rounds = await roundsFor(performance.now() + seconds * 1000);
      return { rounds, requests: rounds * subscribers };
    });
    return { rounds: result.rounds, answers: result.requests, cpuMicrosPerAnswer: result.cpuMicrosPerRequest, measuredWindow: result.measuredWindow };
  } finally {
    for (const poller of pollers) poller.close();
    agent.destroy();
  }
}
