import { describe, expect, it } from 'vitest';
import type { Store } from '../../src/store/store.ts';

const SUB = 'groups';
const OTHER = 'groups-b';

type After = { size: number; groups: number };

/** A `decide` that accepts and remembers what it was told. */
function recording() {
  const seen: After[] = [];
  return { seen, decide: (after: After) => void seen.push(after) };
}

const accept = () => {};

/** A `decide` refusing more than `maxSize` channels in the group or `maxGroups` groups in the keyset, as the domain's limits do. */
const limited =
  ({ maxSize = Infinity, maxGroups = Infinity }: { maxSize?: number; maxGroups?: number }) =>
  (after: After) => {
    if (after.size > maxSize) throw new Error(`group over ${maxSize} channels`);
    if (after.groups > maxGroups) throw new Error(`keyset over ${maxGroups} groups`);
  };

const settled = async <T>(attempts: Promise<T>[]) => {
  const outcomes = await Promise.allSettled(attempts);
  return {
    won: outcomes.flatMap((o) => (o.status === 'fulfilled' ? [o.value] : [])),
    lost: outcomes.flatMap((o) => (o.status === 'rejected' ? [o.reason as Error] : [])),
  };
};

/**
 * Channel groups (`Store.channelGroups`), as every backend must keep them: a group is a set of
 * channel names per keyset that exists while it holds one; names sort by code point; an add's
 * `decide` sees the counts after it and refuses by throwing, with nothing written, also when
 * adds race. Runs inside `runStoreContract`, on a fresh store for each test.
 */
