import type { FastifyInstance } from 'fastify';
import type { AppContext } from './context.ts';

/** Subscribe, publish, time and presence routes (the real-time layer registers them here). */
export function realtimeRoutes(_app: FastifyInstance, _context: AppContext): void {}
