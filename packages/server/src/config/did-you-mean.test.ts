import { describe, expect, it } from 'vitest';
import { didYouMean, nearest } from './did-you-mean.ts';

describe('nearest', () => {
  it('counts insertions, deletions and substitutions as one edit each, and a swap of two letters as two', () => {
    // "portt" (one insertion), "pot" (one deletion), "pord" (one substitution): within the 2 allowed.
    expect(nearest('portt', ['host', 'port'])).toBe('port');
    expect(nearest('pot', ['port', 'keysets'])).toBe('port');
    expect(nearest('pord', ['host', 'port'])).toBe('port');
    expect(nearest('prot', ['port'])).toBe('port');
    // "rpto" is four edits from "port": more than the 2 a four-letter name allows.
    expect(nearest('rpto', ['port'])).toBeUndefined();
  });

  it('allows a third of the letters to differ in a long name', () => {
    // 18 letters allow 6 edits.
    expect(nearest('maxmemberperchanne', ['maxMembersPerChannel'])).toBe('maxMembersPerChannel');
    expect(nearest('minMembersOfChan', ['maxMembersPerChannel'])).toBeUndefined();
  });

  it('ignores case and keeps the known spelling; the first of equally close names wins', () => {
    expect(nearest('ROSTER_PROT', ['ROSTER_HOST', 'ROSTER_PORT'])).toBe('ROSTER_PORT');
    expect(nearest('KeySets', ['keysets'])).toBe('keysets');
    expect(nearest('cat', ['bat', 'hat'])).toBe('bat');
    expect(nearest('anything', [])).toBeUndefined();
  });

  it('words the hint, or gives nothing', () => {
    expect(didYouMean('hots', ['host', 'port'])).toBe(' (did you mean host?)');
    expect(didYouMean('colour', ['host', 'port'])).toBe('');
  });
});
