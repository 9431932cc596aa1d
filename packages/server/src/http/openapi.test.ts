import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compileErrors, dereference, validate } from '@readme/openapi-parser';
import Value from 'typebox/value';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signedQuery, signV2 } from '../../test/signing.ts';
import { loadConfig } from '../config.ts';
import { startNode, type RosterNode } from '../node.ts';
import { openApiPath } from './openapi.ts';

/** A node in this process, so its route table can be read beside the document: real HTTP, a database in memory. */
const SECRET = { publishKey: 'pub-oa', subscribeKey: 'sub-oa', secretKey: 'sec-oa' };
const dir = mkdtempSync(join(tmpdir(), 'roster-openapi-'));
let node: RosterNode;
let text: string;

type Json = Record<string, any>; // a parsed OpenAPI document: read field by field below

beforeAll(async () => {
  const config = join(dir, 'config.json');
  writeFileSync(config, JSON.stringify({ keysets: [{ publishKey: 'demo', subscribeKey: 'demo' }, SECRET] }));
  node = await startNode(loadConfig({ port: '0', db: ':memory:', logLevel: 'warn', config }, {}));
  const response = await fetch(`${node.url}/openapi.json`);
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toMatch(/^application\/json/);
  text = await response.text();
});
afterAll(async () => {
  await node.close();
  rmSync(dir, { recursive: true, force: true });
});

const documentNow = (): Json => JSON.parse(text) as Json;
const operations = (document: Json): string[] =>
  Object.entries(document['paths'] as Record<string, Json>).flatMap(([path, methods]) =>
    Object.keys(methods).map((method) => `${method.toUpperCase()} ${path}`),
  );

describe('GET /openapi.json', () => {
  it('is a valid OpenAPI 3.1 document', async () => {
    const result = await validate(documentNow());
    expect(result.valid, result.valid ? '' : compileErrors(result)).toBe(true);
    expect(documentNow()['openapi']).toBe('3.1.0');
  });

  it('documents every route the node serves, and nothing else', () => {
    const served = [...node.app.servedMethods].flatMap(([url, methods]) => methods.map((method) => `${method} ${openApiPath(url)}`));
    // Publish with the message in the path ends in a wildcard, which the 405 table leaves out.
    served.push('GET /publish/{pubKey}/{subKey}/{signature}/{channel}/{callback}/{message}');
    served.push('GET /signal/{pubKey}/{subKey}/{signature}/{channel}/{callback}/{message}');
    expect(operations(documentNow()).sort()).toEqual(served.sort());
    expect(served.length).toBeGreaterThanOrEqual(21);
  });

  it('takes parameters and bodies from the route schemas, and gives each service’s error envelope', () => {
    const setUser = documentNow()['paths']['/v2/objects/{subKey}/uuids/{id}']['patch'] as Json;
    const names = (setUser['parameters'] as Json[]).map((parameter) => `${String(parameter['in'])}:${String(parameter['name'])}`);
    expect(names).toEqual(
      expect.arrayContaining(['path:subKey', 'path:id', 'query:include', 'query:auth', 'query:signature', 'header:if-match', 'header:roster-custom-merge']),
    );
    expect(setUser['requestBody']['content']['application/json']['schema']['properties']).toHaveProperty('email');
    expect(setUser['responses']['4XX']['content']['application/json']['schema']).toEqual({ $ref: '#/components/schemas/ObjectsError' });
    const publish = documentNow()['paths']['/publish/{pubKey}/{subKey}/{signature}/{channel}/{callback}']['post'] as Json;
    expect(publish['requestBody']['content']).toHaveProperty(['*/*']);
    expect(publish['responses']['4XX']['content']['text/javascript']['schema']['oneOf']).toHaveLength(2);
  });
});

/** One real call, and the operation of the document that must describe its answer. */
interface Call {
  method: string;
  template: string;
  params?: Record<string, string>;
  query?: Record<string, string>;
  body?: string;
  status: number;
  /** Signs the call with the secret keyset's key. */
  signed?: boolean;
}

