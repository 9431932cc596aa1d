import { afterEach, describe, expect, it, vi } from 'vitest';
import type { BusAttachment, BusMessage, EventBus } from '../../src/realtime/bus.ts';
import { appContextParts } from '../../src/realtime/envelope.ts';

/**
 * The behaviour every `EventBus` must have, as a vitest suite. Each implementation's test file
 * calls `runBusContract` with a factory for a fresh bus; one that needs a service (a NATS server)
 * passes `skip` with the reason when it is not reachable, which the suite's title then shows.
 *
 * @example
 * runBusContract({ name: 'InProcessBus', create: () => new InProcessBus() });
 * runBusContract({ name: 'NatsBus', create: () => NatsBus.connect(options), retains: true, skip: reachable ? undefined : 'no NATS server at 127.0.0.1:4222' });
 */
export interface BusContractOptions {
  /** Names the implementation in the suite's title. */
  name: string;
  /** A new bus for one case; the suite closes it afterwards. */
  create: () => EventBus | Promise<EventBus>;
  /** Why the suite cannot run here; when given, every case is skipped and the title says why. */
  skip?: string | undefined;
  /** How long a case waits for messages to arrive, in milliseconds. @default 5000 */
  arrivalTimeoutMs?: number;
  /** The bus retains what it carried and has `replay` (NATS JetStream); without it, it must not have `replay`. @default false */
  retains?: boolean;
}

/** A node as the bus sees it: what reached it (batches flattened, in arrival order) and its attachment. */
interface TestNode {
  received: BusMessage[];
  attachment: BusAttachment;
}

let lastTimetoken = 17_000_000_000_000_000n;

/**
 * `sent` in timetoken order: the order a node receives messages of several channels in. A bus
 * may give a message a later timetoken as it sends it (NATS: channel-order.ts), on the copy its
 * publisher handed over too, so this is read after the publish.
 */
const byTimetoken = (sent: readonly BusMessage[]): BusMessage[] => [...sent].sort((a, b) => (BigInt(a.timetoken) < BigInt(b.timetoken) ? -1 : 1));

/** A published message on `channel` with a fresh timetoken; `payload` travels in its envelope and filter subject. */
function message(subKey: string, channel: string, payload: unknown): BusMessage {
  const timetoken = (++lastTimetoken).toString();
  const subject = { meta: { kind: 'note', tags: ['a', 'b'] }, data: payload, publisher: 'alice' };
  const envelope = JSON.stringify({ a: '1', f: 0, i: 'alice', p: { t: timetoken, r: 1 }, k: subKey, c: channel, u: subject.meta, d: payload, b: channel });
  return { subKey, channel, timetoken, envelope, subject };
}

/** An App Context event on `channel`: no filter subject. */
function appContextEvent(subKey: string, channel: string, id: string): BusMessage {
  const timetoken = (++lastTimetoken).toString();
  const data = { source: 'objects', version: '2.0', event: 'set', type: 'uuid', data: { id } };
  const envelope = JSON.stringify({ a: '1', f: 0, e: 2, p: { t: timetoken, r: 1 }, k: subKey, c: channel, d: data, b: channel });
  return { subKey, channel, timetoken, envelope };
}

/** One App Context event on several channels, its envelopes in parts sharing one payload text (as the sequencer makes them). */
function sharedEvent(subKey: string, channels: readonly string[], id: string): BusMessage[] {
  const payload = JSON.stringify({ source: 'objects', version: '2.0', event: 'set', type: 'uuid', data: { id, name: 'Zoë 😀' } });
  return channels.map((channel) => {
    const timetoken = (++lastTimetoken).toString();
    return { subKey, channel, timetoken, envelope: appContextParts({ subKey, channel, timetoken, region: 1 }, payload) };
  });
}

