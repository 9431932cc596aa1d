import { RosterError } from '../errors.ts';
import type { RoutePlugin } from './context.ts';

/** Channel groups (`/v1/channel-registration/…`) are not supported: every call is a 400 in the subscribe envelope. */
export const channelRegistrationRoutes: RoutePlugin = async (app) => {
  app.all('/v1/channel-registration/*', { config: { service: 'subscribe' } }, async () => {
    throw new RosterError('INVALID_INPUT', 'Channel groups are not supported by this server.');
  });
};
