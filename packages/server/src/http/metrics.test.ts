import { readFileSync } from 'node:fs';
import { useServer } from '@roster/testing';
import { describe, expect, it, vi } from 'vitest';

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** Prometheus's text format, sample by sample (comments and blank lines skipped). */
function parse(text: string): Sample[] {
  return text
    .split('\n')
    .filter((line) => line !== '' && !line.startsWith('#'))
    .map((line) => {
      const match = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
      if (!match) throw new Error(`not a sample: ${line}`);
      const labels = Object.fromEntries([...(match[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map(([, key, value]) => [key!, value!]));
      return { name: match[1]!, labels, value: Number(match[3]) };
    });
}

describe('GET /metrics', () => {
  const server = useServer({ args: ['--subscribe-hold', '5'] });

  async function scrape(): Promise<Sample[]> {
    const response = await fetch(`${server.url}/metrics`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
    return parse(await response.text());
  }

  /** The value of the sample named `name` whose labels include `labels`; 0 when there is none yet. */
  const valueOf = (samples: Sample[], name: string, labels: Record<string, string> = {}): number =>
    samples.find((sample) => sample.name === name && Object.entries(labels).every(([key, value]) => sample.labels[key] === value))?.value ?? 0;

  const user = (id: string, init?: RequestInit) => fetch(`${server.url}/v2/objects/demo/uuids/${id}`, init);

  it('counts and times requests by method, route pattern and status class', async () => {
    const route = { method: 'GET', route: '/v2/objects/:subKey/uuids/:id', status: '4xx' };
    const before = await scrape();
    expect((await user('nobody-1')).status).toBe(404);
    expect((await user('nobody-2')).status).toBe(404);
    expect((await fetch(`${server.url}/no/such/path`)).status).toBe(404);
    const after = await scrape();
    expect(valueOf(after, 'roster_http_requests_total', route) - valueOf(before, 'roster_http_requests_total', route)).toBe(2);
    const count = 'roster_http_request_duration_seconds_count';
    expect(valueOf(after, count, route) - valueOf(before, count, route)).toBe(2);
    expect(valueOf(after, 'roster_http_request_duration_seconds_bucket', { ...route, le: '+Inf' })).toBe(valueOf(after, count, route));
    expect(valueOf(after, 'roster_http_request_duration_seconds_sum', route)).toBeGreaterThan(0);
    expect(valueOf(after, 'roster_http_requests_total', { method: 'GET', route: 'unmatched', status: '4xx' })).toBe(1);
  });

  it('times store calls, and counts group commits and record-cache hits and misses', async () => {
    const write = (id: string) => user(id, { method: 'PATCH', headers: { 'content-type': 'application/json' }, body: '{"name":"x"}' });
    const ids = Array.from({ length: 40 }, (_, index) => `w${index}`);
    const before = await scrape();
    await Promise.all(ids.map(write));
    expect((await user('w1')).status).toBe(200); // cached by its write
    expect((await user('never-written')).status).toBe(404);
    const after = await scrape();
    const delta = (name: string, labels: Record<string, string> = {}) => valueOf(after, name, labels) - valueOf(before, name, labels);
    expect(delta('roster_store_record_cache_lookups_total', { result: 'hit' })).toBe(1);
    expect(delta('roster_store_record_cache_lookups_total', { result: 'miss' })).toBe(1);
    expect(delta('roster_store_query_duration_seconds_count', { operation: 'uuid.get' })).toBe(2);
    expect(delta('roster_store_query_duration_seconds_count', { operation: 'uuid.write' })).toBe(ids.length);
    // Every write is in exactly one group commit; writes that arrive together share one. The
    // outbox's batched deletes of delivered events (objects/outbox.ts) go through it too.
    const committed = delta('roster_store_group_commit_writes_sum');
    expect(committed).toBeGreaterThanOrEqual(ids.length);
    expect(committed).toBeLessThanOrEqual(2 * ids.length);
    expect(delta('roster_store_group_commit_writes_count')).toBeGreaterThanOrEqual(1);
    expect(delta('roster_store_group_commit_writes_count')).toBeLessThanOrEqual(committed);
  });

  it('counts held long-polls, and the messages and App Context events delivered', async () => {
    const subscribe = (tt: string) =>
      fetch(`${server.url}/v2/subscribe/demo/room/0?uuid=watcher&tt=${tt}`).then((response) => response.json() as Promise<{ t: { t: string }; m: unknown[] }>);
    const handshake = await subscribe('0');
    const before = await scrape();
    const poll = subscribe(handshake.t.t);
    await vi.waitFor(async () => expect(valueOf(await scrape(), 'roster_subscribe_held_polls')).toBe(1), { timeout: 5000, interval: 50 });
    expect((await fetch(`${server.url}/publish/demo/demo/0/room/0/%22hi%22`)).status).toBe(200);
    const first = await poll;
    expect(first.m).toHaveLength(1);
    // An App Context event on the same channel: its metadata changes.
    const channel = await fetch(`${server.url}/v2/objects/demo/channels/room`, {
      method: 'PATCH',
      headers: { 'content-type': 'application/json' },
      body: '{"name":"Room"}',
    });
    expect(channel.status).toBe(200);
    expect((await subscribe(first.t.t)).m).toHaveLength(1);
    const after = await scrape();
    expect(valueOf(after, 'roster_subscribe_held_polls')).toBe(0);
    const delta = (kind: string) =>
      valueOf(after, 'roster_subscribe_delivered_total', { kind }) - valueOf(before, 'roster_subscribe_delivered_total', { kind });
    expect([delta('message'), delta('event')]).toEqual([1, 1]);
    // The answers the hub wrote, a held one among them, count as requests of their route.
    const polls = { method: 'GET', route: '/v2/subscribe/:subKey/:channels/:callback', status: '2xx' };
    await vi.waitFor(async () => {
      const counted = valueOf(await scrape(), 'roster_http_requests_total', polls) - valueOf(before, 'roster_http_requests_total', polls);
      expect(counted).toBe(2);
    });
  });

  it('has every metric the sample Grafana dashboard (docs/grafana-dashboard.json) charts', async () => {
    const dashboard = readFileSync(new URL('../../../../docs/grafana-dashboard.json', import.meta.url), 'utf8');
    const charted = new Set(dashboard.match(/\b(roster|process|nodejs)_\w+/g));
    expect(charted.size).toBeGreaterThanOrEqual(10);
    const exposed = new Set((await scrape()).map((sample) => sample.name));
    for (const name of charted) expect(exposed, name).toContain(name);
  });

  it('includes the process metrics', async () => {
    const samples = await scrape();
    for (const name of ['process_cpu_user_seconds_total', 'process_resident_memory_bytes', 'nodejs_eventloop_lag_seconds', 'nodejs_heap_size_used_bytes']) {
      expect(valueOf(samples, name), name).toBeGreaterThan(0);
    }
  });
});
