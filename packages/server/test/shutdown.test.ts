import { setTimeout as sleep } from 'node:timers/promises';
import { rawConnection, startServer, type RunningServer } from '@roster/testing';
import { afterEach, describe, expect, it } from 'vitest';

// One SQLite node, also on the cluster run: these tests stop it.
let server: RunningServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

/** SIGTERM, then how long the node took to exit, in seconds. */
async function stopTimed(running: RunningServer, meanwhile: () => Promise<void> = async () => {}): Promise<{ code: number | null; seconds: number }> {
  const started = Date.now();
  const stopped = running.stop();
  await meanwhile();
  const code = await stopped;
  return { code, seconds: (Date.now() - started) / 1000 };
}

// Before the node closed connections at shutdown, the first waited out the keep-alive time (340 s) and the second for ever.
describe('SIGTERM', () => {
  it('answers a request still arriving, closes its keep-alive connection after the answer, and exits', async () => {
    server = await startServer({ args: ['--store', 'sqlite'] });
    const client = await rawConnection(server.url);
    const body = '{"name":"Late"}';
    client.socket.write(
      `PATCH /v2/objects/demo/uuids/late HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n{"name"`,
    );
    await sleep(300); // the node has the request's head
    const signalled = Date.now();
    let closedAfter = Number.POSITIVE_INFINITY;
    const stopped = await stopTimed(server, async () => {
      await sleep(1000);
      client.socket.write(body.slice('{"name"'.length));
      await client.closed;
      closedAfter = (Date.now() - signalled) / 1000;
    });
    expect(client.received()).toMatch(/^HTTP\/1\.1 200 /);
    expect(client.received()).toContain('"name":"Late"');
    // The client is told not to send another request on this connection.
    expect(client.received()).toMatch(/\r\nconnection: close\r\n/i);
    expect(client.received()).not.toMatch(/\r\nkeep-alive:/i);
    // Closed by the node soon after its answer, not cut at the end of the 10-second grace.
    expect(closedAfter).toBeLessThan(8);
    expect(stopped.code).toBe(0);
    expect(stopped.seconds).toBeLessThan(30);
  }, 60_000);

  it('does not wait for ever on a client that connected and sent nothing', async () => {
    server = await startServer({ args: ['--store', 'sqlite'] });
    const silent = await rawConnection(server.url);
    const stopped = await stopTimed(server);
    await silent.closed;
    expect(stopped.code).toBe(0);
    expect(stopped.seconds).toBeLessThan(30);
  }, 60_000);
});
