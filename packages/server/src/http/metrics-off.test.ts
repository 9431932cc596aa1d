import { useServer } from '@roster/testing';
import { describe, expect, it } from 'vitest';

describe('--metrics off', () => {
  const server = useServer({ args: ['--metrics', 'off'] });

  it('serves no /metrics route, and answers the API and the health checks as usual', async () => {
    const metrics = await fetch(`${server.url}/metrics`);
    expect(metrics.status).toBe(404);
    await metrics.body?.cancel();
    const write = await fetch(`${server.url}/v2/objects/demo/uuids/quiet`, {
      method: 'PATCH',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'Quiet' }),
    });
    expect(write.status).toBe(200);
    const read = await fetch(`${server.url}/v2/objects/demo/uuids/quiet`);
    expect(((await read.json()) as { data: { name: string } }).data.name).toBe('Quiet');
    expect((await fetch(`${server.url}/ready`)).status).toBe(200);
    expect((await fetch(`${server.url}/health`)).status).toBe(200);
  });
});

describe('--metrics on (the default)', () => {
  const server = useServer({ args: ['--metrics', 'on'] });

  it('serves /metrics', async () => {
    const response = await fetch(`${server.url}/metrics`);
    expect(response.status).toBe(200);
    expect(await response.text()).toContain('roster_http_requests_total');
  });
});
