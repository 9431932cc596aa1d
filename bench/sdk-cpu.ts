/**
 * Client cost: the official `pubnub` SDK and `@roster/sdk` issue the same App Context calls
 * against one Roster node, one call at a time; what each call costs the calling process in CPU
 * time (user + system) is the figure, the official SDK the baseline.
 */
import { Roster } from '@roster/sdk';
import PubNub from 'pubnub';
import { startRoster } from './lib/processes.ts';
import { seedUsers } from './lib/seed.ts';

export interface SdkCall {
  call: string;
  /** CPU µs per call in this (the client's) process. */
  official: number;
  roster: number;
  /** Roster's CPU per call over the official SDK's: below 1 is cheaper. */
  ratio: number;
}

type Call = () => Promise<unknown>;

/** CPU µs per call over `count` sequential calls, after a warm-up of a tenth as many. */
async function cpuPerCall(call: Call, count: number): Promise<number> {
  for (let i = 0; i < Math.max(20, count / 10); i++) await call();
  const before = process.cpuUsage();
  for (let i = 0; i < count; i++) await call();
  const used = process.cpuUsage(before);
  return (used.user + used.system) / count;
}

export async function runSdkCalls(options: { calls: number }): Promise<SdkCall[]> {
  const server = await startRoster();
  const official = new PubNub({ publishKey: 'demo', subscribeKey: 'demo', userId: 'bench', origin: server.server.origin, ssl: false, logVerbosity: false });
  const roster = new Roster({ publishKey: 'demo', subscribeKey: 'demo', userId: 'bench', origin: server.url });
  let writes = 0;
  const data = () => ({ name: `Bench ${++writes}`, custom: { n: writes } });
  const pairs: { call: string; official: Call; roster: Call }[] = [
    {
      call: 'getUUIDMetadata (with custom)',
      official: () => official.objects.getUUIDMetadata({ uuid: 'user-1', include: { customFields: true } }),
      roster: () => roster.getUUIDMetadata({ uuid: 'user-1', includeCustom: true }).sync(),
    },
    {
      call: 'setUUIDMetadata',
      official: () => official.objects.setUUIDMetadata({ uuid: 'user-2', data: data(), include: { customFields: true } }),
      roster: () => roster.setUUIDMetadata({ uuid: 'user-2', ...data(), includeCustom: true }).sync(),
    },
    {
      call: 'getAllUUIDMetadata (limit 10, with custom)',
      official: () => official.objects.getAllUUIDMetadata({ limit: 10, include: { customFields: true } }),
      roster: () => roster.getAllUUIDMetadata({ limit: 10, includeCustom: true }).sync(),
    },
  ];
  try {
    await seedUsers(server.url, 100);
    const results: SdkCall[] = [];
    for (const pair of pairs) {
      const officialCpu = await cpuPerCall(pair.official, options.calls);
      const rosterCpu = await cpuPerCall(pair.roster, options.calls);
      results.push({ call: pair.call, official: officialCpu, roster: rosterCpu, ratio: rosterCpu / officialCpu });
    }
    return results;
  } finally {
    official.destroy();
    await server.stop();
  }
}
