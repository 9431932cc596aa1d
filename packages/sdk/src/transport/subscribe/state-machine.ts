import type { SubscribeEnvelope } from '@roster/protocol';
import type { ReconnectOptions } from '../../config.ts';
import { PNStatusCategory } from '../../models/status-category.ts';
import type { PNStatus } from '../../models/status.ts';
import { equalJitter, type RandomSource } from '../retry.ts';

/**
 * The subscribe loop as a pure state machine: `transition(state, event)` returns the next
 * state and the effects to run; `SubscribeLoop` runs them. Nothing here does I/O, reads
 * the clock or draws random numbers (the policy brings its random source), so every path is
 * unit-testable.
 *
 *   unsubscribed --subscribe--> handshaking --ok--> receiving --ok--> receiving ...
 *   handshaking/receiving --retryable failure--> same state, attempt + 1, delayed retry
 *   receiving keeps its cursor across failures, so it resumes where it stopped.
 *   any --fatal failure / too many attempts / disconnect--> stopped (keeps channels, groups and cursor)
 *   stopped --reconnect / subscribe--> receiving from the cursor (or handshaking without one)
 *   any --unsubscribe all--> unsubscribed
 */

/** Where the stream is: a timetoken and the region that issued it. */
export interface Cursor {
  readonly timetoken: string;
  readonly region: number;
}

export type SubscribeState =
  | { readonly kind: 'unsubscribed' }
  | {
      readonly kind: 'handshaking';
      readonly channels: readonly string[];
      readonly groups: readonly string[];
      /** A timetoken to start from instead of "now" (`withTimetoken`). */
      readonly restore: string | null;
      /** Consecutive failures so far; 0 while the first attempt is out. */
      readonly attempt: number;
      /** Whether the loop was connected before (a re-handshake reports "reconnected"). */
      readonly wasConnected: boolean;
    }
  | { readonly kind: 'receiving'; readonly channels: readonly string[]; readonly groups: readonly string[]; readonly cursor: Cursor; readonly attempt: number }
  | { readonly kind: 'stopped'; readonly channels: readonly string[]; readonly groups: readonly string[]; readonly cursor: Cursor | null };

export type SubscribeEvent =
  | {
      readonly type: 'subscriptionChanged';
      readonly channels: readonly string[];
      /** Channel groups; none when left out. */
      readonly groups?: readonly string[];
      readonly timetoken?: string;
    }
  | { readonly type: 'handshakeSucceeded'; readonly cursor: Cursor }
  | { readonly type: 'handshakeFailed'; readonly status: PNStatus }
  | { readonly type: 'receiveSucceeded'; readonly cursor: Cursor; readonly messages: readonly SubscribeEnvelope[] }
  | { readonly type: 'receiveFailed'; readonly status: PNStatus }
  | { readonly type: 'disconnect' }
  | { readonly type: 'reconnect' }
  | { readonly type: 'unsubscribeAll' };

/** A status for listeners; the runner turns it into a `PNStatus`. */
export interface StatusReport {
  readonly category: PNStatusCategory;
  readonly channels: readonly string[];
  readonly groups: readonly string[];
  /** The failure behind an error report. */
  readonly cause?: PNStatus;
}

export type SubscribeEffect =
  | { readonly type: 'handshake'; readonly channels: readonly string[]; readonly groups: readonly string[]; readonly delayMs: number }
  | { readonly type: 'receive'; readonly channels: readonly string[]; readonly groups: readonly string[]; readonly cursor: Cursor; readonly delayMs: number }
  /** Abort the request in flight (and any pending retry delay). */
  | { readonly type: 'cancel' }
  | { readonly type: 'emitMessages'; readonly messages: readonly SubscribeEnvelope[] }
  | { readonly type: 'emitStatus'; readonly status: StatusReport }
  /** Tell presence the user left these channels and groups (fire and forget). */
  | { readonly type: 'leave'; readonly channels: readonly string[]; readonly groups: readonly string[] };

export interface Transition {
  readonly state: SubscribeState;
  readonly effects: readonly SubscribeEffect[];
}

export const UNSUBSCRIBED: SubscribeState = { kind: 'unsubscribed' };

/** The reconnect options plus the random source the retry delays draw their jitter from. */
export interface ReconnectPolicy extends Required<ReconnectOptions> {
  readonly random: RandomSource;
}