export function runBusContract(options: BusContractOptions): void {
  const title = `EventBus contract: ${options.name}${options.skip === undefined ? '' : ` (skipped: ${options.skip})`}`;
  const timeout = options.arrivalTimeoutMs ?? 5000;

  describe.skipIf(options.skip !== undefined)(title, () => {
    const buses: EventBus[] = [];
    afterEach(async () => {
      await Promise.all(buses.splice(0).map((bus) => bus.close()));
    });

    async function newBus(): Promise<EventBus> {
      const bus = await options.create();
      buses.push(bus);
      return bus;
    }

    /** Attaches a node that waits on `channels` of keyset `demo`. */
    function attach(bus: EventBus, channels: readonly string[], receive?: (batch: readonly BusMessage[]) => void): TestNode {
      const received: BusMessage[] = [];
      const attachment = bus.attach((batch) => {
        received.push(...batch);
        receive?.(batch);
      });
      for (const channel of channels) attachment.onInterest('demo', channel);
      return { received, attachment };
    }

    const arrived = (node: TestNode, count: number) => vi.waitFor(() => expect(node.received.length).toBeGreaterThanOrEqual(count), { timeout, interval: 5 });

    it('carries a batch to every attached node, in order', async () => {
      const bus = await newBus();
      const nodes = [attach(bus, ['room']), attach(bus, ['room'])];
      const batch = [message('demo', 'room', 1), appContextEvent('demo', 'room', 'u1'), message('demo', 'room', 3)];
      await bus.publish(batch);
      for (const node of nodes) {
        await arrived(node, 3);
        expect(node.received).toEqual(batch);
      }
    });

    it('carries messages as plain data: what arrives equals what was published, filter subject included', async () => {
      const bus = await newBus();
      const node = attach(bus, ['room', 'user-1']);
      const text = message('demo', 'room', { text: 'héllo 😀 \u2028', nested: { list: [1, null, true, 2.5] } });
      const event = appContextEvent('demo', 'user-1', 'user-1');
      await bus.publish([text]);
      await bus.publish([event]);
      await arrived(node, 2);
      expect(node.received[0]).toEqual(text);
      expect(node.received[0]!.subject).toEqual({ meta: { kind: 'note', tags: ['a', 'b'] }, data: text.subject!.data, publisher: 'alice' });
      expect(node.received[1]).toEqual(event);
      expect(node.received[1]!.subject).toBeUndefined();
    });

    it('keeps one channel’s messages in publish order, however many are in flight', async () => {
      const bus = await newBus();
      const node = attach(bus, ['busy', 'other']);
      const published = Array.from({ length: 200 }, (_, n) => message('demo', n % 3 === 0 ? 'other' : 'busy', n));
      await Promise.all(published.map((sent) => bus.publish([sent])));
      await arrived(node, published.length);
      for (const channel of ['busy', 'other']) {
        const order = (list: BusMessage[]) => list.filter((m) => m.channel === channel).map((m) => m.timetoken);
        expect(order(node.received)).toEqual(order(published));
      }
    });

    it('carries each keyset’s messages with their own keyset', async () => {
      const bus = await newBus();
      const node = attach(bus, ['room']);
      node.attachment.onInterest('other', 'room');
      const sent = [message('demo', 'room', 'for demo'), message('other', 'room', 'for other')];
      await bus.publish(sent);
      await arrived(node, 2);
      expect(node.received.map((m) => [m.subKey, m.subject?.data])).toEqual(byTimetoken(sent).map((m) => [m.subKey, m.subject?.data]));
      expect(node.received.map((m) => m.subKey).sort()).toEqual(['demo', 'other']);
    });

    it('stops carrying to a node that detached and goes on with the others; detaching again does nothing', async () => {
      const bus = await newBus();
      const leaving = attach(bus, ['room']);
      const staying = attach(bus, ['room']);
      await bus.publish([message('demo', 'room', 'before')]);
      await arrived(leaving, 1);
      await leaving.attachment.detach();
      await leaving.attachment.detach();
      await bus.publish([message('demo', 'room', 'after')]);
      await arrived(staying, 2);
      expect(leaving.received.map((m) => m.subject?.data)).toEqual(['before']);
    });

    it('keeps carrying a channel whose interest went and came back', async () => {
      const bus = await newBus();
      const node = attach(bus, ['room']);
      node.attachment.onNoInterest('demo', 'room');
      node.attachment.onInterest('demo', 'room');
      await bus.publish([message('demo', 'room', 'still here')]);
      await arrived(node, 1);
      expect(node.received[0]!.subject?.data).toBe('still here');
    });

    it('takes an empty batch at once and carries nothing for it', async () => {
      const bus = await newBus();
      const node = attach(bus, ['room']);
      await bus.publish([]);
      const real = message('demo', 'room', 'real');
      await bus.publish([real]);
      await arrived(node, 1);
      expect(node.received).toEqual([real]);
    });

    it('goes on carrying to the other nodes when one node’s receiver throws', async () => {
      const bus = await newBus();
      attach(bus, ['room'], () => {
        throw new Error('a broken node');
      });
      const healthy = attach(bus, ['room']);
      await bus.publish([message('demo', 'room', 1)]);
      await bus.publish([message('demo', 'room', 2)]);
      await arrived(healthy, 2);
      expect(healthy.received.map((m) => m.subject?.data)).toEqual([1, 2]);
    });

    it('carries an event’s envelopes in parts to each of its channels, the payload text unchanged', async () => {
      const bus = await newBus();
      const channels = ['user-1', 'room', 'lobby'];
      const node = attach(bus, channels);
      const event = sharedEvent('demo', channels, 'user-1');
      await bus.publish(event);
      await arrived(node, 3);
      expect(node.received).toEqual(byTimetoken(event));
      expect(node.received.every((m) => m.subject === undefined)).toBe(true);
    });

    it.runIf(options.retains === true)('replays what it retains of a channel after a timetoken: later ones only, oldest first, each once', async () => {
      const bus = await newBus();
      const node = attach(bus, ['room', 'other']);
      const sent = [
        message('demo', 'room', 1),
        message('demo', 'other', 'not this channel'),
        message('demo', 'room', 2),
        ...sharedEvent('demo', ['room', 'other'], 'u1'),
        message('demo', 'room', 3),
      ];
      for (const one of sent) await bus.publish([one]);
      await arrived(node, sent.length);
      const onRoom = sent.filter((m) => m.channel === 'room');
      const replay = await bus.replay!('demo', 'room', onRoom[0]!.timetoken, 10);
      expect(replay).toEqual({ messages: onRoom.slice(1), more: false, complete: true });
      const page = await bus.replay!('demo', 'room', onRoom[0]!.timetoken, 2);
      expect(page).toEqual({ messages: onRoom.slice(1, 3), more: true, complete: true });
      const rest = await bus.replay!('demo', 'room', page.messages[1]!.timetoken, 2);
      expect(rest).toEqual({ messages: onRoom.slice(3), more: false, complete: true });
      expect(await bus.replay!('demo', 'room', onRoom.at(-1)!.timetoken, 10)).toEqual({ messages: [], more: false, complete: true });
      expect((await bus.replay!('nobody', 'room', '0', 10)).messages).toEqual([]);
    });

    it.runIf(options.retains === true)('links each message to the one before it on its channel, on what it delivers and on the publisher’s copy', async () => {
      const bus = await newBus();
      const node = attach(bus, ['linked', 'beside']);
      const sent = [message('demo', 'linked', 1), message('demo', 'beside', 2), message('demo', 'linked', 3), ...sharedEvent('demo', ['linked'], 'u1')];
      for (const one of sent) await bus.publish([one]);
      await arrived(node, sent.length);
      const onLinked = node.received.filter((m) => m.channel === 'linked');
      expect(onLinked.map((m) => m.prev)).toEqual([undefined, onLinked[0]!.timetoken, onLinked[1]!.timetoken]);
      expect(node.received).toEqual(sent); // what the publisher holds after publish says the same
      expect((await bus.replay!('demo', 'linked', '0', 10)).messages.map((m) => m.prev)).toEqual(onLinked.map((m) => m.prev));
    });

    it.runIf(options.retains !== true)('has no replay: it retains nothing', async () => {
      const bus = await newBus();
      expect(bus.replay).toBeUndefined();
    });

    it('refuses publishes once closed; closing again does nothing', async () => {
      const bus = await newBus();
      attach(bus, ['room']);
      await bus.close();
      await expect(bus.publish([message('demo', 'room', 'late')])).rejects.toThrow();
      await bus.close();
    });
  });
}
