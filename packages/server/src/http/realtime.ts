import type { FastifyInstance } from 'fastify';
import { RosterError } from '../errors.ts';
import type { AppContext } from './context.ts';
import { presenceRoutes } from './presence.ts';
import { publishRoutes } from './publish.ts';
import { subscribeRoutes } from './subscribe.ts';
import { timeRoutes } from './time.ts';

/** Subscribe, publish, time and presence routes. */
export function realtimeRoutes(app: FastifyInstance, context: AppContext): void {
  subscribeRoutes(app, context);
  publishRoutes(app, context);
  presenceRoutes(app, context);
  timeRoutes(app, context);
  app.all('/v1/channel-registration/*', { config: { service: 'subscribe' } }, async () => {
    throw new RosterError('INVALID_INPUT', 'Channel groups are not supported by this server.');
  });
  // Held long-polls answer at once when the node shuts down, so SIGTERM never waits on them.
  app.addHook('preClose', async () => context.realtime.close());
}
