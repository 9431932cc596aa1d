/**
 * Every endpoint's inputs, fuzzed over real HTTP against two real servers: one with the default
 * `demo` keyset, one whose keyset has a secret key and Access Manager, so that signatures and
 * tokens are checked (and, when the fuzzer signs correctly, the layers behind them are reached).
 * Every answer must be below 500, JSON, and a 4xx must be in its service's PubNub envelope;
 * afterwards both servers must still be running and answering /time/0.
 */
import fc from 'fast-check';
import { useServer } from '@roster/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { answerProblem, closeAgent, describeRequest, send, UnansweredError, type Answer, type FuzzRequest, type Target } from './fuzz-http.ts';
import { GROUPS, LOCKED_KEYS, OPEN_KEYS, SUBSCRIBE_BATCH, type Draw } from './fuzz-requests.ts';
import { scale } from './scale.ts';

const RUNS = scale(3_000, 150);
const HOLD_ARGS = ['--subscribe-hold', '1'];

const targets = new Map<Target['name'], Target>();

function targetOf(name: Target['name']): Target {
  const target = targets.get(name);
  if (!target) throw new Error(`the ${name} server is not running`);
  return target;
}

// ---------------------------------------------------------------------------------------------
// Running the groups

/** The revocable token replaces the `TOKEN` placeholder of revoke paths. */
function resolveToken(request: FuzzRequest, target: Target): FuzzRequest {
  if (!request.path.includes('/grant/TOKEN')) return request;
  return { ...request, path: request.path.replace('/grant/TOKEN', `/grant/${target.revocableToken ?? 'none'}`) };
}

function fail(message: string): never {
  if (firstFailure === undefined) {
    firstFailure = message;
    // Printed at once: shrinking over HTTP can take long, and a CI log then still names the input.
    console.error(`${expect.getState().currentTestName}: first failure: ${message}`);
  }
  throw new Error(message);
}

async function check(target: Target, generated: FuzzRequest): Promise<Answer> {
  const request = resolveToken(generated, target);
  const hung = unanswered.get(target.name);
  if (hung !== undefined) fail(`not sent: the ${target.name} server left a request unanswered (${hung})`);
  const answer = await send(target, request).catch((error: unknown) => {
    const exit = target.server.process.exitCode ?? target.server.process.signalCode;
    if (error instanceof UnansweredError && !unanswered.has(target.name)) unanswered.set(target.name, describeRequest(request, target));
    return fail(`${String(error)}${exit === null ? '' : ` (the server exited: ${exit})`}\n  ${describeRequest(request, target)}`);
  });
  statuses.set(answer.status, (statuses.get(answer.status) ?? 0) + 1);
  const problem = answerProblem(request, answer);
  if (problem !== undefined) fail(`${problem}\n  ${describeRequest(request, target)}\n  → ${answer.status} ${answer.text.slice(0, 500)}`);
  return answer;
}

/**
 * `ROSTER_FUZZ_SEED` and `ROSTER_FUZZ_PATH` (printed with a failure) replay one counterexample
 * without shrinking it again.
 */
function runParameters<T>(numRuns: number): fc.Parameters<T> {
  const seed = process.env['ROSTER_FUZZ_SEED'];
  if (seed === undefined) return { numRuns };
  const path = process.env['ROSTER_FUZZ_PATH'];
  return { numRuns, seed: Number(seed), ...(path !== undefined && { path }), endOnFailure: true };
}

/** The first failure of the running property, as found (before shrinking). */
let firstFailure: string | undefined;
/**
 * The request each server left unanswered in the running property: later checks of that server
 * fail without sending, since shrinking against a stuck server would wait the whole timeout on every
 * candidate. The shrunk counterexample is then not the request that hung: the first failure is.
 */
const unanswered = new Map<Target['name'], string>();
/** How often the running property saw each status. */
const statuses = new Map<number, number>();

/** Both outcomes must occur, or the inputs never got past validation (or never failed it). */
function expectBothOutcomes(): void {
  const seen = [...statuses].sort(([a], [b]) => a - b);
  console.log(`${expect.getState().currentTestName}: ${seen.map(([status, count]) => `${status}×${count}`).join(' ')}`);
  expect(
    seen.some(([status]) => status < 300),
    'some requests succeeded',
  ).toBe(true);
  expect(
    seen.some(([status]) => status >= 400),
    'some requests were refused',
  ).toBe(true);
}

/**
 * Runs a property; a failure also names the first failure as it was found, since shrinking over
 * HTTP may end on another symptom (once the server is gone, every request fails).
 */
async function runProperty<T>(property: fc.IAsyncProperty<T>, numRuns: number): Promise<void> {
  firstFailure = undefined;
  statuses.clear();
  unanswered.clear();
  try {
    await fc.assert(property, runParameters<T>(numRuns));
  } catch (error) {
    throw new Error(`First failure found: ${firstFailure ?? '(none recorded)'}\n\n${error instanceof Error ? error.message : String(error)}`);
  }
  expectBothOutcomes();
  await expectAlive();
}

