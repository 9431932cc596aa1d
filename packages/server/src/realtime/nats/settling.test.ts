import { describe, expect, it, vi } from 'vitest';
import type { BusMessage } from '../bus.ts';
import { Settling } from './settling.ts';

const message = (subKey: string, channel: string, timetoken: string): BusMessage => ({ subKey, channel, timetoken, envelope: `{"p":{"t":"${timetoken}"}}` });

describe('Settling', () => {
  it('hands over what landed within the window in timetoken order, each channel’s order kept', async () => {
    const released: string[] = [];
    const settling = new Settling(30, (batch) => released.push(...batch.map((m) => `${m.channel}@${m.timetoken}`)));
    settling.add(message('demo', 'a', '20'));
    settling.add(message('demo', 'b', '10')); // landed after a later one of another channel
    settling.add(message('demo', 'a', '30'));
    expect(released).toEqual([]);
    await vi.waitFor(() => expect(released).toHaveLength(3), { timeout: 1000, interval: 5 });
    expect(released).toEqual(['b@10', 'a@20', 'a@30']);
    expect(settling.late).toBe(0);
  });

  it('counts a message that landed after a later one of its keyset was handed over, and still hands it over', async () => {
    const released: string[] = [];
    const settling = new Settling(0, (batch) => released.push(...batch.map((m) => `${m.subKey}/${m.channel}@${m.timetoken}`)));
    settling.add(message('demo', 'a', '20'));
    settling.add(message('other', 'a', '30'));
    await vi.waitFor(() => expect(released).toHaveLength(2), { timeout: 1000, interval: 5 });
    settling.add(message('demo', 'b', '10'));
    settling.add(message('other', 'b', '40'));
    await vi.waitFor(() => expect(released).toHaveLength(4), { timeout: 1000, interval: 5 });
    expect(released).toEqual(['demo/a@20', 'other/a@30', 'demo/b@10', 'other/b@40']);
    expect(settling.late).toBe(1);
  });

  it('drops what waits when stopped', async () => {
    const released: BusMessage[][] = [];
    const settling = new Settling(10, (batch) => released.push(batch));
    settling.add(message('demo', 'a', '1'));
    settling.stop();
    await new Promise((resolve) => setTimeout(resolve, 40));
    expect(released).toEqual([]);
  });
});
