import { residentBytes } from '@roster/testing';
import type { ObjectsClient } from '../test/http.ts';

/** A user or channel as the objects API answers it (the fields the reliability tests read). */
export interface StoredObject {
  id: string;
  name: string | null;
  description?: string | null;
  status?: string | null;
  custom?: Record<string, unknown> | null;
  updated: string;
  eTag: string;
}

/** One membership of a user, as `GET/PATCH uuids/{id}/channels` lists it. */
export interface StoredMembership {
  channel: { id: string };
  status?: string | null;
  custom?: Record<string, unknown> | null;
  updated: string;
  eTag: string;
}

export interface One<T = StoredObject> {
  status: number;
  data: T;
}

export interface Many<T> {
  status: number;
  data: T[];
}

/** PubNub's objects error envelope. */
export interface ErrorEnvelope {
  status: number;
  error: { message: string; source: string; details?: unknown[] };
}

export const MIB = 1024 * 1024;

/**
 * Runs `task(0) … task(count - 1)` with at most `limit` in flight, so that the client does not
 * open thousands of sockets at once. Stops starting new tasks once `stopped()` is true.
 * Returns how many tasks were started.
 */
export async function runBounded(count: number, limit: number, task: (index: number) => Promise<void>, stopped: () => boolean = () => false): Promise<number> {
  let next = 0;
  const worker = async () => {
    while (next < count && !stopped()) await task(next++);
  };
  await Promise.all(Array.from({ length: Math.min(limit, count) }, worker));
  return next;
}

/** The id of the i-th seeded user: `user-0` … `user-{count-1}`. */
export const seededUserId = (index: number) => `user-${index}`;

/** Creates `count` users named as their ids, with a little custom data; fails on any non-200. */
export async function seedUsers(api: ObjectsClient, count: number): Promise<void> {
  await runBounded(count, 20, async (index) => {
    const id = seededUserId(index);
    const reply = await api.patch(`uuids/${id}`, { name: id, email: `${id}@example.com`, custom: { seq: 0, group: index % 10 } });
    if (reply.status !== 200) throw new Error(`seeding ${id}: ${reply.status} ${JSON.stringify(reply.body)}`);
  });
}

/** Samples a process's RSS every `intervalMs` until `stop()`, which returns the samples in bytes. */
export function sampleRss(pid: number, intervalMs = 1000): { stop(): number[] } {
  const samples = [residentBytes(pid)];
  const timer = setInterval(() => samples.push(residentBytes(pid)), intervalMs);
  return {
    stop: () => {
      clearInterval(timer);
      samples.push(residentBytes(pid));
      return samples;
    },
  };
}

/** Splits samples into first, middle and last thirds (by sample order). */
export function thirds<T>(samples: readonly T[]): [T[], T[], T[]] {
  const size = Math.floor(samples.length / 3);
  return [samples.slice(0, size), samples.slice(size, samples.length - size), samples.slice(samples.length - size)];
}

/** A random integer in [0, max). */
export const randomIndex = (max: number) => Math.floor(Math.random() * max);
