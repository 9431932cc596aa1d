import { useServer } from '@roster/testing';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { PNOperationType, PNStatusCategory, type PNMessageEvent, type PNSignalEvent, type Roster } from '../src/index.ts';
import { clientFor, rejection, unique, viaCallback } from './helpers/roster.ts';
import { nextStatus, waitFor } from './helpers/wait.ts';

const server = useServer();
let sender: Roster;
const subscribers: Roster[] = [];

beforeAll(() => {
  sender = clientFor(server, 'sender');
});
afterEach(() => {
  for (const client of subscribers.splice(0)) client.destroy();
});

/** A connected subscriber collecting signals and messages. */
async function subscriber(channels: string[]): Promise<{ signals: PNSignalEvent[]; messages: PNMessageEvent[] }> {
  const client = clientFor(server, unique('watcher'));
  subscribers.push(client);
  const signals: PNSignalEvent[] = [];
  const messages: PNMessageEvent[] = [];
  client.addListener({ signal: (event) => signals.push(event), message: (event) => messages.push(event) });
  const connected = nextStatus(client, PNStatusCategory.PNConnectedCategory);
  client.subscribe().channels(channels).execute();
  await connected;
  return { signals, messages };
}

describe('signal() against a real Roster server', () => {
  it('fluent .sync(): answers a timetoken, and the signal reaches signal listeners only', async () => {
    const channel = unique('typing');
    const { signals, messages } = await subscriber([channel]);
    const { result, status } = await sender.signal().channel(channel).message({ type: 'typing', value: true }).sync();
    expect(status.isError()).toBe(false);
    expect(status.statusCode).toBe(200);
    expect(status.operation).toBe(PNOperationType.PNSignalOperation);
    expect(result.timetoken).toMatch(/^\d{17}$/);
    await waitFor('the signal', () => signals.length === 1);
    expect(signals[0]).toEqual({ channel, subscription: channel, timetoken: result.timetoken, message: { type: 'typing', value: true }, publisher: 'sender' });
    await new Promise((done) => setTimeout(done, 100));
    expect(messages).toEqual([]);
  });

  it('named arguments with .pnAsync(), and a customMessageType delivered with the signal', async () => {
    const channel = unique('receipts');
    const { signals } = await subscriber([channel]);
    const message = { type: 'receipt', messageTimetoken: '17000000000000001' };
    const { result, status } = await viaCallback(sender.signal({ channel, message, customMessageType: 'receipt' }));
    expect(status.isError()).toBe(false);
    expect(result?.timetoken).toMatch(/^\d{17}$/);
    await waitFor('the signal', () => signals.length === 1);
    expect(signals[0]).toMatchObject({ channel, message, publisher: 'sender', customMessageType: 'receipt', timetoken: result?.timetoken });
  });

  it('signals keep their order, and a channel name that needs encoding works', async () => {
    const channel = unique('a b/ü+');
    const { signals } = await subscriber([channel]);
    for (const value of [1, 2, 3]) await sender.signal().channel(channel).message(value).sync();
    await waitFor('three signals', () => signals.length === 3);
    expect(signals.map((event) => event.message)).toEqual([1, 2, 3]);
    expect(signals.every((event) => event.channel === channel)).toBe(true);
  });

  it('a missing channel, message or publishKey fails before sending, with PNValidationErrorCategory', async () => {
    for (const builder of [
      sender.signal().message('x'),
      sender.signal({ channel: 'c' }),
      clientFor(server, 'me', { publishKey: '' }).signal({ channel: 'c', message: 1 }),
    ]) {
      const error = await rejection(builder);
      expect(error).toMatchObject({
        status: { category: PNStatusCategory.PNValidationErrorCategory, statusCode: 0, operation: PNOperationType.PNSignalOperation },
      });
    }
    const { result, status } = await viaCallback(sender.signal().message('x'));
    expect(result).toBeNull();
    expect(status.isError()).toBe(true);
    expect(status.errorData?.information).toMatch(/channel/);
  });

  it('server refusals are 4xx statuses: an unknown publish key, a payload over 64 bytes', async () => {
    const stranger = clientFor(server, 'me', { publishKey: 'not-a-key' });
    const error = await rejection(stranger.signal({ channel: unique('x'), message: 1 }));
    expect(error).toMatchObject({ statusCode: 400, status: { category: PNStatusCategory.PNBadRequestCategory, operation: PNOperationType.PNSignalOperation } });

    const { result, status } = await viaCallback(sender.signal({ channel: unique('x'), message: { text: 'x'.repeat(80) } }));
    expect(result).toBeNull();
    expect(status.isError()).toBe(true);
    expect(status.statusCode).toBe(400);
    expect(status.category).toBe(PNStatusCategory.PNBadRequestCategory);
    expect(status.errorData?.information).toMatch(/too large/i);
  });
});
