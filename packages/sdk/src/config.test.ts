import { describe, expect, it } from 'vitest';
import { heartbeatTimeout, resolveConfig } from './config.ts';

const base = { subscribeKey: 'demo', userId: 'me' };

describe('presence settings', () => {
  it('no presence timeout: nothing sent, no heartbeats; heartbeats announce the server default', () => {
    const config = resolveConfig(base);
    expect(config).toMatchObject({ presenceTimeout: undefined, heartbeatInterval: 0 });
    expect(heartbeatTimeout(config)).toBe(300);
    expect(heartbeatTimeout(resolveConfig({ ...base, heartbeatInterval: 60 }))).toBe(300);
  });

  it('a presence timeout brings heartbeats at half of it less a second, as PubNub SDKs send them', () => {
    expect(resolveConfig({ ...base, presenceTimeout: 120 })).toMatchObject({ presenceTimeout: 120, heartbeatInterval: 59 });
    expect(resolveConfig({ ...base, presenceTimeout: 2 }).heartbeatInterval).toBe(1);
    expect(resolveConfig({ ...base, presenceTimeout: 120, heartbeatInterval: 0 }).heartbeatInterval).toBe(0);
  });

  it('refuses what is not a whole number of seconds, naming the setting', () => {
    expect(() => resolveConfig({ ...base, presenceTimeout: 0 })).toThrow(/presenceTimeout/);
    expect(() => resolveConfig({ ...base, presenceTimeout: 20.5 })).toThrow(TypeError);
    expect(() => resolveConfig({ ...base, heartbeatInterval: -1 })).toThrow(/heartbeatInterval/);
    expect(() => resolveConfig({ ...base, heartbeatInterval: 86_401 })).toThrow(/heartbeatInterval/);
  });
});
