import { Agent, request } from 'node:http';

/** Sends `count` requests, `inFlight` at a time, failing on the first non-2xx answer. */
export async function sendAll(
  baseUrl: string,
  count: number,
  build: (index: number) => { method: string; path: string; body?: string },
  inFlight = 64,
): Promise<void> {
  const agent = new Agent({ keepAlive: true, maxSockets: inFlight });
  let nextIndex = 0;
  const worker = async () => {
    while (nextIndex < count) {
      const { method, path, body } = build(nextIndex++);
      await send(agent, `${baseUrl}${path}`, method, body);
    }
  };
  try {
    await Promise.all(Array.from({ length: inFlight }, worker));
  } finally {
    agent.destroy();
  }
}

/** One request; resolves with the body text, rejects on a non-2xx status. */
export function send(agent: Agent | undefined, url: string, method = 'GET', body?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const headers = body === undefined ? {} : { 'content-type': 'application/json' };
    const req = request(url, { method, agent, headers }, (response) => {
      let text = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (text += chunk));
      response.on('end', () => ((response.statusCode ?? 0) < 300 ? resolve(text) : reject(new Error(`${method} ${url}: ${response.statusCode} ${text}`))));
    });
    req.on('error', reject);
    req.end(body);
  });
}

const STATUSES = ['active', 'away', 'offline'];

/** The user every scenario reads and writes: a realistic record with some custom data. */
export function userBody(index: number): string {
  return JSON.stringify({
    name: `User ${index}`,
    email: `user${index}@example.com`,
    externalId: `ext-${index}`,
    status: STATUSES[index % STATUSES.length],
    type: 'member',
    custom: { team: `team-${index % 20}`, level: index % 100, verified: index % 2 === 0 },
  });
}

/** Writes users `user-0` … `user-{count-1}` through the REST API. */
export function seedUsers(baseUrl: string, count: number): Promise<void> {
  return sendAll(baseUrl, count, (index) => ({ method: 'PATCH', path: `/v2/objects/demo/uuids/user-${index}`, body: userBody(index) }));
}
