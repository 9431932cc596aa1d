/**
 * A full disk (issue 10, item 7). The node's database sits on a small tmpfs that a filler file
 * fills but for a little room; users are created and updated until the disk is full. From then
 * on every write must be refused with a 507 in PubNub's objects envelope (never a 500, never a
 * crash) and leave nothing half applied, while reads (one record, lists with counts) keep
 * answering. Once the filler is deleted, writes succeed again without a restart; after a restart
 * every acknowledged write is there and no refused one. Prints
 * `ATTACK disk-full: attempts=N refused=N accepted=N 5xx=N crashes=N` (a 507 counts as refused).
 *
 * Needs root (to mount the tmpfs); skipped with a one-line reason otherwise.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, statfsSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer, type RunningServer } from '@roster/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { objectsClient, type ObjectsClient } from '../test/http.ts';
import { scale } from './scale.ts';
import { MIB, runBounded, type ErrorEnvelope, type Many, type One } from './support.ts';

const TMPFS_MIB = scale(32, 8);
/** Free space the filler leaves for the database to grow into. */
const ROOM = scale(6, 2) * MIB;
/** Refusals to collect before the disk is freed: the disk stays full through them. */
const REFUSALS = scale(300, 40);
/** A ceiling, in case the disk never fills (the test then fails: nothing was refused). */
const MAX_ATTEMPTS = scale(60_000, 20_000);
/** Writes that must all succeed once the filler is gone. */
const AFTER_FREEING = scale(500, 50);
const IN_FLIGHT = 8;
/** About a KiB of custom data per user, so the database grows quickly. */
const PADDING = 'disk '.repeat(200);

interface Tally {
  attempts: number;
  refused: number;
  accepted: number;
  serverErrors: number;
  crashes: number;
}

/** A user as it was last acknowledged. */
interface Acknowledged {
  eTag: string;
  name: string;
}

/** Mounts a tmpfs of `TMPFS_MIB` on a fresh directory, or says why it cannot. */
function mountTmpfs(): { dir: string } | { skip: string } {
  if (process.getuid?.() !== 0) return { skip: 'needs root to mount a small tmpfs' };
  const dir = mkdtempSync(join(tmpdir(), 'roster-disk-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${TMPFS_MIB}m`, 'tmpfs', dir], { stdio: 'pipe' });
    return { dir };
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    return { skip: `cannot mount a tmpfs: ${String(error).split('\n')[0]}` };
  }
}

const mounted = mountTmpfs();
if ('skip' in mounted) console.log(`ATTACK disk-full: skipped (${mounted.skip})`);

const servers: RunningServer[] = [];
afterAll(async () => {
  for (const server of servers) await server.stop();
  if ('dir' in mounted) {
    execFileSync('umount', [mounted.dir], { stdio: 'pipe' });
    rmSync(mounted.dir, { recursive: true, force: true });
  }
});

/** Fills the file system of `dir` with `filler` but for `ROOM` bytes. */
function fillDisk(dir: string, filler: string): void {
  const { bavail, bsize } = statfsSync(dir);
  writeFileSync(filler, Buffer.alloc(Math.max(0, bavail * bsize - ROOM)));
}

const userPath = (id: string) => `uuids/${id}`;
const bodyOf = (name: string, i: number) => ({ name, custom: { i, padding: PADDING } });

/**
 * Creates users (and, one write in four, updates an acknowledged one) until `REFUSALS` writes
 * have been refused. Tracks what was acknowledged and what was refused.
 */
class DiskFiller {
  readonly tally: Tally = { attempts: 0, refused: 0, accepted: 0, serverErrors: 0, crashes: 0 };
  readonly acknowledged = new Map<string, Acknowledged>();
  /** Users whose creation was refused: they must not exist. */
  readonly refusedCreates: string[] = [];
  readonly problems: string[] = [];
  readonly #updatable: string[] = [];
  #created = 0;

  constructor(readonly api: ObjectsClient) {}

  /** One write: a new user, or an update of a user nobody is updating now. */
  async write(i: number): Promise<void> {
    const update = i % 4 === 3 ? this.#updatable.shift() : undefined;
    const id = update ?? `disk-${this.#created++}`;
    const name = update ? `${id} updated` : id;
    this.tally.attempts++;
    let reply;
    try {
      reply = await this.api.patch<One>(userPath(id), bodyOf(name, i));
    } catch (error) {
      this.tally.crashes++;
      this.problems.push(`${id}: no answer: ${String(error)}`);
      return;
    }
    if (reply.status === 200) {
      this.tally.accepted++;
      this.acknowledged.set(id, { eTag: reply.body.data.eTag, name });
      if (!update) this.#updatable.push(id);
    } else if (reply.status === 507) {
      this.tally.refused++;
      this.#checkEnvelope(id, reply.body as unknown as ErrorEnvelope);
      if (!update) this.refusedCreates.push(id); // a refused update must leave `acknowledged` as it was
    } else {
      if (reply.status >= 500) this.tally.serverErrors++;
      this.problems.push(`${id}: ${reply.status} ${JSON.stringify(reply.body)}`);
    }
  }

  #checkEnvelope(id: string, body: ErrorEnvelope): void {
    if (body.status !== 507 || body.error?.source !== 'objects' || typeof body.error.message !== 'string') {
      this.problems.push(`${id}: 507 with an unexpected body ${JSON.stringify(body)}`);
    }
  }
}

