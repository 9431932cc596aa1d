import { describe, expect, it } from 'vitest';
import { pretenuringChosen } from './v8-flags.ts';

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