export function channelGroupsContract(current: () => Store): void {
  const groups = () => current().channelGroups;
  const add = (group: string, channels: string[], decide: (after: After) => void = accept, subKey = SUB) => groups().add(subKey, group, channels, decide);
  const channelsOf = (group: string, subKey = SUB) => groups().channels(subKey, group, 1000);
  const groupsOf = (subKey = SUB) => groups().groups(subKey, 1000);
  /** Opens a pooled store's connections, so the racing writes that follow really run at once. */
  const warm = () => Promise.all(Array.from({ length: 16 }, () => groupsOf()));

  describe('channel groups', () => {
    it('adds channels, telling `decide` the size and group count after the add, and leaves those already there', async () => {
      const first = recording();
      expect(await add('g1', ['b', 'a'], first.decide)).toEqual({ added: ['b', 'a'], size: 2 });
      expect(first.seen).toEqual([{ size: 2, groups: 1 }]);

      const second = recording();
      expect(await add('g1', ['a', 'c', 'c', 'b'], second.decide)).toEqual({ added: ['c'], size: 3 });
      expect(second.seen).toEqual([{ size: 3, groups: 1 }]);

      const third = recording();
      expect(await add('g2', ['x'], third.decide)).toEqual({ added: ['x'], size: 1 });
      expect(third.seen).toEqual([{ size: 1, groups: 2 }]);

      const again = recording();
      expect(await add('g1', ['a', 'b', 'c'], again.decide)).toEqual({ added: [], size: 3 });
      expect(again.seen).toEqual([{ size: 3, groups: 2 }]);
      expect(await channelsOf('g1')).toEqual(['a', 'b', 'c']);
      expect(await groupsOf()).toEqual(['g1', 'g2']);
    });

    it('writes nothing when `decide` refuses, to an existing group or a new one', async () => {
      await add('g1', ['a']);
      const refuse = () => {
        throw new Error('refused');
      };
      await expect(add('g1', ['b', 'c'], refuse)).rejects.toThrow('refused');
      await expect(add('new', ['x'], refuse)).rejects.toThrow('refused');
      expect(await channelsOf('g1')).toEqual(['a']);
      expect(await channelsOf('new')).toEqual([]);
      expect(await groupsOf()).toEqual(['g1']);
      const after = recording();
      await add('g2', ['y'], after.decide);
      expect(after.seen).toEqual([{ size: 1, groups: 2 }]);
    });

    it('refuses at a limit: the add that would pass it, not the one that reaches it', async () => {
      const rule = limited({ maxSize: 3, maxGroups: 2 });
      await add('g1', ['a', 'b'], rule);
      await expect(add('g1', ['c', 'd'], rule)).rejects.toThrow('group over 3 channels');
      expect((await add('g1', ['c', 'a'], rule)).size).toBe(3);
      await add('g2', ['a'], rule);
      await expect(add('g3', ['a'], rule)).rejects.toThrow('keyset over 2 groups');
      // Adding to an existing group does not count as a new one.
      expect(await add('g2', ['b'], rule)).toEqual({ added: ['b'], size: 2 });
      expect(await groupsOf()).toEqual(['g1', 'g2']);
    });

    it('removes channels, answering those that were in the group, in the order given', async () => {
      await add('g1', ['a', 'b', 'c', 'd']);
      expect(await groups().remove(SUB, 'g1', ['d', 'missing', 'b', 'd'])).toEqual(['d', 'b']);
      expect(await channelsOf('g1')).toEqual(['a', 'c']);
      expect(await groups().remove(SUB, 'g1', ['b'])).toEqual([]);
      expect(await groups().remove(SUB, 'nowhere', ['a'])).toEqual([]);
      expect(await groups().remove(SUB, 'g1', [])).toEqual([]);
      expect(await channelsOf('g1')).toEqual(['a', 'c']);
    });

    it('lets a group vanish with its last channel, and counts it no longer', async () => {
      await add('g1', ['a', 'b']);
      await add('g2', ['c']);
      await groups().remove(SUB, 'g1', ['a', 'b']);
      expect(await groupsOf()).toEqual(['g2']);
      expect(await channelsOf('g1')).toEqual([]);
      expect(await groups().delete(SUB, 'g1')).toBe(false);
      const after = recording();
      await add('g3', ['d'], after.decide);
      expect(after.seen).toEqual([{ size: 1, groups: 2 }]);
      // An add of no channels creates no group.
      const empty = recording();
      expect(await add('g4', [], empty.decide)).toEqual({ added: [], size: 0 });
      expect(empty.seen).toEqual([{ size: 0, groups: 2 }]);
      expect(await groupsOf()).toEqual(['g2', 'g3']);
    });

    it('deletes a group with all its channels, once', async () => {
      await add('g1', ['a', 'b']);
      await add('g2', ['a']);
      expect(await groups().delete(SUB, 'g1')).toBe(true);
      expect(await groups().delete(SUB, 'g1')).toBe(false);
      expect(await channelsOf('g1')).toEqual([]);
      expect(await groupsOf()).toEqual(['g2']);
      expect(await add('g1', ['c'])).toEqual({ added: ['c'], size: 1 });
      expect(await channelsOf('g1')).toEqual(['c']);
      expect(await channelsOf('g2')).toEqual(['a']);
    });

    it('sorts groups and channels by code point', async () => {
      // Code point order, not UTF-16's: U+1F600 comes after U+FFFD; case before accents, no locale.
      const names = ['b', 'é', '\u{1F600}', 'B', '_', '\uFFFD', 'a', 'Z', 'a b', 'ab'];
      const sorted = ['B', 'Z', '_', 'a', 'a b', 'ab', 'b', 'é', '\uFFFD', '\u{1F600}'];
      await add('g', names);
      expect(await channelsOf('g')).toEqual(sorted);
      for (const name of names) await add(name, ['c']);
      expect(await groupsOf()).toEqual([...sorted.slice(0, 7), 'g', ...sorted.slice(7)]);
    });

    it('reads the channels of several groups at once, missing ones as empty', async () => {
      await add('g1', ['c', 'a', 'b']);
      await add('g2', ['z']);
      expect(await groups().channelsOf(SUB, ['g2', 'none', 'g1'], 100)).toEqual(
        new Map([
          ['g2', ['z']],
          ['none', []],
          ['g1', ['a', 'b', 'c']],
        ]),
      );
      expect(await groups().channelsOf(SUB, [], 100)).toEqual(new Map());
    });

    it('answers no more than the limit of any list', async () => {
      await add('g1', ['d', 'c', 'b', 'a']);
      await add('g2', ['y', 'x']);
      await add('g3', ['z']);
      expect(await groups().channels(SUB, 'g1', 2)).toEqual(['a', 'b']);
      expect(await groups().channels(SUB, 'g1', 0)).toEqual([]);
      expect(await groups().channels(SUB, 'g1', -1)).toEqual([]);
      expect(await groups().groups(SUB, 2)).toEqual(['g1', 'g2']);
      expect(await groups().groups(SUB, 0)).toEqual([]);
      expect(await groups().channelsOf(SUB, ['g1', 'g2', 'g3'], 1)).toEqual(
        new Map([
          ['g1', ['a']],
          ['g2', ['x']],
          ['g3', ['z']],
        ]),
      );
      expect(await groups().channelsOf(SUB, ['g1'], 0)).toEqual(new Map([['g1', []]]));
    });

    it('keeps keysets apart', async () => {
      const counts = recording();
      await add('g', ['a'], accept, SUB);
      await add('g', ['b'], counts.decide, OTHER);
      expect(counts.seen).toEqual([{ size: 1, groups: 1 }]);
      expect(await channelsOf('g', SUB)).toEqual(['a']);
      expect(await channelsOf('g', OTHER)).toEqual(['b']);
      expect(await groups().channelsOf(OTHER, ['g'], 10)).toEqual(new Map([['g', ['b']]]));
      expect(await groups().remove(OTHER, 'g', ['a'])).toEqual([]);
      expect(await groups().delete(OTHER, 'g')).toBe(true);
      expect(await groupsOf(OTHER)).toEqual([]);
      expect(await groupsOf(SUB)).toEqual(['g']);
      expect(await channelsOf('g', SUB)).toEqual(['a']);
    });

    describe('under concurrent writes', () => {
      it('lets racing adds fill a group to its limit and no further', async () => {
        const maxSize = 5;
        await add('busy', ['c0']);
        await warm();
        const channels = Array.from({ length: 12 }, (_, index) => `c${index + 1}`);
        const { won, lost } = await settled(channels.map((channel) => add('busy', [channel], limited({ maxSize }))));
        expect(won).toHaveLength(maxSize - 1);
        expect(lost).toHaveLength(channels.length - (maxSize - 1));
        for (const reason of lost) expect(reason.message).toBe(`group over ${maxSize} channels`);
        expect((await channelsOf('busy')).length).toBe(maxSize);
        expect(won.map((addition) => addition.size).sort()).toEqual([2, 3, 4, 5]);
      });

      it('lets racing adds create groups up to the keyset’s limit and no further', async () => {
        const maxGroups = 3;
        await add('g0', ['a']);
        await warm();
        const names = Array.from({ length: 10 }, (_, index) => `new-${index}`);
        const { won, lost } = await settled(names.map((name) => add(name, ['a'], limited({ maxGroups }))));
        expect(won).toHaveLength(maxGroups - 1);
        for (const reason of lost) expect(reason.message).toBe(`keyset over ${maxGroups} groups`);
        expect(await groupsOf()).toHaveLength(maxGroups);
      });

      it('lists a group exactly while it holds channels, whatever adds, removes and deletes race', async () => {
        await warm();
        for (let round = 0; round < 8; round++) {
          await add('flip', ['a']);
          await Promise.all([
            groups().remove(SUB, 'flip', ['a']),
            add('flip', [`b${round}`]),
            round % 2 === 0 ? groups().delete(SUB, 'flip') : groups().remove(SUB, 'flip', [`b${round}`]),
            add('flip', [`c${round}`]),
          ]);
          const held = await channelsOf('flip');
          expect(await groupsOf()).toEqual(held.length > 0 ? ['flip'] : []);
          await groups().delete(SUB, 'flip');
        }
      });
    });
  });
}
