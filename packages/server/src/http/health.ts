import type { FastifyPluginAsync } from 'fastify';
import Type from 'typebox';
import { answer } from './answers.ts';

/**
 * One thing a node needs to serve requests: the store answering a query, the cluster's bus being
 * connected. `check` resolves when it is fine and throws (or rejects) saying why it is not.
 */
export interface ReadinessCheck {
  name: string;
  check(): Promise<void> | void;
}

/** How long `/ready` waits on a check before calling it down: a hung database is down too. */
const CHECK_TIMEOUT_MS = 2000;

/** `ok`, or why the check failed. */
async function outcome({ check }: ReadinessCheck): Promise<string> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${CHECK_TIMEOUT_MS} ms`)), CHECK_TIMEOUT_MS);
  });
  try {
    await Promise.race([Promise.resolve().then(check), timeout]);
    return 'ok';
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  } finally {
    clearTimeout(timer);
  }
}

const Alive = Type.Object({ status: Type.Literal('ok') }, { description: 'The process is alive and serving HTTP.' });
const Readiness = Type.Object(
  {
    status: Type.Union([Type.Literal('ready'), Type.Literal('unavailable')]),
    checks: Type.Record(Type.String(), Type.String(), { description: 'Per check (`store`, and `bus` on a cluster): `ok`, or why it is down.' }),
  },
  { description: 'Whether the node can serve requests, and what is down when it cannot.' },
);

/**
 * `GET /health`: the process is alive (a load balancer's liveness probe). `GET /ready`: every
 * readiness check passes (200), or which do not and why (503). Both sit outside PubNub's
 * namespace, and are logged at `debug` only. While the node shuts down, every route answers 503.
 */
export const healthRoutes: FastifyPluginAsync<{ checks: readonly ReadinessCheck[] }> = async (app, { checks }) => {
  const config = { ops: true };
  app.get('/health', { config, schema: { summary: 'Liveness', tags: ['Operations'], response: { 200: answer('Alive.', Alive) } } }, async () => ({
    status: 'ok',
  }));

  app.get(
    '/ready',
    {
      config,
      schema: {
        summary: 'Readiness',
        tags: ['Operations'],
        response: { 200: answer('Ready.', Readiness), 503: answer('Not ready: `checks` names what is down.', Readiness) },
      },
    },
    async (_request, reply) => {
      const outcomes = await Promise.all(checks.map(async (check) => [check.name, await outcome(check)] as const));
      const ready = outcomes.every(([, result]) => result === 'ok');
      void reply.status(ready ? 200 : 503);
      return { status: ready ? 'ready' : 'unavailable', checks: Object.fromEntries(outcomes) };
    },
  );
};
