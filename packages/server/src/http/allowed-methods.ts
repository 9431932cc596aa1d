import type { FastifyInstance } from 'fastify';
import { RosterError } from '../errors.ts';
import { ignoreBodies } from './body.ts';
import type { Service } from './error-envelope.ts';

/** The methods a path can be asked for; HEAD follows GET and OPTIONS is CORS's. */
const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] as const;

declare module 'fastify' {
  interface FastifyInstance {
    /** Per path a route serves (`*` paths aside), the methods it serves, once the routes are registered. */
    readonly servedMethods: ReadonlyMap<string, readonly string[]>;
  }
}

interface Served {
  methods: Set<string>;
  service: Service | undefined;
}

/**
 * Answers the methods a path does not serve with 405 and an `Allow` header, from the routes as
 * registered, so the two cannot drift apart: call it before the routes are registered, and
 * `register` what it returns after them. Paths ending in `*` are left out: they catch whatever
 * else starts that way, so another method there names no known path and stays a 404.
 */
export function methodNotAllowed(app: FastifyInstance): (scope: FastifyInstance) => Promise<void> {
  const served = new Map<string, Served>();
  const table = new Map<string, readonly string[]>();
  app.decorate('servedMethods', table);
  let sealed = false;
  app.addHook('onRoute', (route) => {
    if (sealed || route.url.endsWith('*')) return;
    const entry = served.get(route.url) ?? { methods: new Set<string>(), service: route.config?.service };
    for (const method of [route.method].flat()) entry.methods.add(method);
    served.set(route.url, entry);
  });
  return async (scope) => {
    sealed = true;
    // The method alone decides the answer: a body sent with it is not read.
    ignoreBodies(scope);
    for (const [url, { methods, service }] of served) {
      const allowed = METHODS.filter((method) => methods.has(method));
      const others = METHODS.filter((method) => !methods.has(method));
      if (allowed.length === 0) continue;
      table.set(url, allowed);
      if (others.length === 0) continue;
      scope.route({
        method: others,
        url,
        config: service === undefined ? {} : { service },
        handler: async (_request, reply) => {
          void reply.header('Allow', allowed.join(', '));
          throw new RosterError('METHOD_NOT_ALLOWED', `Use ${allowed.join(', ')} on this path.`);
        },
      });
    }
  };
}
