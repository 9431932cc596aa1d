import { describe, expect, it } from 'vitest';
import { heapSummary, pretenuringChosen, pretenuringFromCommandLine } from './v8-flags.ts';

describe('pretenuringChosen', () => {
  it('finds each spelling V8 takes for the setting', () => {
    for (const arg of [
      '--allocation-site-pretenuring',
      '--no-allocation-site-pretenuring',
      '--noallocation-site-pretenuring',
      '--no_allocation_site_pretenuring',
      '-allocation-site-pretenuring',
    ]) {
      expect(pretenuringChosen(['--import', 'tsx', arg])).toBe(true);
    }
  });

  it('ignores other flags and longer names', () => {
    expect(pretenuringChosen(['--import', 'tsx', '--max-semi-space-size=64'])).toBe(false);
    expect(pretenuringChosen(['--allocation-site-pretenuring-x', '--trace-pretenuring-statistics'])).toBe(false);
  });
});

describe('pretenuringFromCommandLine', () => {
  it('reads the last flag that names the setting, as V8 does', () => {
    expect(pretenuringFromCommandLine(['--import', 'tsx'])).toBeUndefined();
    expect(pretenuringFromCommandLine(['--allocation-site-pretenuring'])).toBe(true);
    expect(pretenuringFromCommandLine(['--no_allocation_site_pretenuring'])).toBe(false);
    expect(pretenuringFromCommandLine(['--noallocation-site-pretenuring', '--allocation-site-pretenuring'])).toBe(true);
    expect(pretenuringFromCommandLine(['--allocation-site-pretenuring', '-no-allocation-site-pretenuring'])).toBe(false);
  });
});

describe('heapSummary', () => {
  it('says the node turned pretenuring off, and how to keep V8’s default', () => {
    expect(heapSummary([])).toBe("heap: V8's allocation-site pretenuring off (node --allocation-site-pretenuring keeps V8's default)");
  });

  it('says what the command line chose when it chose', () => {
    expect(heapSummary(['--allocation-site-pretenuring'])).toBe("heap: V8's allocation-site pretenuring on, as the node's command line says");
    expect(heapSummary(['--no-allocation-site-pretenuring'])).toBe("heap: V8's allocation-site pretenuring off, as the node's command line says");
  });
});
