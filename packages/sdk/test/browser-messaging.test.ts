/**
 * Browser smoke test of the messaging calls: the SDK's build, loaded unbundled in Chromium,
 * against a real Roster server on another origin, so the CORS preflights of the JSON POST
 * (addMessageAction) and of the DELETEs are exercised, as is delivery of signals and action
 * events to a subscribed page. Skipped, saying why, without /usr/bin/chromium or playwright-core.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildSdk } from '../scripts/build.ts';
import { chromiumMissing, evaluateInChromium } from './helpers/chromium.ts';
import { startRoster } from './helpers/roster.ts';

interface Outcome {
  signals: unknown[];
  actionEvents: string[];
  history: unknown;
  counts: unknown;
  actions: string[];
  afterDelete: number;
}

describe('browser: messaging', () => {
  if (chromiumMissing !== '') {
    it.skip(`smoke test skipped: ${chromiumMissing} not available on this machine`, () => undefined);
    return;
  }

  // Builds the SDK and starts a server and Chromium: on a busy 2-core machine that alone has taken over 30 s.
  it('signals, history, counts and message actions from Chromium against a Roster server', { timeout: 120_000 }, async () => {
    const out = mkdtempSync(join(tmpdir(), 'roster-sdk-browser-'));
    const roster = await startRoster();
    try {
      await buildSdk(out);
      const outcome = await evaluateInChromium<Outcome>(
        out,
        `(async () => {
          const sdk = await import('/index.js');
          const keys = { subscribeKey: 'demo', publishKey: 'demo', origin: ${JSON.stringify(roster.url)} };
          const ann = new sdk.Roster({ ...keys, userId: 'ann' });
          const bob = new sdk.Roster({ ...keys, userId: 'bob' });
          const signals = [];
          const actionEvents = [];
          const connected = new Promise((resolve) => bob.addListener({
            status: (status) => { if (status.category === 'PNConnectedCategory') resolve(); },
            signal: (event) => signals.push({ message: event.message, publisher: event.publisher }),
            messageAction: (event) => actionEvents.push(event.event + ':' + event.data.value),
          }));
          bob.subscribe().channels(['room']).execute();
          await connected;
          await ann.signal().channel('room').message({ type: 'typing', value: true }).sync();
          const first = (await ann.publish({ channel: 'room', message: { text: 'one' } }).sync()).result.timetoken;
          const second = (await ann.publish({ channel: 'room', message: { text: 'two' } }).sync()).result.timetoken;
          const { result: added } = await bob.addMessageAction().channel('room').messageTimetoken(first).action({ type: 'reaction', value: 'wave' }).sync();
          const { result: history } = await bob.fetchMessages({ channels: ['room'], includeMessageActions: true }).sync();
          const { result: counts } = await bob.messageCounts({ channels: ['room'], channelTimetokens: [first] }).sync();
          const { result: listed } = await bob.getMessageActions({ channel: 'room' }).sync();
          await bob.removeMessageAction({ channel: 'room', messageTimetoken: first, actionTimetoken: added.data.actionTimetoken }).sync();
          await ann.deleteMessages().channel('room').start(BigInt(second) - 1n).end(second).sync();
          const { result: after } = await bob.fetchMessages().channels('room').sync();
          const deadline = Date.now() + 5000;
          while ((signals.length < 1 || actionEvents.length < 2) && Date.now() < deadline) await new Promise((done) => setTimeout(done, 20));
          bob.destroy();
          return {
            signals,
            actionEvents,
            history: history.channels.room.map((item) => ({ text: item.message.text, uuid: item.uuid, actions: item.actions })),
            counts: counts.channels,
            actions: listed.data.map((action) => action.uuid + ':' + action.value),
            afterDelete: after.channels.room.length,
          };
        })()`,
      );
      expect(outcome).toEqual({
        signals: [{ message: { type: 'typing', value: true }, publisher: 'ann' }],
        actionEvents: ['added:wave', 'removed:wave'],
        history: [
          { text: 'one', uuid: 'ann', actions: { reaction: { wave: [{ uuid: 'bob', actionTimetoken: expect.stringMatching(/^\d{17}$/) }] } } },
          expect.objectContaining({ text: 'two', uuid: 'ann' }),
        ],
        counts: { room: 1 },
        actions: ['bob:wave'],
        afterDelete: 1,
      });
    } finally {
      await roster.close();
      rmSync(out, { recursive: true, force: true });
    }
  });
});
