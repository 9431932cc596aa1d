import { heartbeatTimeout, type ResolvedConfig } from '../../config.ts';
import { parseJson } from '../json.ts';
import { statusOf } from '../status-of.ts';
import { PNOperationType } from '../../models/operation.ts';
import { PNStatusCategory } from '../../models/status-category.ts';
import { PNStatus } from '../../models/status.ts';
import { sleep, type RandomSource } from '../retry.ts';
import type { RequestDescriptor } from '../request.ts';
import type { Transport } from '../transport.ts';
import {
  UNSUBSCRIBED,
  transition,
  type ReconnectPolicy,
  type StatusReport,
  type SubscribeEffect,
  type SubscribeEvent,
  type SubscribeState,
} from './state-machine.ts';
import { HeartbeatTimer } from './heartbeat-timer.ts';
import { heartbeatRequest, leaveRequest, subscribeRequest } from './subscribe-request.ts';
import { parseSubscribeResponse, type SubscribeEnvelope } from './subscribe-response.ts';

export interface SubscribeLoopHooks {
  /** Envelopes received, and the names (channels and groups) subscribed to when they arrived. */
  messages(messages: readonly SubscribeEnvelope[], subscribed: readonly string[]): void;
  status(status: PNStatus): void;
}

/**
 * Runs the subscribe state machine: feeds it events, applies its transitions and performs
 * their effects (requests, delays, cancellation, listener calls). The only mutable state is
 * the current machine state and the request in flight.
 */
export class SubscribeLoop {
  private state: SubscribeState = UNSUBSCRIBED;
  private readonly queue: SubscribeEvent[] = [];
  private draining = false;
  /** Bumped whenever the request in flight is replaced, so a late answer to an old one is dropped. */
  private generation = 0;
  private inFlight: AbortController | null = null;

  private readonly config: ResolvedConfig;
  private readonly transport: Transport;
  private readonly hooks: SubscribeLoopHooks;
  private readonly policy: ReconnectPolicy;
  private readonly heartbeats: HeartbeatTimer;

  /** `random` is where reconnect delays draw their jitter (`Math.random` unless a test fixes it). */
  constructor(config: ResolvedConfig, transport: Transport, hooks: SubscribeLoopHooks, random: RandomSource = Math.random) {
    this.config = config;
    this.transport = transport;
    this.hooks = hooks;
    this.policy = { ...config.reconnect, random };
    this.heartbeats = new HeartbeatTimer(config.heartbeatInterval * 1000, (signal) => this.heartbeat(signal));
  }

  /** The current state (read-only snapshot). */
  get current(): SubscribeState {
    return this.state;
  }

  /** The channels the loop is subscribed to (also while stopped), `-pnpres` presence channels included. */
  get channels(): readonly string[] {
    return this.state.kind === 'unsubscribed' ? [] : this.state.channels;
  }

  /** The channel groups the loop is subscribed to (also while stopped), `-pnpres` ones included. */
  get groups(): readonly string[] {
    return this.state.kind === 'unsubscribed' ? [] : this.state.groups;
  }

  /** Whether heartbeats are being sent (only while subscribing or subscribed, with a `heartbeatInterval`). */
  get heartbeating(): boolean {
    return this.heartbeats.running;
  }

  /**
   * Queues an event. Events raised while effects run (a listener that subscribes, say) are
   * handled after the current transition's effects, never in the middle of them.
   */
  dispatch(event: SubscribeEvent): void {
    this.queue.push(event);
    if (this.draining) return;
    this.draining = true;
    try {
      for (let next = this.queue.shift(); next !== undefined; next = this.queue.shift()) {
        const { state, effects } = transition(this.state, next, this.policy);
        this.state = state;
        this.heartbeats.switch(state.kind === 'handshaking' || state.kind === 'receiving');
        for (const effect of effects) this.run(effect);
      }
    } finally {
      this.draining = false;
    }
  }

  private run(effect: SubscribeEffect): void {
    switch (effect.type) {
      case 'handshake':
      case 'receive':
        this.poll(effect);
        return;
      case 'cancel':
        this.cancel();
        return;
      case 'emitMessages':
        this.hooks.messages(effect.messages, [...this.channels, ...this.groups]);
        return;
      case 'emitStatus':
        this.hooks.status(toStatus(effect.status));
        return;
      case 'leave':
        this.fireAndForget(leaveRequest(this.config.subscribeKey, effect));
        return;
    }
  }

  /**
   * Tells presence the user is still here, on every channel and group it subscribes to. Resolves
   * when the request has an outcome (failures change nothing here); undefined when none was sent.
   */
  private heartbeat(signal: AbortSignal): Promise<unknown> | undefined {
    if (this.state.kind !== 'handshaking' && this.state.kind !== 'receiving') return undefined;
    const descriptor = heartbeatRequest(this.config.subscribeKey, this.state, heartbeatTimeout(this.config));
    return descriptor === undefined ? undefined : this.transport.send(descriptor, signal);
  }

  /** A leave: its outcome changes nothing here, so failures are ignored. */
  private fireAndForget(descriptor: RequestDescriptor | undefined): void {
    if (descriptor !== undefined) void this.transport.send(descriptor);
  }

  private cancel(): void {
    this.generation++;
    this.inFlight?.abort();
    this.inFlight = null;
  }

  private poll(effect: Extract<SubscribeEffect, { type: 'handshake' | 'receive' }>): void {
    this.cancel();
    const generation = this.generation;
    const controller = new AbortController();
    this.inFlight = controller;
    void this.request(effect, controller.signal).then((event) => {
      if (event !== undefined && generation === this.generation) this.dispatch(event);
    });
  }

  private async request(effect: Extract<SubscribeEffect, { type: 'handshake' | 'receive' }>, signal: AbortSignal): Promise<SubscribeEvent | undefined> {
    if (effect.delayMs > 0) await sleep(effect.delayMs, signal);
    if (signal.aborted) return undefined;
    const cursor = effect.type === 'receive' ? effect.cursor : null;
    const descriptor = subscribeRequest(this.config.subscribeKey, effect, cursor, this.config.subscribeTimeoutMs, this.config.presenceTimeout);
    const outcome = await this.transport.send(descriptor, signal);
    if (signal.aborted) return undefined;
    let status = statusOf(PNOperationType.PNSubscribeOperation, outcome);
    if (!status.isError() && outcome.ok) {
      const parsed = parseSubscribeResponse(parseJson(outcome.response.text), outcome.response.text);
      if (parsed !== undefined) {
        return effect.type === 'handshake'
          ? { type: 'handshakeSucceeded', cursor: parsed.cursor }
          : { type: 'receiveSucceeded', cursor: parsed.cursor, messages: parsed.messages };
      }
      status = new PNStatus({
        category: PNStatusCategory.PNMalformedResponseCategory,
        operation: PNOperationType.PNSubscribeOperation,
        statusCode: outcome.response.statusCode,
        errorData: { information: 'The subscribe response is not {"t":{...},"m":[...]}.', body: outcome.response.text, details: [] },
        clientRequest: outcome.request,
      });
    }
    return effect.type === 'handshake' ? { type: 'handshakeFailed', status } : { type: 'receiveFailed', status };
  }
}

function toStatus(report: StatusReport): PNStatus {
  return new PNStatus({
    category: report.category,
    operation: PNOperationType.PNSubscribeOperation,
    statusCode: report.cause?.statusCode ?? 200,
    errorData: report.cause?.errorData ?? null,
    affectedChannels: report.channels,
    affectedChannelGroups: report.groups,
    clientRequest: report.cause?.clientRequest ?? null,
  });
}