const USER = '/v2/objects/{subKey}/uuids/{id}';
const CALLS: Call[] = [
  {
    method: 'PATCH',
    template: USER,
    params: { subKey: 'demo', id: 'u1' },
    query: { include: 'custom,status,type' },
    body: '{"name":"U","custom":{"a":1},"status":"on"}',
    status: 200,
  },
  { method: 'GET', template: USER, params: { subKey: 'demo', id: 'u1' }, query: { include: 'custom' }, status: 200 },
  { method: 'GET', template: '/v2/objects/{subKey}/uuids', params: { subKey: 'demo' }, query: { count: 'true', include: 'custom' }, status: 200 },
  {
    method: 'PATCH',
    template: '/v2/objects/{subKey}/channels/{id}',
    params: { subKey: 'demo', id: 'c1' },
    body: '{"name":"C","description":"d"}',
    status: 200,
  },
  { method: 'GET', template: '/v2/objects/{subKey}/channels/{id}', params: { subKey: 'demo', id: 'c1' }, status: 200 },
  { method: 'GET', template: '/v2/objects/{subKey}/channels', params: { subKey: 'demo' }, status: 200 },
  {
    method: 'PATCH',
    template: '/v2/objects/{subKey}/uuids/{id}/channels',
    params: { subKey: 'demo', id: 'u1' },
    query: { include: 'custom,channel' },
    body: '{"set":[{"channel":{"id":"c1"},"custom":{"r":1}},{"channel":{"id":"c2"}}]}',
    status: 200,
  },
  { method: 'GET', template: '/v2/objects/{subKey}/uuids/{id}/channels', params: { subKey: 'demo', id: 'u1' }, status: 200 },
  {
    method: 'PATCH',
    template: '/v2/objects/{subKey}/channels/{id}/uuids',
    params: { subKey: 'demo', id: 'c1' },
    body: '{"set":[{"uuid":{"id":"u2"}}]}',
    status: 200,
  },
  { method: 'GET', template: '/v2/objects/{subKey}/channels/{id}/uuids', params: { subKey: 'demo', id: 'c1' }, query: { include: 'uuid' }, status: 200 },
  { method: 'DELETE', template: '/v2/objects/{subKey}/channels/{id}', params: { subKey: 'demo', id: 'c2' }, status: 200 },
  { method: 'GET', template: '/time/{callback}', params: { callback: '0' }, status: 200 },
  { method: 'GET', template: '/v2/subscribe/{subKey}/{channels}/{callback}', params: { subKey: 'demo', channels: 'room', callback: '0' }, status: 200 },
  {
    method: 'GET',
    template: '/publish/{pubKey}/{subKey}/{signature}/{channel}/{callback}/{message}',
    params: { pubKey: 'demo', subKey: 'demo', signature: '0', channel: 'room', callback: '0', message: '%22hi%22' },
    status: 200,
  },
  {
    method: 'POST',
    template: '/publish/{pubKey}/{subKey}/{signature}/{channel}/{callback}',
    params: { pubKey: 'demo', subKey: 'demo', signature: '0', channel: 'room', callback: '0' },
    body: '{"text":"hi"}',
    status: 200,
  },
  {
    method: 'GET',
    template: '/signal/{pubKey}/{subKey}/{signature}/{channel}/{callback}/{message}',
    params: { pubKey: 'demo', subKey: 'demo', signature: '0', channel: 'room', callback: '0', message: '%22typing%22' },
    status: 200,
  },
  {
    method: 'GET',
    template: '/v2/presence/sub-key/{subKey}/channel/{channels}/heartbeat',
    params: { subKey: 'demo', channels: 'room' },
    query: { uuid: 'u1', heartbeat: '60', state: '{"room":{"mood":"ok"}}' },
    status: 200,
  },
  {
    method: 'GET',
    template: '/v2/presence/sub-key/{subKey}/channel/{channels}',
    params: { subKey: 'demo', channels: 'room' },
    query: { state: '1' },
    status: 200,
  },
  { method: 'GET', template: '/v2/presence/sub-key/{subKey}/channel/{channels}', params: { subKey: 'demo', channels: 'room,hall' }, status: 200 },
  { method: 'GET', template: '/v2/presence/sub-key/{subKey}/uuid/{uuid}', params: { subKey: 'demo', uuid: 'u1' }, status: 200 },
  {
    method: 'GET',
    template: '/v2/presence/sub-key/{subKey}/channel/{channels}/uuid/{uuid}/data',
    params: { subKey: 'demo', channels: 'room', uuid: 'u1' },
    query: { state: '{"mood":"fine"}' },
    status: 200,
  },
  {
    method: 'GET',
    template: '/v2/presence/sub-key/{subKey}/channel/{channels}/uuid/{uuid}',
    params: { subKey: 'demo', channels: 'room', uuid: 'u1' },
    status: 200,
  },
  {
    method: 'GET',
    template: '/v2/presence/sub-key/{subKey}/channel/{channels}/leave',
    params: { subKey: 'demo', channels: 'room' },
    query: { uuid: 'u1' },
    status: 200,
  },
  {
    method: 'GET',
    template: '/v1/channel-registration/sub-key/{subKey}/channel-group/{group}',
    params: { subKey: 'demo', group: 'g1' },
    query: { add: 'room,hall' },
    status: 200,
  },
  { method: 'GET', template: '/v1/channel-registration/sub-key/{subKey}/channel-group/{group}', params: { subKey: 'demo', group: 'g1' }, status: 200 },
  { method: 'GET', template: '/v1/channel-registration/sub-key/{subKey}/channel-group', params: { subKey: 'demo' }, status: 200 },
  { method: 'GET', template: '/v1/channel-registration/sub-key/{subKey}/channel-group/{group}/remove', params: { subKey: 'demo', group: 'g1' }, status: 200 },
  {
    method: 'POST',
    template: '/v3/pam/{subKey}/grant',
    params: { subKey: 'sub-oa' },
    body: '{"ttl":5,"permissions":{"resources":{"channels":{"room":1}}}}',
    status: 200,
    signed: true,
  },
  { method: 'GET', template: '/health', status: 200 },
  { method: 'GET', template: '/ready', status: 200 },
  { method: 'GET', template: '/metrics', status: 200 },
  { method: 'GET', template: '/openapi.json', status: 200 },
  {
    method: 'GET',
    template: '/v3/history/sub-key/{subKey}/channel/{channels}',
    params: { subKey: 'demo', channels: 'room' },
    query: { max: '1', include_uuid: 'true', include_meta: 'true', include_message_type: 'true', include_custom_message_type: 'true' },
    status: 200,
  },
  {
    method: 'GET',
    template: '/v3/history/sub-key/{subKey}/message-counts/{channels}',
    params: { subKey: 'demo', channels: 'room,c9' },
    query: { timetoken: '0' },
    status: 200,
  },
  {
    method: 'POST',
    template: '/v1/message-actions/{subKey}/channel/{channel}/message/{messageTimetoken}',
    params: { subKey: 'demo', channel: 'room', messageTimetoken: '17000000000000000' },
    query: { uuid: 'u1' },
    body: '{"type":"reactions","value":"x"}',
    status: 200,
  },
  {
    method: 'GET',
    template: '/v1/message-actions/{subKey}/channel/{channel}',
    params: { subKey: 'demo', channel: 'room' },
    query: { limit: '1' },
    status: 200,
  },
  {
    method: 'DELETE',
    template: '/v1/message-actions/{subKey}/channel/{channel}/message/{messageTimetoken}/action/{actionTimetoken}',
    params: { subKey: 'demo', channel: 'room', messageTimetoken: '17000000000000000', actionTimetoken: '1' },
    query: { uuid: 'u1' },
    status: 200,
  },
  {
    method: 'GET',
    template: '/v3/history-with-actions/sub-key/{subKey}/channel/{channels}',
    params: { subKey: 'demo', channels: 'room' },
    query: { string_message_token: 'true' },
    status: 200,
  },
  { method: 'DELETE', template: '/v3/history/sub-key/{subKey}/channel/{channels}', params: { subKey: 'demo', channels: 'c9' }, status: 200 },
  // Refusals, one per envelope.
  { method: 'GET', template: USER, params: { subKey: 'demo', id: 'nobody' }, status: 404 },
  { method: 'GET', template: '/v2/objects/{subKey}/uuids', params: { subKey: 'demo' }, query: { limit: '0' }, status: 400 },
  {
    method: 'GET',
    template: '/publish/{pubKey}/{subKey}/{signature}/{channel}/{callback}/{message}',
    params: { pubKey: 'demo', subKey: 'demo', signature: '0', channel: 'room', callback: '0', message: '%7Bbad' },
    status: 400,
  },
  {
    method: 'GET',
    template: '/signal/{pubKey}/{subKey}/{signature}/{channel}/{callback}/{message}',
    params: { pubKey: 'demo', subKey: 'demo', signature: '0', channel: 'room', callback: '0', message: encodeURIComponent(JSON.stringify('x'.repeat(70))) },
    status: 400,
  },
  {
    method: 'GET',
    template: '/v2/subscribe/{subKey}/{channels}/{callback}',
    params: { subKey: 'demo', channels: 'room', callback: '0' },
    query: { tt: 'abc' },
    status: 400,
  },
  { method: 'POST', template: '/v3/pam/{subKey}/grant', params: { subKey: 'demo' }, body: '{"ttl":5}', status: 403 },
  {
    method: 'GET',
    template: '/v2/presence/sub-key/{subKey}/channel/{channels}',
    params: { subKey: 'demo', channels: 'room' },
    query: { limit: 'x' },
    status: 400,
  },
  {
    method: 'GET',
    template: '/v1/channel-registration/sub-key/{subKey}/channel-group/{group}',
    params: { subKey: 'demo', group: 'g1' },
    query: { add: '' },
    status: 400,
  },
  {
    method: 'POST',
    template: '/v3/pam/{subKey}/grant',
    params: { subKey: 'sub-oa' },
    body: '{"ttl":0,"permissions":{"resources":{"channels":{"room":1}}}}',
    status: 400,
    signed: true,
  },
  {
    method: 'GET',
    template: '/v3/history/sub-key/{subKey}/channel/{channels}',
    params: { subKey: 'demo', channels: 'room' },
    query: { max: 'abc' },
    status: 400,
  },
  {
    method: 'POST',
    template: '/v1/message-actions/{subKey}/channel/{channel}/message/{messageTimetoken}',
    params: { subKey: 'demo', channel: 'room', messageTimetoken: '17000000000000000' },
    query: { uuid: 'u1' },
    body: '{"type":"reactions","value":"x"}',
    status: 409,
  },
];

