import type { FastifySchemaCompiler, FastifyTypeProvider } from 'fastify';
import Type, { type Static, type TSchema } from 'typebox';
import Compile from 'typebox/compile';
import { notPercentEncoded, schemaRefusal } from './schema-errors.ts';
import { checkWalkable } from './schema-walk.ts';
import { malformedParameter, type QueryValues } from './url.ts';

/**
 * Route schemas: TypeBox types for each route's `params`, `querystring`, `headers` and `body`.
 * Fastify checks a request against them before the route runs (the parse step of
 * route-steps.ts), and they type the handler's `request`. They describe each parameter as it is
 * sent and hold its documentation; rules with PubNub's own wording (limit ranges, filters, sort,
 * cursors, include flags, ids, field rules) stay with the parsers that give that wording, so the
 * schema takes those parameters as plain strings.
 */

/** Lets Fastify type a route's `request` from its TypeBox schema. */
export interface TypeBoxProvider extends FastifyTypeProvider {
  readonly validator: this['schema'] extends TSchema ? Static<this['schema']> : unknown;
  readonly serializer: this['schema'] extends TSchema ? Static<this['schema']> : unknown;
}

/**
 * Fastify's validator compiler for every route schema: TypeBox's compiled check, and a refusal
 * in PubNub's envelope naming the field (schema-errors.ts) when it fails. The field is found by
 * schema-walk.ts, which stops where the value first breaks the schema, so that a refused body
 * costs what checking it costs; a schema it could not read is refused here, when routes are built.
 */
export const compileRouteSchema: FastifySchemaCompiler<TSchema> = ({ schema, url, httpPart }) => {
  checkWalkable(schema, `${url} ${httpPart ?? 'schema'}#`);
  const validator = Compile(schema);
  const check = (data: unknown) => (validator.Check(data) ? true : { error: schemaRefusal(schema, data, httpPart, url) });
  if (httpPart !== 'querystring') return check;
  return (data: unknown) => {
    const malformed = malformedParameter(data as QueryValues);
    return malformed === undefined ? check(data) : { error: notPercentEncoded(malformed, url) };
  };
};

/** A query parameter as the query parser gives it (url.ts): its text, or every text when it is repeated. */
export const queryParam = (description: string) => Type.Optional(Type.Union([Type.String(), Type.Array(Type.String())], { description }));

/** What any request may carry to be let in (credentials.ts); unknown parameters are accepted and ignored. */
export const CREDENTIAL_PARAMS = {
  uuid: queryParam('The user id the client acts as: 1 to 92 characters (the keyset may allow other lengths), no control characters.'),
  auth: queryParam('An Access Manager token (`/v3/pam/{sub}/grant`).'),
  signature: queryParam("A v2 request signature made with the keyset's secret key: full access to that keyset."),
  timestamp: queryParam('Unix seconds when the request was signed: within 60 seconds of the server clock.'),
};

export const SubKeyParam = Type.String({ description: 'The subscribe key of the keyset.' });
export const PubKeyParam = Type.String({ description: 'The publish key of the keyset.' });

/** A path segment PubNub's SDKs fill with `0` (no JSONP callback, no signature). */
export const ZeroParam = (what: string) => Type.String({ description: `${what}: \`0\`, ignored.` });
