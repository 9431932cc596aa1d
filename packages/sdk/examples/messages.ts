/**
 * Messaging beyond publish: typing signals, history, unread counts, reactions (message
 * actions) and deleting a message, as a chat app uses them.
 * ROSTER_ORIGIN=http://127.0.0.1:8080 node --import tsx examples/messages.ts
 */
import { PNStatusCategory, Roster, type PNMessageActionEvent, type PNSignalEvent } from '@roster/sdk';

const origin = process.env['ROSTER_ORIGIN'] ?? 'http://127.0.0.1:8080';
const keys = { subscribeKey: process.env['SUBSCRIBE_KEY'] ?? 'demo', publishKey: process.env['PUBLISH_KEY'] ?? 'demo', origin };
const ann = new Roster({ ...keys, userId: 'ann' });
const bob = new Roster({ ...keys, userId: 'bob' });
const room = `room-${Date.now()}`;

// Bob listens for typing signals and reactions.
const signals: PNSignalEvent[] = [];
const reactions: PNMessageActionEvent[] = [];
const connected = new Promise<void>((resolve, reject) => {
  bob.addListener({
    status: (status) => {
      if (status.category === PNStatusCategory.PNConnectedCategory) resolve();
      else if (status.isError()) reject(new Error(`subscribe: ${status.category} ${status.errorData?.information ?? ''}`));
    },
    signal: (event) => {
      console.log(`signal from ${event.publisher}: ${JSON.stringify(event.message)}`);
      signals.push(event);
    },
    messageAction: (event) => {
      console.log(`action ${event.event} by ${event.data.uuid}: ${event.data.type} ${event.data.value} on ${event.data.messageTimetoken}`);
      reactions.push(event);
    },
  });
});
bob.subscribe().channels([room]).execute();
await connected;

// Where Bob last read, for his unread count.
const { result: lastRead } = await bob.time().sync();

await ann.signal().channel(room).message({ type: 'typing', value: true }).sync();
const sent: string[] = [];
for (const text of ['hi Bob', 'are you there?', 'typo mesage']) {
  sent.push((await ann.publish().channel(room).message({ text }).meta({ lang: 'en' }).sync()).result.timetoken);
}
await ann.signal({ channel: room, message: { type: 'typing', value: false } }).sync();

const { result: counts } = await bob.messageCounts().channels([room]).channelTimetokens([lastRead.timetoken]).sync();
console.log(`unread in ${room}: ${counts.channels[room]}`);

// Bob reacts to the first message; the reaction comes back as an event and in history.
const { result: reaction } = await bob.addMessageAction().channel(room).messageTimetoken(sent[0]!).action({ type: 'reaction', value: '👋' }).sync();
console.log(`reaction stored at ${reaction.data.actionTimetoken}`);

// Ann deletes her typo: start (kept) is one below the message's timetoken, end (deleted) is it.
const typo = BigInt(sent[2]!);
await ann.deleteMessages({ channel: room, start: typo - 1n, end: typo }).sync();

const { result: history } = await bob.fetchMessages().channels([room]).maximumPerChannel(25).includeMeta(true).includeMessageActions(true).sync();
for (const item of history.channels[room] ?? []) {
  console.log(
    `${item.timetoken} ${item.uuid}: ${JSON.stringify(item.message)} meta=${JSON.stringify(item.meta)} actions=${JSON.stringify(item.actions ?? {})}`,
  );
}

const { result: actions } = await ann.getMessageActions({ channel: room, limit: 10 }).sync();
console.log(`actions on ${room}: ${actions.data.map((action) => `${action.uuid} ${action.type} ${action.value}`).join(', ')}`);
await bob.removeMessageAction({ channel: room, messageTimetoken: sent[0]!, actionTimetoken: reaction.data.actionTimetoken }).sync();

const deadline = Date.now() + 5000;
while ((signals.length < 2 || reactions.length < 2) && Date.now() < deadline) await new Promise((done) => setTimeout(done, 50));
bob.destroy();
if (counts.channels[room] !== 3) throw new Error(`expected 3 unread messages, got ${counts.channels[room]}`);
if ((history.channels[room] ?? []).length !== 2) throw new Error('expected the typo to be deleted');
if (signals.length < 2 || reactions.length < 2) throw new Error(`expected 2 signals and 2 action events, got ${signals.length} and ${reactions.length}`);
console.log('messages: done');