/** Sends `call`; the concrete path fills the template's parameters as given (already percent-encoded). */
async function send(call: Call): Promise<Response> {
  const path = call.template.replace(/\{([^}]+)\}/g, (_match, name: string) => call.params?.[name] ?? '');
  const query = call.signed ? signedQuery(call.query ?? {}, (stamped) => signV2(SECRET, call.method, path, stamped, call.body ?? '')) : (call.query ?? {});
  const search = new URLSearchParams(query).toString();
  const headers = call.body === undefined ? undefined : { 'content-type': 'application/json' };
  return fetch(`${node.url}${path}${search === '' ? '' : `?${search}`}`, { method: call.method, body: call.body ?? null, ...(headers ? { headers } : {}) });
}

describe('what the routes answer', () => {
  it('matches the answers the document gives, refusals included, in the media type it names', async () => {
    const document = await dereference(documentNow());
    for (const call of CALLS) {
      const what = `${call.method} ${call.template} → ${call.status}`;
      const response = await send(call);
      const answerText = await response.text();
      expect(response.status, `${what}: ${answerText}`).toBe(call.status);
      const responses = document['paths'][call.template][call.method.toLowerCase()]['responses'] as Record<string, Json>;
      const described = responses[String(call.status)] ?? responses[`${String(call.status)[0]}XX`];
      expect(described, what).toBeDefined();
      const [media, { schema }] = Object.entries(described!['content'] as Record<string, { schema: Json }>)[0]!;
      expect(response.headers.get('content-type'), what).toContain(media === '*/*' ? '' : media);
      const body: unknown = media === 'text/plain' ? answerText : JSON.parse(answerText);
      expect(Value.Check(schema, body), `${what}: ${answerText}`).toBe(true);
    }
  });

  it('would be told apart from answers of another shape', async () => {
    const document = await dereference(documentNow());
    const user = document['paths'][USER]['get']['responses']['200']['content']['application/json']['schema'] as Json;
    expect(Value.Check(user, { status: 200, data: { id: 'u1' } })).toBe(false);
    expect(Value.Check(user, { status: 200, data: { id: 'u1', name: null, externalId: null, profileUrl: null, email: null, updated: 'x', eTag: 'y' } })).toBe(
      true,
    );
  });
});
