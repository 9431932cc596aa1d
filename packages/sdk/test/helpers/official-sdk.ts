/**
 * What the "same request as the official SDK" suites share: a recording server, the official
 * `pubnub` SDK (v11) and ours both pointed at it as user `u1` on keyset `demo`/`demo`, and ways to
 * capture the one request a call sends and compare it in a form both SDKs agree on.
 */
import PubNub from 'pubnub';
import { afterAll, beforeAll, beforeEach, expect } from 'vitest';
import { Roster } from '../../src/index.ts';
import { decodeQuery, startRecordingServer, type RecordedRequest, type RecordingServer, type Responder } from './recording-server.ts';

/** A request as compared: `requestid` (random) and `pnsdk` (the SDK's name) left out of the query. */
export interface Comparable {
  method: string;
  path: string;
  query: Record<string, string[]>;
  /** The JSON body, parsed; undefined when empty. */
  body: unknown;
  ifMatch: string | undefined;
}

export interface ComparisonOptions {
  /** Answers the recording server gives; PubNub-shaped answers for every endpoint by default. */
  responder?: Responder;
  /** Capture a call's request whatever its outcome; by default a failing call fails the test. */
  ignoreOutcome?: boolean;
  /** Adjusts a decoded query before it is compared, for differences a server reads the same. */
  normalizeQuery?: (query: Record<string, string[]>) => void;
}

/** The two SDKs, their recording server and the comparisons on it; usable inside tests and hooks. */
export interface OfficialComparison {
  readonly server: RecordingServer;
  readonly official: PubNub;
  readonly ours: Roster;
  comparable(this: void, request: RecordedRequest): Comparable;
  /** Runs `call` and returns the one request it sent. */
  capture(this: void, call: () => PromiseLike<unknown>): Promise<RecordedRequest>;
  /** Expects both calls to send the same request; returns ours. */
  expectSameRequest(this: void, officialCall: () => PromiseLike<unknown>, ourCall: () => PromiseLike<unknown>): Promise<Comparable>;
  /** The handshake and first long-poll a subscription sends, then the leaves that stopping it sends. */
  subscribeRequests(this: void, start: () => void, stop: () => void): Promise<{ polls: Comparable[]; leaves: Comparable[] }>;
}

/** Starts the recording server and both clients before the file's tests and stops them after; forgets requests before each test. */
export function useOfficialComparison(options: ComparisonOptions = {}): OfficialComparison {
  let started: { server: RecordingServer; official: PubNub; ours: Roster } | undefined;
  const running = () => {
    if (started === undefined) throw new Error('useOfficialComparison: used outside a test');
    return started;
  };

  beforeAll(async () => {
    const server = await startRecordingServer(options.responder);
    const official = new PubNub({ publishKey: 'demo', subscribeKey: 'demo', userId: 'u1', origin: server.origin, ssl: false });
    const ours = new Roster({ publishKey: 'demo', subscribeKey: 'demo', userId: 'u1', origin: server.url, retry: false });
    started = { server, official, ours };
  });
  afterAll(async () => {
    running().official.destroy(true);
    await running().server.close();
  });
  beforeEach(() => running().server.reset());

  const comparable = (request: RecordedRequest): Comparable => {
    const query = decodeQuery(request.rawQuery);
    delete query['requestid'];
    delete query['pnsdk'];
    options.normalizeQuery?.(query);
    return {
      method: request.method,
      path: request.path,
      query,
      body: request.body === '' ? undefined : (JSON.parse(request.body) as unknown),
      ifMatch: request.headers['if-match'] as string | undefined,
    };
  };

  const capture = async (call: () => PromiseLike<unknown>): Promise<RecordedRequest> => {
    const { server } = running();
    server.reset();
    if (options.ignoreOutcome === true) await Promise.resolve(call()).catch(() => undefined);
    else await call();
    expect(server.requests).toHaveLength(1);
    return server.requests[0]!;
  };

  const expectSameRequest = async (officialCall: () => PromiseLike<unknown>, ourCall: () => PromiseLike<unknown>): Promise<Comparable> => {
    const theirs = comparable(await capture(officialCall));
    const mine = comparable(await capture(ourCall));
    expect(mine).toEqual(theirs);
    return mine;
  };

  const subscribeRequests = async (start: () => void, stop: () => void): Promise<{ polls: Comparable[]; leaves: Comparable[] }> => {
    const { server } = running();
    server.reset();
    start();
    const polls = () => server.requests.filter((request) => request.path.startsWith('/v2/subscribe/'));
    const deadline = Date.now() + 5000;
    while (polls().length < 2 && Date.now() < deadline) await new Promise((done) => setTimeout(done, 10));
    stop();
    // Let the fire-and-forget leave arrive, so it is not counted in the next test.
    await new Promise((done) => setTimeout(done, 200));
    const leaves = server.requests.filter((request) => request.path.endsWith('/leave')).map(comparable);
    return { polls: polls().slice(0, 2).map(comparable), leaves };
  };

  return {
    get server() {
      return running().server;
    },
    get official() {
      return running().official;
    },
    get ours() {
      return running().ours;
    },
    comparable,
    capture,
    expectSameRequest,
    subscribeRequests,
  };
}
