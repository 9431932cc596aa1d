import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { badRequest, RosterError } from '../errors.ts';

/**
 * Where `npm run build -w @roster/console` writes the console: found through the workspace
 * package, so the TypeScript sources and the compiled bundle (dist/main.js) serve the same files.
 */
export const CONSOLE_DIR = consoleDir();

function consoleDir(): string {
  try {
    return join(dirname(createRequire(import.meta.url).resolve('@roster/console/package.json')), 'dist');
  } catch {
    return fileURLToPath(new URL('../../../console/dist/', import.meta.url));
  }
}

/**
 * Only the node's own scripts, styles and API: the console never loads anything from elsewhere
 * (it works offline), and no other site may frame it.
 */
const SECURITY_HEADERS = {
  'content-security-policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
} as const;

/** The methods a console path answers; HEAD follows GET. */
const ALLOWED = 'GET, HEAD';

const NOT_BUILT = `<!doctype html><html lang="en"><meta charset="utf-8"><title>Roster console</title>
<h1>The console is not built</h1><p>Run <code>npm run build -w @roster/console</code> in the Roster repository (<code>npm install</code> runs it) and reload.</p></html>`;

/**
 * `GET /console/`: the web console (packages/console), as static files. Asset names carry a
 * content hash, so they are cached for a year; `index.html` is revalidated on every load, so a
 * new build is picked up at once. Every answer under `/console` (a redirect, a 404, a refusal)
 * carries the security headers and a cache policy. Outside PubNub's namespace and the OpenAPI
 * document, and logged at `debug` only.
 */
export const consoleRoutes: FastifyPluginAsync<{ dir?: string }> = async (app, { dir = CONSOLE_DIR }) => {
  await app.register((scope) => consoleScope(scope, dir), { prefix: '/console' });
};

async function consoleScope(app: FastifyInstance, dir: string): Promise<void> {
  const config = { ops: true };
  // The static plugin's routes log as the operations routes do (request-log.ts `ops`).
  app.addHook('onRoute', (route) => {
    route.config = { ...route.config, ...config };
  });
  app.addHook('onSend', async (_request, reply, payload) => {
    void reply.headers(SECURITY_HEADERS);
    if (!reply.hasHeader('cache-control')) void reply.header('cache-control', 'no-cache');
    return payload;
  });
  // A file that is not there, under any method: the error envelope, with the headers above.
  app.setNotFoundHandler(async (request) => {
    throw new RosterError('NOT_FOUND', `Not found: ${request.method} ${shownPath(request)}`);
  });
  // The static files' own refusals (a null byte, a path leaving the root) name the path; the
  // node's error handler answers in the envelope.
  app.setErrorHandler(async (error) => {
    throw error instanceof RosterError ? error : staticRefusal(error);
  });
  app.get('', { config }, async (_request: FastifyRequest, reply: FastifyReply) => reply.redirect('/console/', 301));
  for (const url of ['', '/*']) {
    app.route({ method: ['POST', 'PUT', 'PATCH', 'DELETE'], url, config, handler: methodNotAllowed });
  }
  if (!existsSync(`${dir}/index.html`)) {
    app.get('/*', { config }, async (_request, reply) => reply.status(503).type('text/html; charset=utf-8').send(NOT_BUILT));
    return;
  }
  await app.register(fastifyStatic, {
    root: dir,
    prefix: '/',
    index: 'index.html',
    wildcard: true,
    // No listing of a directory (`/console/assets/`): a 404 like any other missing file.
    list: false,
    cacheControl: false,
    etag: true,
    lastModified: true,
    setHeaders(reply, path) {
      void reply.header('cache-control', /[\\/]assets[\\/]/.test(path) ? 'public, max-age=31536000, immutable' : 'no-cache');
    },
  });
}

async function methodNotAllowed(_request: FastifyRequest, reply: FastifyReply): Promise<never> {
  void reply.header('allow', ALLOWED);
  throw new RosterError('METHOD_NOT_ALLOWED', `Use ${ALLOWED} on the console's paths.`);
}

/** A 4xx of the static files as the node's error: a path that names no file of the console. */
function staticRefusal(error: unknown): unknown {
  const status = (error as { statusCode?: unknown } | null)?.statusCode;
  if (typeof status !== 'number' || status < 400 || status >= 500) return error;
  if (status !== 400) return new RosterError('NOT_FOUND', 'Not found: the path names no file of the console.');
  return badRequest('path', 'path', 'The path is not a path of a console file (a null byte, or a segment that does not decode).');
}

/** The longest path a 404 repeats. */
const MAX_SHOWN_PATH = 200;

function shownPath(request: FastifyRequest): string {
  const path = request.url.split('?', 1)[0]!;
  return path.length > MAX_SHOWN_PATH ? `${path.slice(0, MAX_SHOWN_PATH)}…` : path;
}
