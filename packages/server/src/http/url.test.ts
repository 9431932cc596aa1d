import Fastify, { type FastifyInstance } from 'fastify';
import { request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RosterError } from '../errors.ts';
import { malformedParameter, parseQueryString, queryAsSent, queryPairs, rawParamsOf } from './url.ts';

describe('parseQueryString', () => {
  it('decodes %XX only, keeps a plus, keeps repeated values, and marks the first bad escape (kept as sent)', () => {
    const query = parseQueryString('a=1+2&b=%C3%BC%20x&a=3&flag&bad=%E0%zz&=empty&&');
    expect(malformedParameter(query)).toBe('bad');
    expect(malformedParameter(parseQueryString('a=1&b%FF=2&c=%'))).toBe('b%FF');
    expect(malformedParameter(parseQueryString('a=%C3%BC&b=%25'))).toBeUndefined();
    expect({ ...query }).toEqual({ a: ['1+2', '3'], b: 'ü x', flag: '', bad: '%E0%zz', '': 'empty' });
    expect(queryPairs(query)).toEqual([
      ['a', '1+2'],
      ['a', '3'],
      ['b', 'ü x'],
      ['flag', ''],
      ['bad', '%E0%zz'],
      ['', 'empty'],
    ]);
  });

  it('takes names an object would inherit as plain parameters', () => {
    const query = parseQueryString('__proto__=x&constructor=y&hasOwnProperty=z');
    expect(Object.entries(query)).toEqual([
      ['__proto__', 'x'],
      ['constructor', 'y'],
      ['hasOwnProperty', 'z'],
    ]);
    expect(parseQueryString('uuid=u').toString).toBeUndefined();
    expect(Object.getPrototypeOf(Object.getPrototypeOf(query))).toBeNull();
  });
});

/** A router set up as the app's is, echoing how a request's URL was split. */
let app: FastifyInstance;
let port: number;

beforeAll(async () => {
  app = Fastify({ routerOptions: { querystringParser: parseQueryString } });
  const rest = rawParamsOf('/split/*');
  app.get('/split/*', async (request) => ({ routed: { ...(request.query as object) }, asSent: { ...queryAsSent(request) }, rest: rest(request)['*'] }));
  for (const path of ['/raw/:subKey/:channels/:callback', '/raw-rest/:channel/*'] as const) {
    const rawParams = rawParamsOf(path);
    app.get(path, async (request) => {
      try {
        return { routed: request.params, raw: rawParams(request) };
      } catch (error) {
        return { refused: error instanceof RosterError ? error.code : String(error) };
      }
    });
  }
  await app.listen({ host: '127.0.0.1', port: 0 });
  port = (app.server.address() as AddressInfo).port;
});
afterAll(() => app.close());

/** Sends `target` byte for byte as the request line's path and query. */
function split<TAnswer = { routed: object; asSent: object; rest: string }>(target: string): Promise<TAnswer> {
  return new Promise((resolve, reject) => {
    const request = httpRequest({ host: '127.0.0.1', port, path: target }, (response) => {
      let text = '';
      response.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
      response.on('end', () => resolve(JSON.parse(text) as TAnswer));
    });
    request.on('error', reject).end();
  });
}

describe('request URLs', () => {
  it('split the path as sent, and take the query the router parsed', async () => {
    expect(await split('/split/a%2Cb,c/%22x%20y%22?uuid=u&auth=t')).toEqual({
      routed: { uuid: 'u', auth: 't' },
      asSent: { uuid: 'u', auth: 't' },
      rest: 'a%2Cb,c/%22x%20y%22',
    });
  });

  it('read the query after the first `?` even where the router ends the path at a raw `#`', async () => {
    const answer = await split('/split/a#b/c?uuid=u&signature=s');
    expect(answer.routed).toEqual({ 'b/c?uuid': 'u', signature: 's' });
    expect(answer.asSent).toEqual({ uuid: 'u', signature: 's' });
    expect(answer.rest).toBe('a#b/c');
    expect((await split('/split/a?x=1#y')).asSent).toEqual({ x: '1#y' });
    expect((await split('/split/a#x=1')).asSent).toEqual({});
  });
});

describe('raw route parameters', () => {
  it('are read by name from the path as sent, where the router decodes them', async () => {
    expect(await split('/raw/s%20k/a%2Cb,c%2Fd/0')).toEqual({
      routed: { subKey: 's k', channels: 'a,b,c/d', callback: '0' },
      raw: { subKey: 's%20k', channels: 'a%2Cb,c%2Fd', callback: '0' },
    });
  });

  it('give a trailing `*` the rest of the path, slashes included', async () => {
    expect(await split<{ raw: object }>('/raw-rest/ch/%22a/b%22/c')).toMatchObject({ raw: { channel: 'ch', '*': '%22a/b%22/c' } });
    expect(await split<{ raw: object }>('/raw-rest/ch/?x=1')).toMatchObject({ raw: { channel: 'ch', '*': '' } });
    expect(await split<{ raw: object }>('/raw-rest/ch/a#b/c?x=1')).toMatchObject({ raw: { channel: 'ch', '*': 'a#b/c' } });
  });

  it('are a 404 when the path as sent has another length than the route the router matched', async () => {
    // The router ends the path at a raw `#`: it matched `/raw/s/a/0`, but four segments were sent after `/raw`.
    expect(await split('/raw/s/a/0#x/y')).toEqual({ refused: 'NOT_FOUND' });
    // A `/` after the first `?` is the query's, not the path's.
    expect(await split<{ raw: object }>('/raw/s/a/0#x?y=/z')).toMatchObject({ raw: { subKey: 's', channels: 'a', callback: '0#x' } });
  });
});
