import type { FastifyRequest } from 'fastify';

/** Request bodies as received, kept for signature verification (parsing loses the exact text). */
const rawBodies = new WeakMap<FastifyRequest, string>();

export function keepRawBody(request: FastifyRequest, text: string): void {
  rawBodies.set(request, text);
}

export function rawBodyOf(request: FastifyRequest): string {
  return rawBodies.get(request) ?? '';
}
