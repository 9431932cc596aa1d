import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import Type, { type TSchema } from 'typebox';
import { RosterError } from '../errors.ts';
import type { KeysetEntry } from '../keysets/registry.ts';
import { KEY_FIELDS, KEYSET_SCHEMA, type SettingsChanges } from '../keysets/settings.ts';
import { DEFAULT_LIMITS } from '../model/keyset.ts';
import { answer } from './answers.ts';
import { header, type AppContext, type RoutePlugin } from './context.ts';

/**
 * The admin API: the keysets the nodes serve, listed, made and changed without a restart, for
 * the console (packages/console) and scripts. Only for a request carrying the node's admin
 * secret (`--admin-secret`) as `Authorization: Bearer …`; with no admin secret set it is off
 * (404). Errors come in the App Context envelope, naming the field.
 */

const LIST_PATH = '/admin/v1/keysets';
const KEYSET_PATH = '/admin/v1/keysets/:subKey';
const ROTATE_PATH = '/admin/v1/keysets/:subKey/rotate-secret';

const config = { service: 'objects' } as const;
const tags = ['Admin'];
const AUTH = 'Needs `Authorization: Bearer <admin secret>` (the node’s `--admin-secret`); 404 when the node has none.';

/** SHA-256 of a secret: compared in constant time, whatever the lengths. */
export const secretDigest = (secret: string): Buffer => createHash('sha256').update(secret, 'utf8').digest();

const OFF =
  'The admin API is off: start the node with an admin secret of at least 16 characters (--admin-secret / ROSTER_ADMIN_SECRET / "adminSecret" in the config file) to turn it on.';

function unauthorized(reply: FastifyReply, message: string): RosterError {
  void reply.header('WWW-Authenticate', 'Bearer');
  return new RosterError('UNAUTHORIZED', message, [{ message, location: 'authorization', locationType: 'header' }]);
}

/** Lets in a request with the admin secret; a 404 when the admin API is off, a 401 otherwise. */
function admit(context: AppContext, request: FastifyRequest, reply: FastifyReply): void {
  const expected = context.adminSecretDigest;
  if (expected === undefined) throw new RosterError('NOT_FOUND', OFF);
  const given = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(header(request, 'authorization') ?? '')?.[1];
  if (given === undefined) throw unauthorized(reply, 'The admin API needs the header Authorization: Bearer <admin secret>.');
  if (!timingSafeEqual(secretDigest(given), expected)) throw unauthorized(reply, 'The admin secret is wrong.');
}

/** `If-Match`: a keyset's `version` (quotes allowed), or undefined when absent. */
function ifVersion(request: FastifyRequest): number | undefined {
  const text = header(request, 'if-match');
  if (text === undefined || text === '') return undefined;
  const digits = /^\s*"?(\d{1,15})"?\s*$/.exec(text)?.[1];
  if (digits === undefined) {
    const message = 'If-Match must be the keyset’s version, as its `version` gives it.';
    throw new RosterError('INVALID_INPUT', message, [{ message, location: 'if-match', locationType: 'header' }]);
  }
  return Number(digits);
}

/** A keyset as the admin API shows it: its keys (the secret too), every setting with its defaults, where it came from and its version. */
function view({ keyset, source, version, updated }: KeysetEntry): Record<string, unknown> {
  const { subscribeKey, publishKey, secretKey, name, limits, ...settings } = keyset;
  return { subscribeKey, publishKey, secretKey, name, ...settings, limits, source, version, updated };
}

// Schemas ----------------------------------------------------------------------------------------

/**
 * The config file's schema of a keyset's settings by their types alone: route schemas say where a
 * value of the wrong type is, and the config file's rules (ranges, unknown keys, settings that
 * need each other) are checked with the same words as for the file (keysets/settings.ts).
 * With `nullable`, `null` is taken too: a PATCH puts a setting back to its default with it.
 */
function typesOf(schema: TSchema, nullable: boolean): TSchema {
  const facts = schema as { type?: string; properties?: Record<string, TSchema> };
  const typed =
    facts.type === 'object'
      ? Type.Object(Object.fromEntries(Object.entries(facts.properties ?? {}).map(([name, inner]) => [name, Type.Optional(typesOf(inner, nullable))])))
      : facts.type === 'integer'
        ? Type.Integer()
        : facts.type === 'boolean'
          ? Type.Boolean()
          : Type.String();
  return nullable ? Type.Union([typed, Type.Null()]) : typed;
}

const settingsOf = (nullable: boolean) =>
  Object.fromEntries(
    Object.entries(KEYSET_SCHEMA.properties)
      .filter(([name]) => !(KEY_FIELDS as readonly string[]).includes(name))
      .map(([name, schema]) => [name, Type.Optional(typesOf(schema, nullable))]),
  );

const SETTINGS_RULES =
  'Settings as a keyset entry of the config file takes them (name, accessManager, referentialIntegrity, limits…), checked by the same rules; keys are made by the server.';

