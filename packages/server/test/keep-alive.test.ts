import { Agent, request } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { rawAnswer, useServer } from '@roster/testing';
import { describe, expect, it } from 'vitest';

const server = useServer();

/** A GET through `agent`: its status, and whether it went on a connection an earlier request left open. */
function get(agent: Agent, path: string): Promise<{ status: number; reusedSocket: boolean }> {
  return new Promise((resolve, reject) => {
    const sent = request(`${server.url}${path}`, { agent }, (response) => {
      response.resume();
      response.on('end', () => resolve({ status: response.statusCode ?? 0, reusedSocket: sent.reusedSocket }));
    });
    sent.on('error', reject).end();
  });
}

describe('keep-alive connections', () => {
  it('are kept open a minute longer than a poll is held when idle, and say so', async () => {
    const { headers } = await rawAnswer(`${server.url}/time/0`);
    expect(headers.get('keep-alive')).toEqual(['timeout=340']); // the default hold, 280 s, and 60
  });

  // Node's own server closes them after 5 s (and a second of grace): a balancer keeping its
  // connections to the node longer (as it must, for held polls) would send requests into closing ones.
  it('still carry a request after 7 s idle', async () => {
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    try {
      expect(await get(agent, '/time/0')).toEqual({ status: 200, reusedSocket: false });
      await sleep(7_000);
      expect(await get(agent, '/v2/objects/demo/uuids')).toEqual({ status: 200, reusedSocket: true });
    } finally {
      agent.destroy();
    }
  });
});

describe('keep-alive connections of a node with a shorter hold', () => {
  // (4.1 + 60) × 1000 is 64099.99999999999 in floating point, which Node's server refused at start.
  const shorter = useServer({ args: ['--subscribe-hold', '4.1'] });

  it('are kept open for that hold and a minute', async () => {
    const { headers } = await rawAnswer(`${shorter.url}/time/0`);
    expect(headers.get('keep-alive')).toEqual(['timeout=64']);
  });
});
