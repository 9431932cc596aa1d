import type { FastifyInstance, FastifyRequest } from 'fastify';
import { parseGrantRequest } from '../auth/grant-request.ts';
import type { Keyset } from '../model/keyset.ts';
import { mintToken, readToken, tokenExpiresAt } from '../auth/token.ts';
import { invalid, RosterError } from '../errors.ts';
import { keysetOf, type AppContext } from './context.ts';
import { isSignedRequest } from './credentials.ts';

const JS_TYPE = 'text/javascript; charset=UTF-8';
const config = { service: 'access-manager' } as const;

/** Grant and revoke need the secret key: the request must carry a valid signature. */
function secretKeyOf(request: FastifyRequest, keyset: Keyset): string {
  if (keyset.secretKey === undefined) {
    throw new RosterError('FORBIDDEN', 'Access Manager needs a secret key on this keyset');
  }
  if (!isSignedRequest(request, keyset)) throw new RosterError('FORBIDDEN', 'Signature is required: sign the request with the secret key');
  return keyset.secretKey;
}

/** Access Manager v3: `grant` issues tokens, `DELETE grant/{token}` revokes one (wire-protocol.md §10.2). */
export function accessRoutes(app: FastifyInstance, context: AppContext): void {
  app.post('/v3/pam/:subKey/grant', { config }, async (request, reply) => {
    const keyset = keysetOf(context, request);
    const secretKey = secretKeyOf(request, keyset);
    const token = mintToken(parseGrantRequest(request.body, Math.floor(Date.now() / 1000)), secretKey);
    return reply.type(JS_TYPE).send(JSON.stringify({ data: { message: 'Success', token }, service: 'Access Manager', status: 200 }));
  });

  app.delete('/v3/pam/:subKey/grant/:token', { config }, async (request, reply) => {
    const keyset = keysetOf(context, request);
    const secretKey = secretKeyOf(request, keyset);
    const reading = readToken((request.params as { token: string }).token, secretKey);
    if (!reading.ok) throw invalid('token', 'path', 'The token is malformed or was not issued for this keyset.');
    await context.revocations.revoke(keyset.subscribeKey, reading.token.signature, tokenExpiresAt(reading.token));
    return reply.type(JS_TYPE).send(JSON.stringify({ data: { message: 'Success' }, service: 'Access Manager', status: 200 }));
  });
}
