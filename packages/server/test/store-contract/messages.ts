import { describe, expect, it } from 'vitest';
import type { HistoryPage, MessageAction, Store, StoredMessage, TimetokenRange } from '../../src/store/store.ts';

const SUB = 'messages';

/** 17-digit timetokens as PubNub gives them, past 2^53: neighbours differ in the last digit only. */
const BASE = 17_300_000_000_000_000n;
const tt = (offset: number): string => String(BASE + BigInt(offset));
/** After every timetoken the tests store unless they say otherwise: nothing has expired by then. */
const NOW = tt(1_000_000);
const ALL: TimetokenRange = {};

const message = (channel: string, timetoken: string, extra: Partial<StoredMessage> = {}): StoredMessage => ({
  channel,
  timetoken,
  payload: JSON.stringify({ text: `message ${timetoken}` }),
  messageType: null,
  ...extra,
});

const action = (channel: string, messageTimetoken: string, actionTimetoken: string, extra: Partial<MessageAction> = {}): MessageAction => ({
  channel,
  messageTimetoken,
  actionTimetoken,
  type: 'reaction',
  value: '👍',
  uuid: 'alice',
  ...extra,
});

/** `start` of PubNub's history: the newest timetoken NOT returned. */
const before = (timetoken: string): TimetokenRange => ({ upper: { timetoken, inclusive: false } });
/** `end` of PubNub's history: the oldest timetoken returned. */
const from = (timetoken: string): TimetokenRange => ({ lower: { timetoken, inclusive: true } });

const timetokensOf = (page: HistoryPage<StoredMessage>) => page.items.map((m) => m.timetoken);

/**
 * Message persistence and message actions (`Store.messages`), as every backend must keep them.
 * Timetokens are 17-digit decimal text, compared as the 64-bit numbers they are. Runs inside
 * `runStoreContract`, on a fresh store for each test.
 */
