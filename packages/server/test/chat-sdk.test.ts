/**
 * PubNub's Chat SDK (npm `@pubnub/chat`, built on the `pubnub` JavaScript SDK) driven end to end
 * against a Roster node: conversations, messages and their history, typing, receipts, unread
 * counts, reactions, edits, deletes, pins, threads, mentions and reports. Each feature is asserted
 * through what the Chat SDK hands an application, from a second user's client where the feature
 * is about another user seeing something.
 *
 * The clients reach the node through a recording proxy: when a test fails, the requests of that
 * test that got no 2xx are printed with their answers (CHAT_SDK_TRACE=1 prints every request).
 */
import { randomUUID } from 'node:crypto';
import { Chat, type Channel, type Message, type Mention, type Invite, type ReadReceipt, type MessageReport } from '@pubnub/chat';
import { useServer } from '@roster/testing';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { describeExchanges, startRecordingProxy, type RecordingProxy } from './recording-proxy.ts';

/** How long any one awaited event or stored state may take to show up. */
const DEADLINE_MS = 5_000;

/**
 * Polls `read` until it yields something other than undefined, null or false, and returns that.
 * An error thrown by `read` ends the wait at once: a refused request does not get better by asking again.
 */
async function eventually<T>(read: () => T | undefined | null | false | Promise<T | undefined | null | false>, what: string): Promise<T> {
  const deadline = Date.now() + DEADLINE_MS;
  for (;;) {
    const value = await read();
    if (value !== undefined && value !== null && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${DEADLINE_MS} ms waiting for ${what}`);
    await new Promise((done) => setTimeout(done, 50));
  }
}

/** Calls seen by a callback, for `eventually` to look through. */
function recorder<T>(): { seen: T[]; record: (value: T) => void } {
  const seen: T[] = [];
  return { seen, record: (value: T) => void seen.push(value) };
}

/** A channel id no other test uses. */
const unique = (label: string): string => `${label}-${randomUUID().slice(0, 8)}`;

const server = useServer({ args: ['--subscribe-hold', '5'] });
let proxy: RecordingProxy;
const chats: Chat[] = [];
const stops: (() => void)[] = [];

beforeAll(async () => {
  proxy = await startRecordingProxy(server.url);
});

afterAll(async () => {
  for (const stop of stops) stop();
  for (const chat of chats) chat.destroy();
  await proxy?.close();
});

beforeEach(({ onTestFailed }) => {
  const first = proxy.exchanges.length;
  onTestFailed(() => {
    const during = proxy.exchanges.slice(first);
    const shown =
      process.env['CHAT_SDK_TRACE'] === '1' ? during : during.filter(({ status }) => status === 'error' || (typeof status === 'number' && status >= 300));
    process.stderr.write(`\nRequests during the failed test${shown === during ? '' : ' that got no 2xx'}:\n${describeExchanges(shown) || '  (none)'}\n`);
  });
});

/**
 * A Chat SDK client for `userId` whose subscription loop is already running: it listens on a
 * channel of its own, so a listener added later joins a loop that resumes from a timetoken older
 * than anything published after the listener was added, and cannot miss it.
 */
async function chatAs(userId: string, name: string): Promise<Chat> {
  // A typing indicator expires after typingTimeout ms: long enough here that only a stop signal clears it within a test's deadline.
  const chat = await Chat.init({ publishKey: 'demo', subscribeKey: 'demo', userId, origin: proxy.origin, ssl: false, typingTimeout: 30_000 });
  chats.push(chat);
  await chat.currentUser.update({ name });
  const statuses = recorder<string>();
  chat.sdk.addListener({ status: (status) => statuses.record(String(status.category)) });
  const loop = chat.sdk.channel(`keepalive.${userId}`).subscription();
  loop.subscribe();
  stops.push(() => loop.unsubscribe());
  await eventually(() => statuses.seen.includes('PNConnectedCategory'), `${userId}'s subscription to connect`);
  return chat;
}

/** Registers a listener that is closed after the file; returns what it sees. */
function listen<T>(subscribe: (record: (value: T) => void) => () => void): T[] {
  const { seen, record } = recorder<T>();
  stops.push(subscribe(record));
  return seen;
}

let alice: Chat;
let bob: Chat;

beforeAll(async () => {
  alice = await chatAs('alice', 'Alice');
  bob = await chatAs('bob', 'Bob');
});

/** A direct conversation alice opened with bob, as each of them sees it. */
async function direct(label: string): Promise<{ aliceChannel: Channel; bobChannel: Channel }> {
  const bobUser = await eventually(() => alice.getUser('bob'), 'the user bob');
  const { channel } = await alice.createDirectConversation({ user: bobUser, channelId: unique(label) });
  const bobChannel = await eventually(() => bob.getChannel(channel.id), `bob to read channel ${channel.id}`);
  return { aliceChannel: channel, bobChannel };
}

/** A public channel alice created, as each of them sees it. */
async function publicChannel(label: string): Promise<{ aliceChannel: Channel; bobChannel: Channel }> {
  const channel = await alice.createPublicConversation({ channelId: unique(label), channelData: { name: label } });
  const bobChannel = await eventually(() => bob.getChannel(channel.id), `bob to read channel ${channel.id}`);
  return { aliceChannel: channel, bobChannel };
}

/** Sends `text` from `from` and returns the message as `to` receives it live (`to`: the same channel as any client holds it, the sender's own included). */
async function sendLive(from: Channel, to: Channel, text: string): Promise<Message> {
  const received = listen<Message>((record) => to.onMessageReceived(record));
  const { timetoken } = await from.sendText(text);
  return eventually(() => received.find((message) => message.timetoken === String(timetoken)), `"${text}" to arrive on ${to.id}`);
}

/**
 * The message at `timetoken` once the history of `channel` holds it. Polls with the bounded
 * getHistory that getMessage sends (`start=tt+1&end=tt&max=1`), as getMessage itself throws
 * (a null check in the SDK) when there is no such message.
 */
async function stored(channel: Channel, timetoken: string | number): Promise<Message> {
  const start = String(BigInt(timetoken) + 1n);
  return eventually(async () => {
    const { messages } = await channel.getHistory({ startTimetoken: start, endTimetoken: String(timetoken), count: 1 });
    return messages[0];
  }, `message ${timetoken} in the history of ${channel.id}`);
}

/** Sends `text` on `channel` and returns the stored message. */
async function sendStored(channel: Channel, text: string): Promise<Message> {
  const { timetoken } = await channel.sendText(text);
  return stored(channel, timetoken);
}

describe('Chat SDK against Roster', { timeout: 30_000 }, () => {
  it('creates, reads, lists and updates users', async () => {
    const dave = await alice.createUser('dave', { name: 'Dave', email: 'dave@example.com', custom: { team: 'blue' } });
    expect(dave).toMatchObject({ id: 'dave', name: 'Dave', email: 'dave@example.com', custom: { team: 'blue' } });

    expect(await bob.getUser('dave')).toMatchObject({ id: 'dave', name: 'Dave' });
    const { users } = await bob.getUsers({ filter: "name LIKE 'Dav*'" });
    expect(users.map((user) => user.id)).toEqual(['dave']);

    const renamed = await dave.update({ name: 'David' });
    expect(renamed.name).toBe('David');
    expect((await bob.getUser('dave'))?.name).toBe('David');
    expect(await bob.getUser('alice')).toMatchObject({ id: 'alice', name: 'Alice' });
  });

  it('opens a direct conversation: the channel, both memberships and an invite bob receives', async () => {
    const invites = listen<Invite>((record) => bob.currentUser.onInvited(record));
    const bobUser = (await alice.getUser('bob'))!;
    const channelId = unique('dm');
    const { channel, hostMembership, inviteeMembership } = await alice.createDirectConversation({
      user: bobUser,
      channelId,
      channelData: { name: 'Alice & Bob' },
    });

    expect(channel).toMatchObject({ id: channelId, name: 'Alice & Bob', type: 'direct' });
    expect(hostMembership.user.id).toBe('alice');
    expect(inviteeMembership).toMatchObject({ status: 'pending' });
    expect(inviteeMembership.user.id).toBe('bob');
    expect((await channel.getMembers()).members.map((member) => member.user.id).sort()).toEqual(['alice', 'bob']);

    const invite = await eventually(() => invites.find((seen) => seen.channelId === channelId), 'bob to be told of the invite');
    expect(invite).toMatchObject({ channelType: 'direct', invitedByUserId: 'alice' });
    expect(await bob.currentUser.isMemberOf(channelId)).toBe(true);
  });

  it('opens a group conversation with pending invitees and invites one more', async () => {
    const invites = listen<Invite>((record) => bob.currentUser.onInvited(record));
    const carol = await alice.createUser(unique('carol'), { name: 'Carol' });
    const erin = await alice.createUser(unique('erin'), { name: 'Erin' });
    const bobUser = (await alice.getUser('bob'))!;
    const channelId = unique('group');
    const { channel, hostMembership, inviteesMemberships } = await alice.createGroupConversation({
      users: [bobUser, carol],
      channelId,
      channelData: { name: 'Team' },
    });

    expect(channel).toMatchObject({ id: channelId, name: 'Team', type: 'group' });
    expect(hostMembership.user.id).toBe('alice');
    expect(inviteesMemberships.map((membership) => [membership.user.id, membership.status]).sort()).toEqual(
      [
        ['bob', 'pending'],
        [carol.id, 'pending'],
      ].sort(),
    );
    const invite = await eventually(() => invites.find((seen) => seen.channelId === channelId), 'bob to be told of the invite');
    expect(invite).toMatchObject({ channelType: 'group', invitedByUserId: 'alice' });

    const erinMembership = await channel.invite(erin);
    expect(erinMembership).toMatchObject({ status: 'pending' });
    const invitees = await channel.getInvitees();
    expect(invitees.members.map((member) => member.user.id).sort()).toEqual(['bob', carol.id, erin.id].sort());
  });

  it('sends text that the other user receives live and both read back with getHistory', async () => {
    const { aliceChannel, bobChannel } = await direct('history');
    const received = listen<Message>((record) => bobChannel.onMessageReceived(record));
    const sent: string[] = [];
    for (const text of ['one', 'two', 'three']) sent.push(String((await aliceChannel.sendText(text)).timetoken));

    await eventually(() => received.length >= 3, 'bob to receive three messages');
    expect(received.map((message) => [message.text, message.userId, message.timetoken])).toEqual([
      ['one', 'alice', sent[0]],
      ['two', 'alice', sent[1]],
      ['three', 'alice', sent[2]],
    ]);

    const history = await eventually(async () => {
      const page = await bobChannel.getHistory({ count: 10 });
      return page.messages.length >= 3 && page;
    }, 'three messages in the history');
    expect(history.messages.map((message) => [message.text, message.userId, message.timetoken, message.channelId])).toEqual([
      ['one', 'alice', sent[0], bobChannel.id],
      ['two', 'alice', sent[1], bobChannel.id],
      ['three', 'alice', sent[2], bobChannel.id],
    ]);
    expect(history.isMore).toBe(false);

    const firstTwo = await bobChannel.getHistory({ count: 2 });
    expect(firstTwo.messages.map((message) => message.text)).toEqual(['two', 'three']);
    expect(firstTwo.isMore).toBe(true);
    const older = await bobChannel.getHistory({ count: 2, startTimetoken: sent[1]! });
    expect(older.messages.map((message) => message.text)).toEqual(['one']);
  });

  it('reads one message by its timetoken with getMessage', async () => {
    const { aliceChannel, bobChannel } = await publicChannel('get-message');
    const first = await aliceChannel.sendText('first', { meta: { lang: 'en' } });
    await aliceChannel.sendText('second');

    await stored(bobChannel, first.timetoken);
    const message = await bobChannel.getMessage(String(first.timetoken));
    expect(message).toMatchObject({ timetoken: String(first.timetoken), text: 'first', userId: 'alice', channelId: bobChannel.id });
    expect(message.meta).toMatchObject({ lang: 'en' });
    expect(message.deleted).toBe(false);
  });

  it('shows a typing indicator to the other user and clears it', async () => {
    const { aliceChannel, bobChannel } = await direct('typing');
    const typing = listen<string[]>((record) => bobChannel.onTypingChanged(record));

    await aliceChannel.startTyping();
    await eventually(() => typing.some((ids) => ids.includes('alice')), 'bob to see alice typing');
    await aliceChannel.stopTyping();
    await eventually(() => typing.at(-1)?.length === 0, 'bob to see alice stop typing');
  });

  it('sends a read receipt the sender sees live and can fetch', async () => {
    const { aliceChannel, bobChannel } = await direct('receipts');
    const receipts = listen<ReadReceipt>((record) => aliceChannel.onReadReceiptReceived(record));
    const streamed = recorder<Record<string, string[]>>();
    const stopStream = await aliceChannel.streamReadReceipts(streamed.record);
    stops.push(stopStream);
    const received = listen<Message>((record) => bobChannel.onMessageReceived(record));
    const { timetoken } = await aliceChannel.sendText('did you read this?');
    const message = await eventually(() => received[0], 'bob to receive the message');

    const membership = await eventually(() => bob.currentUser.getMembership(bobChannel.id), "bob's membership");
    const updated = await membership.setLastReadMessage(message);
    expect(String(updated.lastReadMessageTimetoken)).toBe(String(timetoken));

    const receipt = await eventually(
      () => receipts.find((seen) => seen.userId === 'bob' && String(seen.lastReadTimetoken) === String(timetoken)),
      "alice to see bob's receipt",
    );
    expect(receipt).toBeDefined();
    await eventually(
      () => streamed.seen.some((byTimetoken) => byTimetoken[String(timetoken)]?.includes('bob')),
      'the receipt stream to put bob at the message',
    );
    const { receipts: fetched } = await aliceChannel.fetchReadReceipts();
    expect(fetched.find((seen) => seen.userId === 'bob')?.lastReadTimetoken).toBe(String(timetoken));
  });

  it('counts unread messages per channel and marks them all as read', async () => {
    const readerId = unique('reader');
    const reader = await chatAs(readerId, 'Reader');
    const readerUser = await eventually(() => alice.getUser(readerId), 'the reader');
    const channelId = unique('unread');
    const { channel } = await alice.createDirectConversation({ user: readerUser, channelId });
    for (const text of ['a', 'b', 'c']) await channel.sendText(text);

    const counts = await eventually(async () => {
      const all = await reader.getUnreadMessagesCounts();
      return all.find((entry) => entry.channel.id === channelId && entry.count === 3) && all;
    }, 'three unread messages');
    expect(counts.map((entry) => [entry.channel.id, entry.count])).toEqual([[channelId, 3]]);

    const membership = (await reader.currentUser.getMembership(channelId))!;
    expect(await membership.getUnreadMessagesCount()).toBe(3);

    const marked = await reader.markAllMessagesAsRead();
    expect(marked?.memberships.map((entry) => entry.channel.id)).toEqual([channelId]);
    expect(await reader.getUnreadMessagesCounts()).toEqual([]);

    await channel.sendText('d');
    const after = await eventually(async () => {
      const all = await reader.getUnreadMessagesCounts();
      return all.length > 0 && all;
    }, 'one new unread message');
    expect(after.map((entry) => [entry.channel.id, entry.count])).toEqual([[channelId, 1]]);
  });

  it('toggles a reaction on and off, seen live by the author and stored with the message', async () => {
    const { aliceChannel, bobChannel } = await publicChannel('reactions');
    const bobReceived = listen<Message>((record) => bobChannel.onMessageReceived(record));
    const aliceCopy = await sendLive(aliceChannel, aliceChannel, 'react to me');
    const bobCopy = await eventually(() => bobReceived[0], 'bob to receive the message');
    const updates = listen<Message>((record) => aliceCopy.onUpdated(record));

    const reacted = await bobCopy.toggleReaction('👍');
    expect(reacted.reactions).toEqual([{ value: '👍', isMine: true, userIds: ['bob'] }]);
    expect(reacted.hasUserReaction('👍')).toBe(true);
    const seenOn = await eventually(() => updates.find((message) => message.reactions.length === 1), "alice to see bob's reaction");
    expect(seenOn.reactions).toEqual([{ value: '👍', isMine: false, userIds: ['bob'] }]);

    const unreacted = await reacted.toggleReaction('👍');
    expect(unreacted.reactions).toEqual([]);
    await eventually(() => updates.length >= 2 && updates.at(-1)!.reactions.length === 0, 'alice to see the reaction removed');

    await unreacted.toggleReaction('🎉');
    const withReaction = await eventually(async () => {
      const message = await stored(aliceChannel, aliceCopy.timetoken);
      return message.reactions.length === 1 && message;
    }, 'the reaction stored with the message');
    expect(withReaction.reactions).toEqual([{ value: '🎉', isMine: false, userIds: ['bob'] }]);
  });

  it('edits a message: the new text is returned, seen live and stored', async () => {
    const { aliceChannel, bobChannel } = await publicChannel('edit');
    const bobReceived = listen<Message>((record) => bobChannel.onMessageReceived(record));
    const aliceCopy = await sendLive(aliceChannel, aliceChannel, 'helo');
    const bobCopy = await eventually(() => bobReceived[0], 'bob to receive the message');
    const updates = listen<Message>((record) => bobCopy.onUpdated(record));

    const edited = await aliceCopy.editText('hello');
    expect(edited.text).toBe('hello');
    await eventually(() => updates.find((update) => update.text === 'hello'), 'bob to see the edit');

    expect((await stored(bobChannel, aliceCopy.timetoken)).text).toBe('hello');
    expect((await bobChannel.getMessage(aliceCopy.timetoken)).text).toBe('hello');
  });

  it('soft-deletes a message and restores it', async () => {
    const { aliceChannel } = await publicChannel('soft-delete');
    const message = await sendStored(aliceChannel, 'oops');

    const deleted = await message.delete({ soft: true });
    expect(deleted).not.toBe(true);
    expect((deleted as Message).deleted).toBe(true);
    const storedDeleted = await aliceChannel.getMessage(message.timetoken);
    expect(storedDeleted.deleted).toBe(true);

    const restored = await storedDeleted.restore();
    expect(restored.deleted).toBe(false);
    const storedRestored = await aliceChannel.getMessage(message.timetoken);
    expect(storedRestored.deleted).toBe(false);
    expect(storedRestored.text).toBe('oops');
  });

  it('hard-deletes a message from the history', async () => {
    const { aliceChannel } = await publicChannel('hard-delete');
    const keep = await sendStored(aliceChannel, 'keep');
    const drop = await sendStored(aliceChannel, 'drop');

    expect(await drop.delete()).toBe(true);
    const { messages } = await aliceChannel.getHistory({ count: 10 });
    expect(messages.map((message) => message.text)).toEqual(['keep']);
    const around = await aliceChannel.getHistory({ startTimetoken: String(BigInt(drop.timetoken) + 1n), endTimetoken: drop.timetoken });
    expect(around.messages).toEqual([]);
    expect((await aliceChannel.getMessage(keep.timetoken)).text).toBe('keep');
  });

  it('pins a message to the channel, reads it back and unpins it', async () => {
    const { aliceChannel, bobChannel } = await publicChannel('pin');
    const message = await sendStored(aliceChannel, 'read the rules');
    await aliceChannel.sendText('something else');

    const pinned = await aliceChannel.pinMessage(message);
    expect((await pinned.getPinnedMessage())?.text).toBe('read the rules');
    const asBobSees = await eventually(async () => {
      const channel = await bob.getChannel(bobChannel.id);
      return channel?.custom?.['pinnedMessageTimetoken'] !== undefined && channel;
    }, 'bob to read the pinned channel');
    const bobPinned = await asBobSees.getPinnedMessage();
    expect(bobPinned).toMatchObject({ text: 'read the rules', timetoken: message.timetoken });

    const unpinned = await pinned.unpinMessage();
    expect(await unpinned.getPinnedMessage()).toBeNull();
  });

  it('starts a thread on a message, replies in it, reads its history and removes it', async () => {
    const { aliceChannel, bobChannel } = await publicChannel('threads');
    const root = await sendStored(aliceChannel, 'thread root');

    const { threadChannel, parentMessage } = await root.createThread('first reply');
    expect(parentMessage.hasThread).toBe(true);
    expect(threadChannel.parentChannelId).toBe(aliceChannel.id);

    const bobRoot = await bobChannel.getMessage(root.timetoken);
    expect(bobRoot.hasThread).toBe(true);
    const bobThread = await bobRoot.getThread();
    expect(bobThread.id).toBe(threadChannel.id);
    const replies = listen<Message>((record) => bobThread.onMessageReceived(record));
    await threadChannel.sendText('second reply');
    await eventually(() => replies.find((reply) => reply.text === 'second reply'), 'bob to receive the reply in the thread');

    const history = await eventually(async () => {
      const page = await bobThread.getHistory({ count: 10 });
      return page.messages.length >= 2 && page;
    }, 'two replies in the thread history');
    expect(history.messages.map((message) => [message.text, message.userId])).toEqual([
      ['first reply', 'alice'],
      ['second reply', 'alice'],
    ]);
    expect(history.messages.every((message) => message.parentChannelId === aliceChannel.id)).toBe(true);

    const current = await aliceChannel.getMessage(root.timetoken);
    expect(await current.removeThread()).toBe(true);
    expect((await aliceChannel.getMessage(root.timetoken)).hasThread).toBe(false);
    expect(await alice.getChannel(threadChannel.id)).toBeNull();
  });

  it('mentions a user: they are told live and find it in getCurrentUserMentions', async () => {
    const { aliceChannel } = await publicChannel('mentions');
    const mentions = listen<Mention>((record) => bob.currentUser.onMentioned(record));
    const draft = aliceChannel.createMessageDraft();
    draft.update('Hi Bob, look');
    draft.addMention(3, 3, 'mention', 'bob');
    const { timetoken } = await draft.send();

    const mention = await eventually(() => mentions.find((seen) => seen.channelId === aliceChannel.id), 'bob to be told of the mention');
    expect(mention).toMatchObject({ messageTimetoken: String(timetoken), mentionedByUserId: 'alice' });

    const listed = await eventually(async () => {
      const page = await bob.getCurrentUserMentions();
      return page.mentions.find((entry) => entry.channelId === aliceChannel.id);
    }, "the mention in bob's mentions");
    expect(listed.userId).toBe('alice');
    expect(listed.message).toMatchObject({ timetoken: String(timetoken), userId: 'alice', channelId: aliceChannel.id });
    expect(listed.message.getMessageElements()).toEqual([
      { type: 'text', content: { text: 'Hi ' } },
      { type: 'mention', content: { id: 'bob', name: 'Bob' } },
      { type: 'text', content: { text: ', look' } },
    ]);
  });

  it("reports a message: moderators see it live and in the channel's report history", async () => {
    const { aliceChannel, bobChannel } = await publicChannel('reports');
    const reports = listen<MessageReport>((record) => aliceChannel.onMessageReported(record));
    const received = listen<Message>((record) => bobChannel.onMessageReceived(record));
    await aliceChannel.sendText('buy cheap watches');
    const message = await eventually(() => received[0], 'bob to receive the message');

    await message.report('spam');
    const report = await eventually(() => reports[0], 'alice to see the report');
    expect(report).toMatchObject({ reason: 'spam', text: 'buy cheap watches', messageTimetoken: message.timetoken, reportedUserId: 'alice' });

    const history = await eventually(async () => {
      const page = await aliceChannel.getMessageReportsHistory();
      return page.events.length > 0 && page;
    }, 'the report in the history');
    expect(history.events.map((event) => [event.type, event.userId, event.payload.reason, event.payload.reportedMessageTimetoken])).toEqual([
      ['report', 'bob', 'spam', message.timetoken],
    ]);
  });
});

describe('Chat SDK presence and channel groups against Roster', { timeout: 30_000 }, () => {
  /** A user of their own (present only on their keepalive channel), so presence answers are exact. */
  async function visitorChat(label: string): Promise<{ id: string; chat: Chat }> {
    const id = unique(label);
    return { id, chat: await chatAs(id, label) };
  }

  it('whoIsPresent, isPresent and wherePresent follow a user who connects to a channel and disconnects', async () => {
    const { id: visitorId, chat: visitor } = await visitorChat('visitor');
    const channel = await alice.createPublicConversation({ channelId: unique('presence'), channelData: { name: 'Presence' } });
    const visitorChannel = await eventually(() => visitor.getChannel(channel.id), 'the visitor to read the channel');
    const disconnect = visitorChannel.onMessageReceived(() => {});

    await eventually(async () => (await channel.whoIsPresent()).includes(visitorId), 'the visitor to be present');
    expect(await channel.whoIsPresent()).toEqual([visitorId]);
    expect(await alice.whoIsPresent(channel.id)).toEqual([visitorId]);
    expect(await channel.isPresent(visitorId)).toBe(true);
    expect(await channel.isPresent('alice')).toBe(false);
    expect(await alice.isPresent(visitorId, channel.id)).toBe(true);
    const visitorUser = (await alice.getUser(visitorId))!;
    expect(await visitorUser.isPresentOn(channel.id)).toBe(true);
    const keepalive = `keepalive.${visitorId}`;
    expect((await alice.wherePresent(visitorId)).sort()).toEqual([channel.id, keepalive].sort());
    expect((await visitor.currentUser.wherePresent()).sort()).toEqual([channel.id, keepalive].sort());

    disconnect();
    await eventually(async () => (await channel.whoIsPresent()).length === 0, 'the visitor to be gone');
    expect(await channel.isPresent(visitorId)).toBe(false);
    expect(await visitorUser.isPresentOn(channel.id)).toBe(false);
    expect(await alice.wherePresent(visitorId)).toEqual([keepalive]);
  });

  it('streamPresence reports a second user joining the channel and leaving it', async () => {
    const { id: guestId, chat: guest } = await visitorChat('guest');
    const channel = await alice.createPublicConversation({ channelId: unique('stream-presence'), channelData: { name: 'Stream' } });
    const streamed = recorder<string[]>();
    stops.push(await channel.streamPresence(streamed.record));
    // Streaming subscribes alice to the channel and its presence: she is present there too.
    await eventually(async () => (await channel.whoIsPresent()).includes('alice'), 'alice to be present');

    const guestChannel = await eventually(() => guest.getChannel(channel.id), 'the guest to read the channel');
    // join() makes the guest a member; connecting (receiving the channel's messages) makes them present.
    await guestChannel.join();
    const disconnect = guestChannel.connect(() => {});
    await eventually(() => streamed.seen.some((ids) => ids.includes(guestId)), 'the stream to list the guest');
    expect(await channel.whoIsPresent()).toEqual(['alice', guestId].sort());

    disconnect();
    await guestChannel.leave();
    await eventually(() => streamed.seen.length > 0 && !streamed.seen.at(-1)!.includes(guestId), 'the stream to drop the guest');
    expect(await channel.whoIsPresent()).toEqual(['alice']);
  });

  it('streamPresence tells the streaming user of their own join', async () => {
    const channel = await alice.createPublicConversation({ channelId: unique('stream-self'), channelData: { name: 'Self' } });
    const streamed = recorder<string[]>();
    stops.push(await channel.streamPresence(streamed.record));
    // The join comes from alice's heartbeat as her subscription grows by the channel and its
    // presence channel; her next poll resumes from a timetoken older than the join.
    await eventually(() => streamed.seen.some((ids) => ids.includes('alice')), 'the stream to list alice');
  });

  it('a channel group: adds, lists and removes channels, receives their messages, tells who is present, is removed', async () => {
    const { id: readerId, chat: reader } = await visitorChat('reader');
    const [first, second, third] = await Promise.all(
      ['first', 'second', 'third'].map((label) => alice.createPublicConversation({ channelId: unique(`cg-${label}`), channelData: { name: label } })),
    );
    const groupId = unique('group');
    const group = alice.getChannelGroup(groupId);
    expect(group.id).toBe(groupId);

    await group.addChannels([first!, second!]);
    await group.addChannelIdentifiers([third!.id]);
    const listed = await group.listChannels();
    expect(listed.channels.map((channel) => channel.id).sort()).toEqual([first!.id, second!.id, third!.id].sort());
    expect(listed.channels.find((channel) => channel.id === first!.id)?.name).toBe('first');
    await group.removeChannels([second!]);
    expect((await group.listChannels()).channels.map((channel) => channel.id).sort()).toEqual([first!.id, third!.id].sort());

    const readerGroup = reader.getChannelGroup(groupId);
    const received = listen<Message>((record) => readerGroup.onMessageReceived(record));
    await eventually(
      async () =>
        Object.values(await readerGroup.whoIsPresent())
          .flat()
          .includes(readerId),
      'the reader to be present through the group',
    );
    const { timetoken } = await third!.sendText('to the group');
    const message = await eventually(() => received.find((seen) => seen.timetoken === String(timetoken)), 'the message on a channel of the group');
    expect(message).toMatchObject({ text: 'to the group', channelId: third!.id, userId: 'alice' });

    const present = await readerGroup.whoIsPresent();
    expect(present).toEqual({ [first!.id]: [readerId], [third!.id]: [readerId] });

    await alice.removeChannelGroup(groupId);
    expect((await group.listChannels()).channels).toEqual([]);
  });
});