const CreateBody = Type.Object(settingsOf(false), {
  description: `The new keyset's settings; Access Manager is on unless \`accessManager\` is false. ${SETTINGS_RULES}`,
});
const ChangeBody = Type.Object(settingsOf(true), {
  description: `The settings to change: each value given replaces one; \`null\` puts it back to its default (in \`limits\` and \`rateLimit\` too, key by key). ${SETTINGS_RULES}`,
});

const KeysetParams = Type.Object({ subKey: Type.String({ description: 'The subscribe key of the keyset.' }) });
const IfMatchHeaders = Type.Object({
  'if-match': Type.Optional(Type.String({ description: 'The keyset’s `version`: the change is made only while it is still at that version (412 otherwise).' })),
});

const KeysetView = Type.Object(
  {
    subscribeKey: Type.String(),
    publishKey: Type.String(),
    secretKey: Type.Optional(Type.String({ description: 'Present when the keyset has one.' })),
    name: Type.Optional(Type.String()),
    ...Object.fromEntries(
      Object.entries((typesOf(KEYSET_SCHEMA, false) as { properties: Record<string, TSchema> }).properties)
        .filter(([name]) => !['subscribeKey', 'publishKey', 'secretKey', 'name', 'limits', 'rateLimit'].includes(name))
        .map(([name, schema]) => [name, schema]),
    ),
    rateLimit: Type.Optional(Type.Object({ perClient: Type.Optional(Type.Integer()), perKeyset: Type.Optional(Type.Integer()) })),
    limits: Type.Object(Object.fromEntries(Object.keys(DEFAULT_LIMITS).map((name) => [name, Type.Integer()]))),
    source: Type.Union([Type.Literal('config'), Type.Literal('console')], {
      description: '`config`: seeded from the config file; `console`: made with this API.',
    }),
    version: Type.Integer({ description: 'Goes up with every change of any keyset: `If-Match` of a change.' }),
    updated: Type.String({ description: 'ISO 8601 time of the last change.' }),
  },
  { description: 'A keyset with every setting (defaults filled in).' },
);

const one = (description: string) => ({ 200: answer(description, Type.Object({ status: Type.Literal(200), data: KeysetView })) });

// Routes -----------------------------------------------------------------------------------------

/** `/admin/v1/keysets…`: list, create, get, change, rotate the secret key. */
export const adminKeysetRoutes: RoutePlugin = async (app, { context }) => {
  const registry = context.keysetRegistry;
  // Before the body is read: a request without the secret costs nothing more. Answers hold
  // secret keys: no cache keeps them.
  app.addHook('onRequest', async (request, reply) => {
    void reply.header('cache-control', 'no-store');
    admit(context, request, reply);
  });

  app.get(
    LIST_PATH,
    {
      config,
      schema: {
        summary: 'List keysets',
        description: `Every keyset the node serves, by subscribe key. ${AUTH}`,
        tags,
        response: { 200: answer('The keysets.', Type.Object({ status: Type.Literal(200), data: Type.Array(KeysetView) })) },
      },
    },
    async () => ({ status: 200, data: (await registry.list()).map(view) }),
  );

  app.post(
    LIST_PATH,
    {
      config,
      schema: {
        summary: 'Create a keyset',
        description: `A keyset with fresh publish, subscribe and secret keys, served by every node within a second. ${AUTH}`,
        tags,
        body: CreateBody,
        response: one('The new keyset.'),
      },
      // No body at all asks for a keyset with every default, as `{}` does.
      preValidation: async (request) => {
        request.body ??= {};
      },
    },
    async (request) => ({ status: 200, data: view(await registry.create((request.body ?? {}) as SettingsChanges)) }),
  );

  app.get(
    KEYSET_PATH,
    { config, schema: { summary: 'Get a keyset', description: AUTH, tags, params: KeysetParams, response: one('The keyset.') } },
    async (request) => ({ status: 200, data: view(await registry.get(request.params.subKey)) }),
  );

  app.patch(
    KEYSET_PATH,
    {
      config,
      schema: {
        summary: 'Change a keyset’s settings',
        description: `Its keys stay; served by every node within a second. ${AUTH}`,
        tags,
        params: KeysetParams,
        headers: IfMatchHeaders,
        body: ChangeBody,
        response: one('The keyset as changed.'),
      },
    },
    async (request) => {
      const version = ifVersion(request);
      return { status: 200, data: view(await registry.update(request.params.subKey, (request.body ?? {}) as SettingsChanges, version)) };
    },
  );

  app.post(
    ROTATE_PATH,
    {
      config,
      schema: {
        summary: 'Rotate a keyset’s secret key',
        description: `A fresh secret key: tokens granted and signatures made with the old one are refused from then on. ${AUTH}`,
        tags,
        params: KeysetParams,
        headers: IfMatchHeaders,
        response: one('The keyset with its new secret key.'),
      },
    },
    async (request) => {
      const version = ifVersion(request);
      return { status: 200, data: view(await registry.rotateSecret(request.params.subKey, version)) };
    },
  );
};
