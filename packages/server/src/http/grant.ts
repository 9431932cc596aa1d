import { ALL_PERMISSION_BITS, GRANT_SECTION_KEYS, PERMISSION_BITS } from '@roster/protocol';
import Type, { type TSchema } from 'typebox';
import { parseGrantRequest } from '../auth/grant-request.ts';
import { mintToken, readToken, tokenExpiresAt } from '../auth/token.ts';
import { invalid } from '../errors.ts';
import { answer, GrantAnswer, JS_MEDIA } from './answers.ts';
import { keysetOf, type RoutePlugin } from './context.ts';
import { secretKeyFor } from './credentials.ts';
import { inOrder, SIGNED_WITH_SECRET_KEY } from './route-steps.ts';
import { CREDENTIAL_PARAMS, SubKeyParam } from './schema.ts';

const JS_TYPE = 'text/javascript; charset=UTF-8';
/**
 * The largest grant body taken. A token travels in a URL, which may be 32 KiB at most (app.ts),
 * and names every resource and pattern of its grant: a grant much larger mints a token no request
 * could carry.
 */
const MAX_GRANT_BODY_BYTES = 64 * 1024;
const config = { service: 'access-manager' } as const;

const BITS = Object.entries(PERMISSION_BITS)
  .map(([name, bit]) => `${name} ${bit}`)
  .join(', ');

/** `permissions.resources` or `.patterns`: per resource type, names (or regular expressions) → permission bits. */
const permissionTable = (names: string) =>
  Type.Optional(
    Type.Union(
      [
        Type.Object(
          Object.fromEntries(
            Object.keys(GRANT_SECTION_KEYS).map((section): [string, TSchema] => [
              section,
              Type.Optional(
                Type.Union([Type.Record(Type.String(), Type.Number({ description: `A bitmask from 0 to ${ALL_PERMISSION_BITS}: ${BITS}.` })), Type.Null()]),
              ),
            ]),
          ),
          { description: `Per resource type, ${names} → permissions. Other resource types are a 400.` },
        ),
        Type.Null(),
      ],
      { description: `Per resource type, ${names} → permissions.` },
    ),
  );

const GrantBody = Type.Object({
  // Its rule (and PubNub's answer to a bad one, "Invalid ttl") is the grant parser's: auth/grant-request.ts.
  ttl: Type.Optional(Type.Unknown({ description: 'Required: minutes the token is valid, an integer from 1 to 43200.' })),
  permissions: Type.Optional(
    Type.Union([
      Type.Object({
        resources: permissionTable('resource names'),
        patterns: permissionTable('regular expressions matching whole names'),
        meta: Type.Optional(
          Type.Union([Type.Record(Type.String(), Type.Union([Type.String(), Type.Number(), Type.Boolean(), Type.Null()])), Type.Null()], {
            description: 'Data carried in the token.',
          }),
        ),
        uuid: Type.Optional(Type.Union([Type.String(), Type.Null()], { description: 'The only user id the token may be used with.' })),
      }),
      Type.Null(),
    ]),
  ),
});

/** Access Manager v3: `grant` issues tokens, `DELETE grant/{token}` revokes one (wire-protocol.md §10.2). Both need a signature made with the secret key. */
export const grantRoutes: RoutePlugin = async (app, { context }) => {
  const querystring = Type.Object(CREDENTIAL_PARAMS);

  const grantSchema = {
    summary: 'Grant a token',
    params: Type.Object({ subKey: SubKeyParam }),
    querystring,
    body: GrantBody,
    response: { 200: answer('The token.', GrantAnswer, JS_MEDIA) },
  };
  app.post('/v3/pam/:subKey/grant', { schema: grantSchema, config, bodyLimit: MAX_GRANT_BODY_BYTES }, (request, reply) =>
    inOrder(context, request, {
      parse() {
        return { keyset: keysetOf(context, request.params) };
      },
      auth() {
        return SIGNED_WITH_SECRET_KEY;
      },
      validate() {
        return parseGrantRequest(request.body, Math.floor(Date.now() / 1000));
      },
      run(grant, { keyset }) {
        const token = mintToken(grant, secretKeyFor(request, keyset));
        return reply.type(JS_TYPE).send(JSON.stringify({ data: { message: 'Success', token }, service: 'Access Manager', status: 200 }));
      },
    }),
  );

  const revokeParams = Type.Object({ subKey: SubKeyParam, token: Type.String({ description: 'The token to revoke, percent-encoded.' }) });
  const revokeSchema = { summary: 'Revoke a token', params: revokeParams, querystring, response: { 200: answer('Revoked.', GrantAnswer, JS_MEDIA) } };
  app.delete('/v3/pam/:subKey/grant/:token', { schema: revokeSchema, config }, (request, reply) =>
    inOrder(context, request, {
      parse() {
        return { keyset: keysetOf(context, request.params) };
      },
      auth() {
        return SIGNED_WITH_SECRET_KEY;
      },
      validate({ keyset }) {
        const reading = readToken(request.params.token, secretKeyFor(request, keyset));
        if (!reading.ok) throw invalid('token', 'path', 'The token is malformed or was not issued for this keyset.');
        return reading.token;
      },
      async run(token, { keyset }) {
        await context.revocations.revoke(keyset.subscribeKey, token.signature, tokenExpiresAt(token));
        return reply.type(JS_TYPE).send(JSON.stringify({ data: { message: 'Success' }, service: 'Access Manager', status: 200 }));
      },
    }),
  );
};
