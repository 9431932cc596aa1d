import { afterAll, beforeAll, beforeEach } from 'vitest';
import { startServer, type RunningServer, type StartOptions } from './server.ts';

/**
 * Starts a real Roster process before the tests of the enclosing file or `describe` block run
 * (vitest `beforeAll`) and closes it, data directory included, after them (`afterAll`).
 *
 * The returned handle reads the running server, so `server.url` and the rest are valid inside
 * tests and hooks, not while the file is being collected: calling them there throws. Hooks a test
 * file registers after `useServer()` run after the start and before the close, as vitest runs
 * `afterAll` hooks in reverse order.
 *
 * @example
 * const server = useServer({ args: ['--subscribe-hold', '1'] });
 * const api = objectsClient(server); // reads server.url on each request
 *
 * it('answers /time/0', async () => {
 *   expect((await fetch(`${server.url}/time/0`)).status).toBe(200);
 * });
 */
export function useServer(options?: StartOptions): RunningServer {
  let running: RunningServer | undefined;
  beforeAll(async () => {
    running = await startServer(options);
  });
  afterAll(async () => {
    await running?.close();
  });
  // What the nodes logged lately (warnings and errors) explains many a failure on a loaded machine.
  beforeEach(({ onTestFailed }) => {
    onTestFailed(() => {
      const output = running?.recentOutput().trim();
      if (output) process.stderr.write(`What the server logged lately:\n${output}\n`);
    });
  });
  const current = (): RunningServer => {
    if (running === undefined) throw new Error('useServer(): the server starts in beforeAll; read it inside a test or hook');
    return running;
  };
  return {
    get url() {
      return current().url;
    },
    get origin() {
      return current().origin;
    },
    get nodes() {
      return current().nodes;
    },
    get dir() {
      return current().dir;
    },
    get process() {
      return current().process;
    },
    stop: () => current().stop(),
    kill: () => current().kill(),
    close: () => current().close(),
    recentOutput: () => current().recentOutput(),
  };
}
