import type { ResolvedConfig } from '../../config.ts';
import { parseJson } from '../json.ts';
import { statusOf } from '../status-of.ts';
import { PNOperationType } from '../../models/operation.ts';
import { PNStatusCategory } from '../../models/status-category.ts';
import { PNStatus } from '../../models/status.ts';
import { sleep, type RandomSource } from '../retry.ts';
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
import { leaveRequest, subscribeRequest } from './subscribe-request.ts';
import { parseSubscribeResponse, type SubscribeEnvelope } from './subscribe-response.ts';

export interface SubscribeLoopHooks {
  /** Envelopes received for the given subscribed channels. */
  messages(messages: readonly SubscribeEnvelope[], channels: readonly string[]): void;
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

  /** `random` is where reconnect delays draw their jitter (`Math.random` unless a test fixes it). */
  constructor(config: ResolvedConfig, transport: Transport, hooks: SubscribeLoopHooks, random: RandomSource = Math.random) {
    this.config = config;
    this.transport = transport;
    this.hooks = hooks;
    this.policy = { ...config.reconnect, random };
  }

  /** The current state (read-only snapshot). */
  get current(): SubscribeState {
    return this.state;
  }

  /** The channels the loop is subscribed to (also while stopped). */
  get channels(): readonly string[] {
    return this.state.kind === 'unsubscribed' ? [] : this.state.channels;
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
        this.hooks.messages(effect.messages, this.channels);
        return;
      case 'emitStatus':
        this.hooks.status(toStatus(effect.status));
        return;
      case 'leave':
        // Presence bookkeeping only; a server without presence may answer 404, which is fine.
        void this.transport.send(leaveRequest(this.config.subscribeKey, effect.channels));
        return;
    }
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
    const descriptor = subscribeRequest(this.config.subscribeKey, effect.channels, cursor, this.config.subscribeTimeoutMs);
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
    clientRequest: report.cause?.clientRequest ?? null,
  });
}
