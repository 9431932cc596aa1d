import { describe, expect, it } from 'vitest';
import type { BusMessage } from './bus.ts';
import { runBusContract } from '../../test/bus-contract/contract.ts';
import { InProcessBus } from './in-process-bus.ts';

// The contract's throwing receiver is reported to `onError`; here that report is checked on its own.
runBusContract({ name: 'InProcessBus', create: () => new InProcessBus({ onError: () => {} }) });

const message = (channel: string, timetoken: string): BusMessage => ({
  subKey: 'demo',
  channel,
  timetoken,
  envelope: `{"p":{"t":"${timetoken}","r":1},"c":"${channel}"}`,
});

describe('InProcessBus', () => {
  it('has handed a batch, whole, to every node before publish returns', () => {
    const bus = new InProcessBus();
    const seen: (readonly BusMessage[])[] = [];
    bus.attach((batch) => seen.push(batch));
    bus.attach((batch) => seen.push(batch));
    const batch = [message('a', '1'), message('b', '2')];
    void bus.publish(batch);
    expect(seen).toEqual([batch, batch]);
  });

  it('reports what a receiver threw, and the publish still resolves', async () => {
    const reported: unknown[] = [];
    const bus = new InProcessBus({ onError: (error) => reported.push(error) });
    const broken = new Error('broken node');
    bus.attach(() => {
      throw broken;
    });
    await expect(bus.publish([message('a', '1')])).resolves.toBeUndefined();
    expect(reported).toEqual([broken]);
  });

  it('gives the same receiver attached twice two places, each detached on its own', async () => {
    const bus = new InProcessBus();
    let calls = 0;
    const receive = () => void calls++;
    const first = bus.attach(receive);
    bus.attach(receive);
    await first.detach();
    await bus.publish([message('a', '1')]);
    expect(calls).toBe(1);
  });

  it('refuses to attach once closed', async () => {
    const bus = new InProcessBus();
    await bus.close();
    expect(() => bus.attach(() => {})).toThrow('closed');
  });
});
