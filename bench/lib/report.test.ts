import { describe, expect, it } from 'vitest';
import { metricsCheck } from '../metrics-overhead.ts';
import type { LoadResult } from './load.ts';
import { resultsMarkdown } from './markdown.ts';
import { check, verdict, type HttpScenario } from './report.ts';
import type { BenchResults } from './results.ts';

describe('verdict', () => {
  it('says met or MISSED against the target as the issue wrote it', () => {
    expect(verdict(check({ measure: 'rate vs bare node:http', atLeast: 0.5, unit: 'share' }, 0.51))).toBe('met (target ≥ 50.0%)');
    expect(verdict(check({ measure: 'deep / first latency', atMost: 1.3, unit: 'factor' }, 1.4))).toBe('MISSED (target ≤ 1.3×)');
    expect(verdict(undefined)).toBe('');
  });

  it('says inconclusive, and why, when the run cannot decide', () => {
    const unsure = { ...check({ measure: 'x', atMost: 20, unit: 'ms' }, 12), inconclusive: 'too few samples' };
    expect(verdict(unsure)).toBe('inconclusive: too few samples (target ≤ 20 ms)');
  });
});

describe('what the metrics cost', () => {
  it('is met within 3% of the rate, missed beyond, and inconclusive when the node without them was slower by more than that', () => {
    expect(verdict(metricsCheck(0.012))).toBe('met (target ≤ 3.0%)');
    expect(verdict(metricsCheck(-0.02))).toBe('met (target ≤ 3.0%)');
    expect(verdict(metricsCheck(0.05))).toBe('MISSED (target ≤ 3.0%)');
    expect(verdict(metricsCheck(-0.166))).toMatch(/^inconclusive: the node without metrics was the slower one/);
  });
});

describe('the request-rate tables', () => {
  const run = (requestsPerSecond: number, cpuMicrosPerRequest: number): LoadResult => ({
    requestsPerSecond,
    mean: 1,
    p50: 1,
    p99: 2,
    requests: requestsPerSecond * 5,
    errors: 0,
    non2xx: 0,
    cpuMicrosPerRequest,
    systemMicrosPerRequest: 10,
    clientWaitsPerRequest: 0.1,
    sharedMicrosPerRequest: {},
    measuredWindow: [0, 5000],
  });
  const scenario = (name: string, storageFloor?: LoadResult): HttpScenario => {
    const figures = { roster: run(6_000, 120), baseline: run(30_000, 25), floor: run(20_000, 40), storageFloor, ratio: 0.2, turns: 2 };
    return { name, request: 'PATCH /v2/objects/demo/uuids/{user}', responseBytes: 258, ...figures, wrk: figures };
  };
  const results = (http: HttpScenario[]): BenchResults => ({
    mode: 'smoke',
    date: '2026-12-06T00:00:00.000Z',
    machine: { node: 'v20', cpus: 2, cpuModel: 'cpu', memoryGiB: 24, os: 'linux' },
    http,
  });

  it("set Roster against its storage floor under each generator's table, where the floor was measured", () => {
    const text = resultsMarkdown(results([scenario('get one user'), scenario('set one user', run(8_000, 90))]));
    const lines = text.split('\n').filter((line) => line.startsWith('- set one user'));
    expect(lines).toHaveLength(2);
    expect(lines[0]).toContain("Roster's storage on Fastify");
    expect(lines[0]).toContain('served 8,000 req/s, 26.7% of the bare route, at 90 µs of server CPU per request');
    expect(lines[0]).toContain('Roster served **75.0%** of its rate at 1.33× its CPU (30 µs more)');
    expect(text).not.toMatch(/^- get one user/m);
  });

  it('says a smoke run is one, and points at no raw figures it did not write', () => {
    expect(resultsMarkdown(results([]))).toMatch(/^Smoke run of 2026-12-06T00:00:00.000Z on 2 × cpu, .*nothing written\.$/m);
    expect(resultsMarkdown({ ...results([]), mode: 'full' })).toContain('Raw figures: [benchmarks/results.json]');
  });
});