/** What a subscription is made of: channels (with `-pnpres` ones for presence) and channel groups. */
export interface SubscribedNames {
  readonly channels: readonly string[];
  readonly groups: readonly string[];
}

/** The next state and effects for an event. Events that do not apply in a state are ignored. */
export function transition(state: SubscribeState, event: SubscribeEvent, policy: ReconnectPolicy): Transition {
  switch (event.type) {
    case 'subscriptionChanged':
      return changeSubscription(state, { channels: event.channels, groups: event.groups ?? [] }, event.timetoken);
    case 'unsubscribeAll':
      if (state.kind === 'unsubscribed') return stay(state);
      return unsubscribe(namesOf(state));
    case 'disconnect': {
      if (state.kind !== 'handshaking' && state.kind !== 'receiving') return stay(state);
      const names = namesOf(state);
      return {
        state: { kind: 'stopped', ...names, cursor: state.kind === 'receiving' ? state.cursor : null },
        effects: [{ type: 'cancel' }, { type: 'emitStatus', status: { category: PNStatusCategory.PNDisconnectedCategory, ...names } }],
      };
    }
    case 'reconnect':
      if (state.kind !== 'stopped') return stay(state);
      return resume(namesOf(state), state.cursor);
    case 'handshakeSucceeded': {
      if (state.kind !== 'handshaking') return stay(state);
      const names = namesOf(state);
      const cursor = state.restore === null ? event.cursor : { timetoken: state.restore, region: event.cursor.region };
      const category = state.wasConnected || state.attempt > 0 ? PNStatusCategory.PNReconnectedCategory : PNStatusCategory.PNConnectedCategory;
      return {
        state: { kind: 'receiving', ...names, cursor, attempt: 0 },
        effects: [
          { type: 'emitStatus', status: { category, ...names } },
          { type: 'receive', ...names, cursor, delayMs: 0 },
        ],
      };
    }
    case 'receiveSucceeded': {
      if (state.kind !== 'receiving') return stay(state);
      const names = namesOf(state);
      const effects: SubscribeEffect[] = [];
      if (state.attempt > 0) effects.push({ type: 'emitStatus', status: { category: PNStatusCategory.PNReconnectedCategory, ...names } });
      if (event.messages.length > 0) effects.push({ type: 'emitMessages', messages: event.messages });
      effects.push({ type: 'receive', ...names, cursor: event.cursor, delayMs: 0 });
      return { state: { ...state, cursor: event.cursor, attempt: 0 }, effects };
    }
    case 'handshakeFailed':
      if (state.kind !== 'handshaking') return stay(state);
      return fail(state, null, event.status, policy, (attempt, delayMs) => ({
        state: { ...state, attempt },
        effects: [{ type: 'handshake', ...namesOf(state), delayMs }],
      }));
    case 'receiveFailed':
      if (state.kind !== 'receiving') return stay(state);
      // Retry with the same cursor: nothing published meanwhile is lost.
      return fail(state, state.cursor, event.status, policy, (attempt, delayMs) => ({
        state: { ...state, attempt },
        effects: [{ type: 'receive', ...namesOf(state), cursor: state.cursor, delayMs }],
      }));
  }
}

/**
 * Backoff ceiling before reconnect attempt `attempt` (1-based): doubling from the base, capped
 * at `maxDelayMs`. The delay actually used is {@link jitteredReconnectDelay}.
 */
export function reconnectDelay(attempt: number, policy: Required<ReconnectOptions>): number {
  return Math.min(policy.baseDelayMs * 2 ** (attempt - 1), policy.maxDelayMs);
}

/**
 * Milliseconds to wait before reconnect attempt `attempt`: the backoff ceiling with "equal
 * jitter", so a delay in [ceiling / 2, ceiling] drawn from `policy.random`.
 */
export function jitteredReconnectDelay(attempt: number, policy: ReconnectPolicy): number {
  return equalJitter(reconnectDelay(attempt, policy), policy.random);
}