export function messagesContract(current: () => Store): void {
  const history = (channel: string, range: TimetokenRange, limit: number, now = NOW, subKey = SUB) =>
    current().messages.history(subKey, channel, range, limit, now);
  const append = (...messages: StoredMessage[]) => current().messages.append(SUB, messages);
  /** Stores messages at `tt(offset)` for each offset, in one append. */
  const appendAt = (channel: string, offsets: number[]) => append(...offsets.map((offset) => message(channel, tt(offset))));

  describe('message persistence', () => {
    it('returns the newest page of a channel oldest first, each message as it was stored', async () => {
      const full = message('room', tt(3), {
        payload: '{"text": "héllo",  "n":[1, 2.50]}',
        meta: '{"lang":"fr"}',
        publisher: 'alice',
        customMessageType: 'chat-text',
        messageType: 4,
        expiresAt: tt(2_000_000),
      });
      await append(message('room', tt(2)), full, message('room', tt(0)));
      await appendAt('room', [4, 1]);
      await appendAt('hall', [5]);

      const page = await history('room', ALL, 3);
      expect(timetokensOf(page)).toEqual([tt(2), tt(3), tt(4)]);
      expect(page.more).toBe(true);
      expect(page.items[1]).toEqual(full);
      expect(page.items[0]).toEqual({ channel: 'room', timetoken: tt(2), payload: `{"text":"message ${tt(2)}"}`, messageType: null });
    });

    it('reads `start` as an exclusive upper bound and `end` as an inclusive lower bound', async () => {
      await appendAt('room', [0, 1, 2, 3, 4]);
      // PubNub's single-message read: start = tt + 1, end = tt.
      const one = await history('room', { lower: { timetoken: tt(2), inclusive: true }, upper: { timetoken: tt(3), inclusive: false } }, 10);
      expect(timetokensOf(one)).toEqual([tt(2)]);
      expect(timetokensOf(await history('room', before(tt(3)), 10))).toEqual([tt(0), tt(1), tt(2)]);
      expect(timetokensOf(await history('room', from(tt(3)), 10))).toEqual([tt(3), tt(4)]);
      const otherWay = { lower: { timetoken: tt(2), inclusive: false }, upper: { timetoken: tt(4), inclusive: true } };
      expect(timetokensOf(await history('room', otherWay, 10))).toEqual([tt(3), tt(4)]);
      const empty = { lower: { timetoken: tt(2), inclusive: false }, upper: { timetoken: tt(2), inclusive: true } };
      expect(await history('room', empty, 10)).toEqual({ items: [], more: false });
    });

    it('says whether older messages of the range remain, and pages back through all of them', async () => {
      await appendAt('room', [0, 1, 2, 3, 4, 5, 6]);
      expect((await history('room', ALL, 7)).more).toBe(false);
      expect((await history('room', ALL, 6)).more).toBe(true);
      expect((await history('room', from(tt(2)), 5)).more).toBe(false);
      expect((await history('room', from(tt(2)), 4)).more).toBe(true);

      const seen: string[] = [];
      let range: TimetokenRange = ALL;
      for (let pages = 0; pages < 10; pages++) {
        const page = await history('room', range, 3);
        seen.unshift(...timetokensOf(page));
        if (!page.more) break;
        range = before(page.items[0]!.timetoken);
      }
      expect(seen).toEqual([0, 1, 2, 3, 4, 5, 6].map(tt));
    });

    it('reads an empty channel as an empty page', async () => {
      expect(await history('nobody-here', ALL, 100)).toEqual({ items: [], more: false });
    });

    it('keeps the first message stored at a timetoken', async () => {
      await append(message('room', tt(1), { payload: '"first"' }));
      await append(message('room', tt(1), { payload: '"second"' }), message('room', tt(2), { payload: '"a"' }), message('room', tt(2), { payload: '"b"' }));
      const page = await history('room', ALL, 10);
      expect(page.items.map((m) => m.payload)).toEqual(['"first"', '"a"']);
    });

    it('stores every one of many appends made at once', async () => {
      const offsets = Array.from({ length: 40 }, (_, index) => index);
      await Promise.all(offsets.map((offset) => append(message(offset % 2 === 0 ? 'even' : 'odd', tt(offset)))));
      expect((await history('even', ALL, 100)).items).toHaveLength(20);
      expect(timetokensOf(await history('odd', ALL, 100))).toEqual(offsets.filter((o) => o % 2 === 1).map(tt));
    });

    it('leaves out a message from the timetoken it expires at', async () => {
      await append(message('room', tt(1)), message('room', tt(2), { expiresAt: tt(10) }));
      expect(timetokensOf(await history('room', ALL, 10, tt(9)))).toEqual([tt(1), tt(2)]);
      expect((await history('room', ALL, 10, tt(9))).items[1]!.expiresAt).toBe(tt(10));
      expect(timetokensOf(await history('room', ALL, 10, tt(10)))).toEqual([tt(1)]);
      expect(await current().messages.count(SUB, new Map([['room', '0']]), 100, tt(10))).toEqual(new Map([['room', 1]]));
    });

    it('purges expired messages and their actions, at most `limit` at a time', async () => {
      await append(
        message('room', tt(1), { expiresAt: tt(5) }),
        message('room', tt(2), { expiresAt: tt(6) }),
        message('hall', tt(3), { expiresAt: tt(7) }),
        message('room', tt(4), { expiresAt: tt(100) }),
        message('room', tt(8)),
      );
      for (const [channel, offset] of [
        ['room', 1],
        ['room', 2],
        ['hall', 3],
        ['room', 4],
      ] as const) {
        await current().messages.addAction(SUB, action(channel, tt(offset), tt(offset + 50)));
      }

      const purge = (limit: number) => current().messages.purgeExpired(tt(50), limit);
      expect(await purge(2)).toBe(2);
      expect(await purge(2)).toBe(1);
      expect(await purge(2)).toBe(0);
      // Read at an earlier `now`: the purged messages are gone, not hidden.
      expect(timetokensOf(await history('room', ALL, 10, tt(0)))).toEqual([tt(4), tt(8)]);
      expect(await history('hall', ALL, 10, tt(0))).toEqual({ items: [], more: false });
      const left = await current().messages.actionsOf(SUB, 'room', [tt(1), tt(2), tt(4)]);
      expect(left.map((a) => a.messageTimetoken)).toEqual([tt(4)]);
      expect(await current().messages.actionsOf(SUB, 'hall', [tt(3)])).toEqual([]);
    });

    it('removes the messages of a range and their actions, each bound inclusive or exclusive, no bounds all', async () => {
      await appendAt('room', [0, 1, 2, 3, 4, 5]);
      await appendAt('hall', [2, 3]);
      for (const offset of [0, 1, 2, 3, 4, 5]) await current().messages.addAction(SUB, action('room', tt(offset), tt(offset + 100)));
      await current().messages.addAction(SUB, action('hall', tt(2), tt(102)));
      const remove = (range: TimetokenRange) => current().messages.remove(SUB, 'room', range);
      const actionsLeft = async () => (await current().messages.actionsOf(SUB, 'room', [0, 1, 2, 3, 4, 5].map(tt))).map((a) => a.messageTimetoken);

      // PubNub's delete: the message at `end` goes, the one at `start` stays.
      expect(await remove({ lower: { timetoken: tt(1), inclusive: false }, upper: { timetoken: tt(3), inclusive: true } })).toBe(2);
      expect(timetokensOf(await history('room', ALL, 10))).toEqual([tt(0), tt(1), tt(4), tt(5)]);
      expect(await actionsLeft()).toEqual([tt(0), tt(1), tt(4), tt(5)]);

      expect(await remove({ lower: { timetoken: tt(1), inclusive: false }, upper: { timetoken: tt(1), inclusive: true } })).toBe(0);
      expect(await remove({ lower: { timetoken: tt(1), inclusive: true }, upper: { timetoken: tt(4), inclusive: false } })).toBe(1);
      expect(await remove(from(tt(5)))).toBe(1);
      expect(timetokensOf(await history('room', ALL, 10))).toEqual([tt(0), tt(4)]);
      expect(await remove(ALL)).toBe(2);
      expect(await history('room', ALL, 10)).toEqual({ items: [], more: false });
      expect(await actionsLeft()).toEqual([]);

      expect(timetokensOf(await history('hall', ALL, 10))).toEqual([tt(2), tt(3)]);
      expect(await current().messages.actionsOf(SUB, 'hall', [tt(2)])).toHaveLength(1);
    });

    it('counts the messages strictly after a timetoken per channel, no further than the cap', async () => {
      await appendAt('a', [1, 2, 3, 4, 5]);
      await appendAt('b', [1, 2]);
      await append(message('a', tt(6), { expiresAt: tt(7) }));
      const count = (after: Record<string, string>, cap: number, now = NOW) => current().messages.count(SUB, new Map(Object.entries(after)), cap, now);

      expect(await count({ a: tt(2), b: '0', c: '0' }, 100)).toEqual(
        new Map([
          ['a', 3],
          ['b', 2],
          ['c', 0],
        ]),
      );
      expect(await count({ a: tt(2), b: '0' }, 2)).toEqual(
        new Map([
          ['a', 2],
          ['b', 2],
        ]),
      );
      expect(await count({ a: tt(5), b: tt(2) }, 100)).toEqual(
        new Map([
          ['a', 0],
          ['b', 0],
        ]),
      );
      expect(await count({ a: tt(5) }, 100, tt(6))).toEqual(new Map([['a', 1]]));
      expect(await current().messages.count(SUB, new Map(), 100, NOW)).toEqual(new Map());
    });

    describe('counts leave out expired messages the purge has not deleted yet', () => {
      const expired = { expiresAt: tt(50) };
      const fresh = { expiresAt: tt(2_000_000) };
      const count = (after: Record<string, string>, cap: number, now = NOW) => current().messages.count(SUB, new Map(Object.entries(after)), cap, now);

      it('counts the fresh messages of the range and none of the expired ones', async () => {
        await append(
          message('a', tt(1), expired),
          message('a', tt(2)),
          message('a', tt(3), expired),
          message('a', tt(4), fresh),
          message('a', tt(5), expired),
          message('a', tt(6)),
          message('b', tt(3), expired),
        );
        // Expired messages of another keyset's channel of the same name count for neither.
        await current().messages.append('elsewhere', [message('a', tt(7), expired), message('a', tt(8))]);

        expect(await count({ a: tt(1), b: '0' }, 100)).toEqual(
          new Map([
            ['a', 3],
            ['b', 0],
          ]),
        );
        expect(await count({ a: '0' }, 100)).toEqual(new Map([['a', 3]]));
        expect(await count({ a: tt(4) }, 100)).toEqual(new Map([['a', 1]]));
        expect(await count({ a: tt(1), b: '0' }, 100, tt(49))).toEqual(
          new Map([
            ['a', 5],
            ['b', 1],
          ]),
        );
        expect(await current().messages.count('elsewhere', new Map([['a', '0']]), 100, NOW)).toEqual(new Map([['a', 1]]));

        expect(await current().messages.purgeExpired(NOW, 100)).toBe(5);
        expect(await count({ a: tt(1), b: '0' }, 100)).toEqual(
          new Map([
            ['a', 3],
            ['b', 0],
          ]),
        );
      });

      it('holds the cap wherever the expired messages are among the first it reads', async () => {
        // Ten messages each, seven fresh: the expired ones first, last or every third.
        const expiredAt = { early: [1, 2, 3], late: [8, 9, 10], spread: [2, 5, 8] };
        for (const [channel, offsets] of Object.entries(expiredAt)) {
          await append(...[1, 2, 3, 4, 5, 6, 7, 8, 9, 10].map((offset) => message(channel, tt(offset), offsets.includes(offset) ? expired : fresh)));
        }
        for (const cap of [0, 1, 4, 6, 7, 8, 100]) {
          const counted = Math.min(cap, 7);
          expect(await count({ early: '0', late: '0', spread: '0' }, cap), `cap ${cap}`).toEqual(
            new Map([
              ['early', counted],
              ['late', counted],
              ['spread', counted],
            ]),
          );
        }
        expect(await count({ early: tt(2), late: tt(2), spread: tt(2) }, 6)).toEqual(
          new Map([
            ['early', 6],
            ['late', 5],
            ['spread', 6],
          ]),
        );
      });

      it('counts 0 for a channel holding only expired messages, whatever the cap', async () => {
        await append(...[1, 2, 3, 4, 5].map((offset) => message('gone', tt(offset), expired)));
        for (const cap of [0, 1, 5, 100]) {
          expect(await count({ gone: '0' }, cap)).toEqual(new Map([['gone', 0]]));
          expect(await count({ gone: tt(2) }, cap)).toEqual(new Map([['gone', 0]]));
        }
        expect(await count({ gone: tt(2) }, 100, tt(49))).toEqual(new Map([['gone', 3]]));
      });

      it('counts right however many expired messages wait for the purge', async () => {
        // More than the 10,000 a store reads to take them off: it tests each message instead.
        const flood = Array.from({ length: 10_050 }, (_, offset) => message('flood', tt(offset), { expiresAt: tt(100_000) }));
        await current().messages.append(SUB, flood);
        await append(message('a', tt(1), expired), message('a', tt(2)), message('a', tt(3), fresh));

        const expected = new Map([
          ['a', 2],
          ['flood', 0],
        ]);
        expect(await count({ a: '0', flood: '0' }, 100)).toEqual(expected);
        expect(await count({ a: '0', flood: '0' }, 100, tt(99_999))).toEqual(
          new Map([
            ['a', 2],
            ['flood', 100],
          ]),
        );
        expect(await current().messages.purgeExpired(NOW, 10_000)).toBe(10_000);
        expect(await count({ a: '0', flood: '0' }, 100)).toEqual(expected);
      });
    });

    it('keeps keysets apart', async () => {
      const messages = current().messages;
      await messages.append('sub-x', [message('room', tt(1), { payload: '"x"' })]);
      await messages.append('sub-y', [message('room', tt(1), { payload: '"y"' }), message('room', tt(2))]);
      await messages.addAction('sub-x', action('room', tt(1), tt(10)));
      expect(await messages.addAction('sub-y', action('room', tt(1), tt(10)))).toBe(true);

      expect((await history('room', ALL, 10, NOW, 'sub-x')).items.map((m) => m.payload)).toEqual(['"x"']);
      expect(await messages.count('sub-x', new Map([['room', '0']]), 100, NOW)).toEqual(new Map([['room', 1]]));
      expect(await messages.remove('sub-y', 'room', ALL)).toBe(2);
      expect((await history('room', ALL, 10, NOW, 'sub-x')).items).toHaveLength(1);
      expect(await messages.actionsOf('sub-x', 'room', [tt(1)])).toHaveLength(1);
      expect(await messages.actionsOf('sub-y', 'room', [tt(1)])).toEqual([]);
      expect(await messages.removeAction('sub-y', 'room', tt(1), tt(10))).toBeUndefined();
      expect((await messages.actions('sub-x', 'room', ALL, 10)).items).toHaveLength(1);
    });

    it('compares 17-digit timetokens beyond 2^53 as numbers, also against small bounds', async () => {
      // As doubles 17000000000000001 and 17000000000000002 are one number; as text "10" < "5".
      const stored = ['17000000000000002', '17000000000000001', '9007199254740993', '5', '10', '9'];
      await append(...stored.map((timetoken) => message('big', timetoken)));
      expect(timetokensOf(await history('big', ALL, 10))).toEqual(['5', '9', '10', '9007199254740993', '17000000000000001', '17000000000000002']);
      expect(timetokensOf(await history('big', from('17000000000000002'), 10))).toEqual(['17000000000000002']);
      expect(timetokensOf(await history('big', before('17000000000000002'), 2))).toEqual(['9007199254740993', '17000000000000001']);
      expect(timetokensOf(await history('big', { lower: { timetoken: '9007199254740992', inclusive: false } }, 10))).toEqual([
        '9007199254740993',
        '17000000000000001',
        '17000000000000002',
      ]);
      expect(timetokensOf(await history('big', from('0'), 10))).toHaveLength(6);
      expect(timetokensOf(await history('big', before('5'), 10))).toEqual([]);
      expect(timetokensOf(await history('big', before('10'), 10))).toEqual(['5', '9']);
      expect(await current().messages.count(SUB, new Map([['big', '9']]), 100, NOW)).toEqual(new Map([['big', 4]]));
      expect(
        await current().messages.remove(SUB, 'big', {
          lower: { timetoken: '17000000000000001', inclusive: true },
          upper: { timetoken: '17000000000000001', inclusive: true },
        }),
      ).toBe(1);
      expect(timetokensOf(await history('big', from('10'), 10))).toEqual(['10', '9007199254740993', '17000000000000002']);
    });
  });

  describe('message actions', () => {
    const messages = () => current().messages;

    it('refuses the same action on the same message twice, whatever its own timetoken', async () => {
      expect(await messages().addAction(SUB, action('room', tt(1), tt(10)))).toBe(true);
      expect(await messages().addAction(SUB, action('room', tt(1), tt(11)))).toBe(false);
      expect(await messages().addAction(SUB, action('room', tt(1), tt(12), { uuid: 'bob' }))).toBe(true);
      expect(await messages().addAction(SUB, action('room', tt(1), tt(13), { value: '🎉' }))).toBe(true);
      expect(await messages().addAction(SUB, action('room', tt(1), tt(14), { type: 'edited' }))).toBe(true);
      expect(await messages().addAction(SUB, action('room', tt(2), tt(15)))).toBe(true);
      expect(await messages().addAction(SUB, action('hall', tt(1), tt(16)))).toBe(true);
      const stored = await messages().actionsOf(SUB, 'room', [tt(1)]);
      expect(stored.map((a) => a.actionTimetoken)).toEqual([tt(10), tt(12), tt(13), tt(14)]);
    });

    it('removes an action, resolving with it, and with undefined when there is none', async () => {
      const added = action('room', tt(1), tt(10), { type: 'edited', value: 'new text', uuid: 'bob' });
      await messages().addAction(SUB, added);
      expect(await messages().removeAction(SUB, 'room', tt(2), tt(10))).toBeUndefined();
      expect(await messages().removeAction(SUB, 'room', tt(1), tt(11))).toBeUndefined();
      expect(await messages().removeAction(SUB, 'hall', tt(1), tt(10))).toBeUndefined();
      expect(await messages().removeAction(SUB, 'room', tt(1), tt(10))).toEqual(added);
      expect(await messages().removeAction(SUB, 'room', tt(1), tt(10))).toBeUndefined();
      // Once removed, the same action may be added again.
      expect(await messages().addAction(SUB, { ...added, actionTimetoken: tt(20) })).toBe(true);
    });

    it('lists the newest actions of a channel within a range of action timetokens, oldest first', async () => {
      for (const offset of [10, 11, 12, 13, 14]) await messages().addAction(SUB, action('room', tt(offset - 10), tt(offset)));
      await messages().addAction(SUB, action('hall', tt(0), tt(15)));
      const page = await messages().actions(SUB, 'room', ALL, 3);
      expect(page.items.map((a) => a.actionTimetoken)).toEqual([tt(12), tt(13), tt(14)]);
      expect(page.items[0]).toEqual(action('room', tt(2), tt(12)));
      expect(page.more).toBe(true);
      expect((await messages().actions(SUB, 'room', ALL, 5)).more).toBe(false);
      const older = await messages().actions(SUB, 'room', before(tt(12)), 3);
      expect(older).toEqual({ items: [action('room', tt(0), tt(10)), action('room', tt(1), tt(11))], more: false });
      const ranged = await messages().actions(
        SUB,
        'room',
        { lower: { timetoken: tt(11), inclusive: true }, upper: { timetoken: tt(13), inclusive: true } },
        10,
      );
      expect(ranged.items.map((a) => a.actionTimetoken)).toEqual([tt(11), tt(12), tt(13)]);
      expect(await messages().actions(SUB, 'nowhere', ALL, 10)).toEqual({ items: [], more: false });
    });

    it('gives every action on the messages asked for, oldest first', async () => {
      await messages().addAction(SUB, action('room', tt(3), tt(10)));
      await messages().addAction(SUB, action('room', tt(1), tt(11)));
      await messages().addAction(SUB, action('room', tt(3), tt(12), { uuid: 'bob' }));
      await messages().addAction(SUB, action('room', tt(2), tt(13)));
      await messages().addAction(SUB, action('hall', tt(1), tt(14)));
      const found = await messages().actionsOf(SUB, 'room', [tt(3), tt(1), tt(1)]);
      expect(found).toEqual([action('room', tt(3), tt(10)), action('room', tt(1), tt(11)), action('room', tt(3), tt(12), { uuid: 'bob' })]);
      expect(await messages().actionsOf(SUB, 'room', [])).toEqual([]);
      expect(await messages().actionsOf(SUB, 'room', [tt(9)])).toEqual([]);
    });
  });
}
