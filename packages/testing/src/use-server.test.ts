import { describe, expect, it } from 'vitest';
import { useServer } from './use-server.ts';

/** What reading the handle while the file is collected (before beforeAll) did. */
let readEarly: unknown;

describe('useServer()', () => {
  const server = useServer({ keysets: [{ publishKey: 'pub-fixture', subscribeKey: 'sub-fixture' }] });
  try {
    readEarly = server.url;
  } catch (error) {
    readEarly = error;
  }

  it('refuses to be read before the server has started', () => {
    expect(readEarly).toBeInstanceOf(Error);
    expect((readEarly as Error).message).toMatch(/starts in beforeAll/);
  });

  it('is a started server inside tests, answering at its url with the keysets it was given', async () => {
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(server.origin).toBe(server.url.replace('http://', ''));
    expect(server.process.exitCode).toBeNull();
    const known = await fetch(`${server.url}/v2/objects/sub-fixture/uuids/alice`);
    const unknown = await fetch(`${server.url}/v2/objects/demo/uuids/alice`);
    expect([known.status, unknown.status]).toEqual([404, 400]);
  });
});
