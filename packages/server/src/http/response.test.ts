import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { rawAnswer, rawConnection } from '@roster/testing';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { SERVER_HEADER } from '../version.ts';
import { closableResponses, RosterResponse } from './response.ts';

/** How each test's handler writes its answer. */
const writers: Record<string, (response: ServerResponse) => void> = {
  'a frozen headers object': (response) => response.writeHead(200, Object.freeze({ 'content-type': 'text/plain' })).end('ok'),
  'a reason phrase and headers': (response) => response.writeHead(201, 'Made', { 'content-type': 'text/plain' }).end('ok'),
  'raw header pairs': (response) => response.writeHead(200, ['content-type', 'text/plain']).end('ok'),
  'no writeHead at all': (response) => response.end('ok'),
  'its own Server header': (response) => {
    response.setHeader('server', 'elsewhere');
    response.writeHead(200, { 'Access-Control-Allow-Origin': 'https://app.example' }).end('ok');
  },
};

const server = createServer({ ServerResponse: RosterResponse }, (incoming, response) => writers[decodeURIComponent(incoming.url!.slice(1))]!(response));
let port = 0;
beforeAll(
  () =>
    new Promise<void>((ready) =>
      server.listen(0, '127.0.0.1', () => {
        port = (server.address() as AddressInfo).port;
        ready();
      }),
    ),
);
afterAll(() => new Promise<void>((closed) => server.close(() => closed())));

const fetchRaw = (how: string) => rawAnswer(`http://127.0.0.1:${port}/${encodeURIComponent(how)}`);

describe('RosterResponse', () => {
  it.each(['a frozen headers object', 'a reason phrase and headers', 'raw header pairs', 'no writeHead at all'])(
    'adds the Server and CORS headers once to an answer written with %s',
    async (how) => {
      const { status, headers } = await fetchRaw(how);
      expect(status).toBe(how === 'a reason phrase and headers' ? 201 : 200);
      expect(headers.get('server')).toEqual([SERVER_HEADER]);
      expect(headers.get('access-control-allow-origin')).toEqual(['*']);
      expect(headers.get('access-control-expose-headers')).toEqual(['*']);
    },
  );

  it('keeps the ones the answer set itself', async () => {
    const { headers } = await fetchRaw('its own Server header');
    expect(headers.get('server')).toEqual(['elsewhere']);
    expect(headers.get('access-control-allow-origin')).toEqual(['https://app.example']);
    expect(headers.get('access-control-expose-headers')).toEqual(['*']);
  });
});

describe('closableResponses', () => {
  it('keeps connections open until closed, then answers with Connection: close and ends the connection', async () => {
    const responses = closableResponses();
    const closable = createServer({ ServerResponse: responses.Response }, (_incoming, response) => response.end('ok'));
    await new Promise<void>((ready) => closable.listen(0, '127.0.0.1', ready));
    const { socket, received, closed } = await rawConnection(`http://127.0.0.1:${(closable.address() as AddressInfo).port}`);
    const ask = async () => {
      const before = received().length;
      socket.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
      await vi.waitFor(() => expect(received().slice(before)).toMatch(/ok$/));
      return received().slice(before);
    };
    try {
      expect(await ask()).toMatch(/\r\nconnection: keep-alive\r\n/i);
      responses.close();
      const last = await ask();
      expect(last).toMatch(/\r\nconnection: close\r\n/i);
      expect(last).toContain(`Server: ${SERVER_HEADER}`);
      await closed;
    } finally {
      socket.destroy();
      await new Promise<void>((closed) => closable.close(() => closed()));
    }
  });
});
