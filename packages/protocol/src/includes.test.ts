import { describe, expect, it } from 'vitest';
import { objectIncludeTokens, parseIncludeTokens, relationIncludeTokens, type RelationIncludes } from './includes.ts';

const NONE: RelationIncludes = { custom: false, status: false, type: false, related: false, relatedCustom: false, relatedStatus: false, relatedType: false };
const FLAGS = Object.keys(NONE) as (keyof RelationIncludes)[];

describe('include tokens', () => {
  it('are written in the official SDKs’ order: own fields, then the related object’s', () => {
    expect(objectIncludeTokens({ custom: true, status: true, type: true })).toEqual(['status', 'type', 'custom']);
    const all = Object.fromEntries(FLAGS.map((flag) => [flag, true])) as unknown as RelationIncludes;
    expect(relationIncludeTokens(all, 'channel')).toEqual(['status', 'type', 'custom', 'channel', 'channel.status', 'channel.type', 'channel.custom']);
    expect(relationIncludeTokens({ ...NONE, relatedCustom: true }, 'uuid')).toEqual(['uuid.custom']);
    expect(relationIncludeTokens(NONE, 'uuid')).toEqual([]);
  });

  it('read back to the flags they were written from, for every combination', () => {
    for (let mask = 0; mask < 2 ** FLAGS.length; mask++) {
      const flags = Object.fromEntries(FLAGS.map((flag, bit) => [flag, (mask & (1 << bit)) !== 0])) as unknown as RelationIncludes;
      for (const related of ['channel', 'uuid'] as const) {
        const read = parseIncludeTokens([relationIncludeTokens(flags, related).join(',')], related);
        // Any related field implies the related object itself.
        const anyRelated = flags.related || flags.relatedCustom || flags.relatedStatus || flags.relatedType;
        expect(read).toEqual({ ...flags, related: anyRelated });
      }
    }
  });

  it('read repeated and comma-joined values, legacy prefixes, and ignore what they do not know', () => {
    expect(parseIncludeTokens(['custom, totalCount', 'space.custom', 'custom'], 'channel')).toEqual({
      ...NONE,
      custom: true,
      related: true,
      relatedCustom: true,
    });
    expect(parseIncludeTokens(['user'], 'uuid')).toEqual({ ...NONE, related: true });
    expect(parseIncludeTokens(['channel.custom'], 'uuid')).toEqual(NONE);
    expect(parseIncludeTokens(['channel.custom', 'status'])).toEqual({ ...NONE, status: true });
    expect(parseIncludeTokens(['channelx', 'channel.'], 'channel')).toEqual({ ...NONE, related: true });
  });
});
