import type { FastifyInstance, FastifyPluginAsync, RouteOptions } from 'fastify';
import Type from 'typebox';
import { VERSION } from '../version.ts';
import { answer, ERROR_SCHEMAS, ERRORS } from './answers.ts';
import { serviceOfPath, type Service } from './error-envelope.ts';

/**
 * `GET /openapi.json`: an OpenAPI 3.1 document of every route, built from the route schemas the
 * routes validate requests with (schema.ts) and declare their answers in (answers.ts), collected
 * as Fastify registers them. Nothing here describes a route by hand.
 */

type JsonObject = Record<string, unknown>;

/** What a route's `schema` holds, as this module reads it. */
interface RouteSchema {
  summary?: string;
  description?: string;
  tags?: string[];
  params?: JsonObject;
  querystring?: JsonObject;
  headers?: JsonObject;
  body?: JsonObject;
  response?: Record<string, JsonObject>;
}

const TAGS: Record<Service, string> = {
  objects: 'App Context',
  publish: 'Publish',
  subscribe: 'Subscribe',
  presence: 'Presence',
  time: 'Time',
  'access-manager': 'Access Manager',
  history: 'Message Persistence',
  actions: 'Message Actions',
  'channel-registry': 'Channel Groups',
  plain: 'Operations',
};

/** A TypeBox schema as plain JSON Schema (TypeBox's own markers are not enumerable). */
const plain = (schema: unknown): JsonObject => JSON.parse(JSON.stringify(schema)) as JsonObject;

/** `/v2/objects/:subKey/uuids/:id` → `/v2/objects/{subKey}/uuids/{id}`; a wildcard becomes `{*}`. */
export const openApiPath = (url: string, wildcard = 'path'): string => url.replace(/:([A-Za-z0-9_]+)/g, '{$1}').replace(/\*$/, `{${wildcard}}`);

/** The route schema's parameters of one part of the request, each with its description lifted out. */
function parameters(schema: JsonObject | undefined, where: 'path' | 'query' | 'header', wildcard = 'path'): JsonObject[] {
  if (schema === undefined) return [];
  const { properties = {}, required = [] } = plain(schema) as { properties?: Record<string, JsonObject>; required?: string[] };
  return Object.entries(properties).map(([name, { description, ...rest }]) => ({
    name: name === '*' ? wildcard : name,
    in: where,
    required: where === 'path' || required.includes(name),
    ...(description === undefined ? {} : { description }),
    schema: rest,
  }));
}

/** A JSON body; one the route takes as text (publish's message) is any media type. */
function requestBody(body: JsonObject | undefined): JsonObject | undefined {
  if (body === undefined) return undefined;
  const schema = plain(body);
  const branches = (schema['anyOf'] as JsonObject[] | undefined) ?? [schema];
  const asText = branches.some((branch) => branch['type'] === 'string');
  return { required: false, content: { [asText ? '*/*' : 'application/json']: { schema } } };
}

/** The error envelopes of `service`, for `4XX` and `5XX`. */
function errorAnswers(service: Service): JsonObject {
  const { media, schemas } = ERRORS[service];
  const refs = schemas.map((name) => ({ $ref: `#/components/schemas/${name}` }));
  const schema = refs.length === 1 ? refs[0] : { oneOf: refs };
  const envelope = (description: string) => ({ description, content: { [media]: { schema } } });
  return {
    '4XX': envelope('Refused: the request is malformed, not allowed, or names nothing that exists.'),
    '5XX': envelope('The server failed, or is shutting down (503).'),
  };
}

function operation(route: RouteOptions): [string, string, JsonObject] {
  const schema = (route.schema ?? {}) as RouteSchema;
  const path = openApiPath(route.url, route.config?.wildcard);
  const service = route.config?.service ?? serviceOfPath(route.url);
  const method = [route.method].flat()[0]!.toLowerCase();
  const responses = Object.fromEntries(Object.entries(schema.response ?? {}).map(([status, described]) => [status, plain(described)]));
  const body = requestBody(schema.body);
  return [
    path,
    method,
    {
      operationId: `${method}${path.replace(/[{}*]/g, '').replace(/[^A-Za-z0-9]+(.)?/g, (_match, next: string | undefined) => (next ?? '').toUpperCase())}`,
      ...(schema.summary === undefined ? {} : { summary: schema.summary }),
      ...(schema.description === undefined ? {} : { description: schema.description }),
      tags: schema.tags ?? [TAGS[service]],
      parameters: [
        ...parameters(schema.params, 'path', route.config?.wildcard),
        ...parameters(schema.querystring, 'query'),
        ...parameters(schema.headers, 'header'),
      ],
      ...(body === undefined ? {} : { requestBody: body }),
      responses: { ...responses, ...errorAnswers(service) },
    },
  ];
}

/**
 * The routes of an app, as Fastify registers them: call before registering any, and `register`
 * the returned `sealed` plugin once they are all registered (the 405 answers of
 * allowed-methods.ts come after it and are not endpoints). HEAD (which follows GET), CORS's
 * OPTIONS and catch-alls without a schema (refusals of what is not supported) are left out.
 */
export class RouteCatalog {
  readonly #routes: RouteOptions[] = [];
  #sealed = false;
  #document: string | undefined;

  constructor(app: FastifyInstance) {
    app.addHook('onRoute', (route) => {
      if (this.#sealed || route.schema === undefined) return;
      for (const method of [route.method].flat()) if (method !== 'HEAD' && method !== 'OPTIONS') this.#routes.push({ ...route, method });
    });
  }

  readonly sealed: FastifyPluginAsync = async () => {
    this.#sealed = true;
  };

  /** The OpenAPI 3.1 document, as JSON text (built once). */
  document(): string {
    this.#document ??= JSON.stringify(this.#build());
    return this.#document;
  }

  #build(): JsonObject {
    const paths: Record<string, JsonObject> = {};
    for (const route of this.#routes) {
      const [path, method, described] = operation(route);
      paths[path] = { ...paths[path], [method]: described };
    }
    return {
      openapi: '3.1.0',
      info: {
        title: 'Roster',
        version: VERSION,
        description:
          "A self-hostable server speaking PubNub's App Context, publish, subscribe and Access Manager protocol. Errors come in the envelope of the endpoint's PubNub service.",
      },
      tags: [...new Set(Object.values(TAGS))].map((name) => ({ name })),
      paths,
      components: { schemas: Object.fromEntries(Object.entries(ERROR_SCHEMAS).map(([name, schema]) => [name, plain(schema)])) },
    };
  }
}

/** `GET /openapi.json`. */
export const openApiRoutes: FastifyPluginAsync<{ catalog: RouteCatalog }> = async (app, { catalog }) => {
  const schema = {
    summary: 'This document',
    tags: ['Operations'],
    response: { 200: answer('The OpenAPI 3.1 document of every route.', Type.Object({}, { additionalProperties: true })) },
  };
  app.get('/openapi.json', { config: { ops: true }, schema }, async (_request, reply) => {
    void reply.type('application/json');
    return catalog.document();
  });
};