/** Every acknowledged user reads back as acknowledged, every refused creation is absent; returns the differences. */
async function differences(api: ObjectsClient, filler: DiskFiller): Promise<string[]> {
  const found: string[] = [];
  const ids = [...filler.acknowledged.keys()];
  await runBounded(ids.length, IN_FLIGHT, async (n) => {
    const id = ids[n]!;
    const reply = await api.get<One>(userPath(id));
    const expected = filler.acknowledged.get(id)!;
    const stored = reply.status === 200 ? { eTag: reply.body.data.eTag, name: reply.body.data.name } : reply.status;
    if (JSON.stringify(stored) !== JSON.stringify(expected)) found.push(`${id}: expected ${JSON.stringify(expected)}, read ${JSON.stringify(stored)}`);
  });
  for (const id of filler.refusedCreates) {
    const reply = await api.get(userPath(id));
    if (reply.status !== 404) found.push(`${id}: its creation was refused, yet it reads ${reply.status}`);
  }
  const listed = await api.get<Many<unknown> & { totalCount: number }>('uuids', { query: { count: 'true', limit: 100 } });
  if (listed.status !== 200 || listed.body.totalCount !== ids.length) {
    found.push(`list: expected 200 with totalCount ${ids.length}, got ${listed.status} ${JSON.stringify(listed.body).slice(0, 200)}`);
  }
  return found;
}

async function nodeIsUp(server: RunningServer): Promise<boolean> {
  if (server.process.exitCode !== null || server.process.signalCode !== null) return false;
  try {
    return (await fetch(`${server.url}/time/0`)).status === 200;
  } catch {
    return false;
  }
}

describe.skipIf('skip' in mounted)('a full disk', () => {
  it('refuses writes with a 507, keeps serving reads, and writes again once space returns, losing nothing acknowledged', async () => {
    const dir = (mounted as { dir: string }).dir;
    const filler = join(dir, 'filler.bin');
    const first = await startServer({ dir });
    servers.push(first);
    const api = objectsClient(first);
    const disk = new DiskFiller(api);
    fillDisk(dir, filler);

    try {
      await runBounded(
        MAX_ATTEMPTS,
        IN_FLIGHT,
        (i) => disk.write(i),
        () => disk.tally.refused >= REFUSALS || disk.tally.crashes > 0,
      );
      expect(disk.problems.slice(0, 5)).toEqual([]);
      expect(disk.tally.refused, 'the disk filled up').toBeGreaterThanOrEqual(REFUSALS);
      expect(disk.tally.accepted, 'writes succeeded before the disk filled up').toBeGreaterThan(0);

      // Full: reads still answer, with what was acknowledged and nothing refused.
      expect(await differences(api, disk)).toEqual([]);

      // Space returns: writes succeed again, no restart needed.
      rmSync(filler);
      const before = disk.tally.accepted;
      await runBounded(AFTER_FREEING, IN_FLIGHT, (n) => disk.write(MAX_ATTEMPTS + n));
      expect(disk.problems.slice(0, 5)).toEqual([]);
      expect(disk.tally.accepted - before, 'every write after freeing space').toBe(AFTER_FREEING);
    } finally {
      if (!(await nodeIsUp(first))) disk.tally.crashes++;
      const { attempts, refused, accepted, serverErrors, crashes } = disk.tally;
      console.log(`ATTACK disk-full: attempts=${attempts} refused=${refused} accepted=${accepted} 5xx=${serverErrors} crashes=${crashes}`);
    }
    expect(disk.tally).toMatchObject({ serverErrors: 0, crashes: 0 });

    // A restart over the same files finds every acknowledged write, and no refused one.
    expect(await first.stop()).toBe(0);
    const second = await startServer({ dir });
    servers.push(second);
    expect(await differences(objectsClient(second), disk)).toEqual([]);
  });
});