/** Network trouble, timeouts, throttling and server errors pass; a 4xx will not fix itself. */
export function isRetryable(status: PNStatus): boolean {
  switch (status.category) {
    case PNStatusCategory.PNNetworkIssuesCategory:
    case PNStatusCategory.PNTimeoutCategory:
    case PNStatusCategory.PNServerErrorCategory:
    case PNStatusCategory.PNTooManyRequestsCategory:
    case PNStatusCategory.PNMalformedResponseCategory:
      return true;
    default:
      return false;
  }
}

function changeSubscription(state: SubscribeState, names: SubscribedNames, timetoken: string | undefined): Transition {
  const previous: SubscribedNames = state.kind === 'unsubscribed' ? { channels: [], groups: [] } : namesOf(state);
  if (names.channels.length === 0 && names.groups.length === 0) {
    if (state.kind === 'unsubscribed') return stay(state);
    return unsubscribe(previous);
  }
  const left = { channels: without(previous.channels, names.channels), groups: without(previous.groups, names.groups) };
  const leave: SubscribeEffect[] = left.channels.length > 0 || left.groups.length > 0 ? [{ type: 'leave', ...left }] : [];
  const cursor = state.kind === 'receiving' || state.kind === 'stopped' ? state.cursor : null;
  if (timetoken !== undefined || cursor === null) {
    const wasConnected = state.kind === 'receiving' || (state.kind === 'handshaking' && state.wasConnected);
    return {
      state: { kind: 'handshaking', ...names, restore: timetoken ?? null, attempt: 0, wasConnected },
      effects: [{ type: 'cancel' }, ...leave, { type: 'handshake', ...names, delayMs: 0 }],
    };
  }
  // Keep the cursor: the new channel list is read from where the old one stopped.
  return {
    state: { kind: 'receiving', ...names, cursor, attempt: 0 },
    effects: [
      { type: 'cancel' },
      ...leave,
      { type: 'emitStatus', status: { category: PNStatusCategory.PNSubscriptionChangedCategory, ...names } },
      { type: 'receive', ...names, cursor, delayMs: 0 },
    ],
  };
}

function unsubscribe(previous: SubscribedNames): Transition {
  return {
    state: UNSUBSCRIBED,
    effects: [
      { type: 'cancel' },
      { type: 'leave', ...previous },
      { type: 'emitStatus', status: { category: PNStatusCategory.PNDisconnectedCategory, ...previous } },
    ],
  };
}

function resume(names: SubscribedNames, cursor: Cursor | null): Transition {
  if (cursor === null) {
    return { state: { kind: 'handshaking', ...names, restore: null, attempt: 0, wasConnected: true }, effects: [{ type: 'handshake', ...names, delayMs: 0 }] };
  }
  return {
    state: { kind: 'receiving', ...names, cursor, attempt: 0 },
    effects: [
      { type: 'emitStatus', status: { category: PNStatusCategory.PNReconnectedCategory, ...names } },
      { type: 'receive', ...names, cursor, delayMs: 0 },
    ],
  };
}

function fail(
  state: Extract<SubscribeState, { kind: 'handshaking' | 'receiving' }>,
  cursor: Cursor | null,
  status: PNStatus,
  policy: ReconnectPolicy,
  retry: (attempt: number, delayMs: number) => Transition,
): Transition {
  const attempt = state.attempt + 1;
  if (isRetryable(status) && attempt <= policy.maxAttempts) {
    const next = retry(attempt, jitteredReconnectDelay(attempt, policy));
    // Report the trouble once, when it starts, not on every attempt.
    if (state.attempt > 0) return next;
    const report: SubscribeEffect = { type: 'emitStatus', status: { category: status.category, ...namesOf(state), cause: status } };
    return { state: next.state, effects: [report, ...next.effects] };
  }
  return {
    state: { kind: 'stopped', ...namesOf(state), cursor },
    effects: [{ type: 'emitStatus', status: { category: PNStatusCategory.PNUnexpectedDisconnectCategory, ...namesOf(state), cause: status } }],
  };
}

/** The channels and groups of a subscribed state, without its other fields. */
function namesOf(state: Exclude<SubscribeState, { kind: 'unsubscribed' }>): SubscribedNames {
  return { channels: state.channels, groups: state.groups };
}

function without(names: readonly string[], kept: readonly string[]): string[] {
  return names.filter((name) => !kept.includes(name));
}

function stay(state: SubscribeState): Transition {
  return { state, effects: [] };
}