/** Runs a group: each run sends its requests at once and checks every answer. */
async function fuzzGroup(draw: Draw, numRuns = RUNS): Promise<void> {
  await runProperty(
    fc.asyncProperty(draw, async (requests) => {
      await Promise.all(requests.map(({ name, request }) => check(targetOf(name), request)));
    }),
    numRuns,
  );
}

async function expectAlive(): Promise<void> {
  for (const target of targets.values()) {
    expect(target.server.process.exitCode, `${target.name} exited`).toBeNull();
    expect(target.server.process.signalCode, `${target.name} was killed`).toBeNull();
    const time = await fetch(`${target.server.url}/time/0`, { signal: AbortSignal.timeout(5_000) });
    expect(time.status).toBe(200);
    expect(JSON.parse(await time.text())).toEqual([expect.any(Number)]);
  }
}

/** A grant signed with the secret key, as the admin's SDK would send it (`ttl` tells tokens apart). */
async function mintToken(target: Target, ttl: number): Promise<string> {
  const body = {
    ttl,
    permissions: { uuid: 'alice', resources: { channels: { general: 255, lobby: 255 }, uuids: { alice: 255 } }, patterns: { channels: { '.*': 3 } } },
  };
  const request: FuzzRequest = {
    method: 'POST',
    path: `/v3/pam/${LOCKED_KEYS.subscribeKey}/grant`,
    query: [['uuid', 'admin']],
    headers: { 'content-type': 'application/json' },
    body: Buffer.from(JSON.stringify(body)),
    signing: 'valid',
  };
  const answer = await send(target, request);
  expect(answer.status, answer.text).toBe(200);
  return (answer.json as { data: { token: string } }).data.token;
}

/** A few objects and memberships, so reads, lists and cursors have rows to work on. */
async function seed(target: Target): Promise<void> {
  const sub = target.keys.subscribeKey;
  const writes: [string, string, unknown][] = [
    ['PATCH', `/v2/objects/${sub}/uuids/alice`, { name: 'Alice', custom: { x: 1, é: 'é' } }],
    ['PATCH', `/v2/objects/${sub}/uuids/bob`, { name: 'Bob', status: 'active' }],
    ['PATCH', `/v2/objects/${sub}/channels/general`, { name: 'General', custom: { x: 'x' } }],
    ['PATCH', `/v2/objects/${sub}/uuids/alice/channels`, { set: [{ channel: { id: 'general' } }, { channel: { id: 'lobby' }, custom: { x: 2 } }] }],
    ['PATCH', `/v2/objects/${sub}/channels/general/uuids`, { set: [{ uuid: { id: 'bob' }, status: 'admin' }] }],
  ];
  for (const [verb, path, body] of writes) {
    const answer = await send(target, {
      method: verb,
      path,
      query: [['uuid', 'admin']],
      headers: { 'content-type': 'application/json' },
      body: Buffer.from(JSON.stringify(body)),
      signing: 'valid',
    });
    expect(answer.status, answer.text).toBe(200);
  }
}

const open = useServer({ args: HOLD_ARGS });
const locked = useServer({ keysets: [{ ...LOCKED_KEYS, accessManager: true }], args: HOLD_ARGS });

beforeAll(async () => {
  targets.set('open', { name: 'open', server: open, keys: OPEN_KEYS });
  const lockedTarget: Target = { name: 'locked', server: locked, keys: LOCKED_KEYS };
  targets.set('locked', lockedTarget);
  lockedTarget.token = await mintToken(lockedTarget, 60);
  lockedTarget.revocableToken = await mintToken(lockedTarget, 61);
  for (const target of targets.values()) await seed(target);
});

afterAll(() => {
  closeAgent();
});

describe('every endpoint answers every input below 500, in its own envelope', () => {
  it('get, set and remove user and channel metadata', () => fuzzGroup(GROUPS.objects));
  it('list users and channels: limit, cursors, include, filter, sort, count', () => fuzzGroup(GROUPS.lists));
  it('memberships and members: get and patch', () => fuzzGroup(GROUPS.memberships));
  it('publish with GET', () => fuzzGroup(GROUPS.publishGet));
  it('publish with POST, compressed or not', () => fuzzGroup(GROUPS.publishPost));
  it('grant and revoke tokens', () => fuzzGroup(GROUPS.access));
  it('time, presence, signal, channel groups and unknown paths', () => fuzzGroup(GROUPS.misc));
  it('subscribe: handshakes, polls, filters and channel lists (in concurrent batches)', () => fuzzGroup(GROUPS.subscribe, Math.ceil(RUNS / SUBSCRIBE_BATCH)));
});
