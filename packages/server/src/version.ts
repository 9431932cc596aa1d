import { readFileSync } from 'node:fs';

/** The server's version, from packages/server/package.json (read once at start-up). */
export const VERSION: string = (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;

/** The `Server` header every answer carries, e.g. `Roster/0.1.0`. */
export const SERVER_HEADER = `Roster/${VERSION}`;
