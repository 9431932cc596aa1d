import { execFile, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';

const BIN = resolve(fileURLToPath(new URL('../bin/roster.js', import.meta.url)));
const VERSION = (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;
const execute = promisify(execFile);

/** Runs `roster ...args` to completion: its exit code and output. */
async function roster(args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await execute(process.execPath, [BIN, ...args], { env: { ...process.env, ...env } });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

const configDir = mkdtempSync(join(tmpdir(), 'roster-cli-config-'));
afterAll(() => rmSync(configDir, { recursive: true, force: true }));

function configFile(name: string, content: unknown): string {
  const path = join(configDir, name);
  writeFileSync(path, JSON.stringify(content));
  return path;
}

const LOCKED = {
  publishKey: 'pub-c-hidden',
  subscribeKey: 'sub-c-locked',
  secretKey: 'sec-c-hidden',
  accessManager: true,
  disallowGetAllUuids: true,
  disallowGetAllChannels: true,
};

/** Runs `roster serve` in a fresh directory with the given env, as a user would. */
function serve(env: Record<string, string>, args: string[] = []) {
  const cwd = mkdtempSync(join(tmpdir(), 'roster-cli-'));
  const child = spawn(process.execPath, [BIN, 'serve', ...args], { cwd, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
  const listening = new Promise<string>((done, fail) => {
    const check = () => {
      const match = /listening (?:on|at) (http:\/\/[^\s"]+)/.exec(output);
      if (match) done(match[1]!);
    };
    child.stdout.on('data', check);
    void exited.then(() => fail(new Error(`exited early:\n${output}`)));
  });
  listening.catch(() => {}); // a test that expects an early exit awaits `exited` instead
  return { cwd, child, exited, listening, output: () => output, cleanup: () => rmSync(cwd, { recursive: true, force: true }) };
}

describe('roster serve', () => {
  it('starts from env vars with the default database path and the demo keyset, and stops cleanly on SIGTERM', async () => {
    const run = serve({ ROSTER_PORT: '0', ROSTER_HOST: '127.0.0.1' });
    try {
      const url = await run.listening;
      expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(run.output()).toContain(
        `Roster ${VERSION}\nconfig file: none\ndatabase: ${join(realpathSync(run.cwd), 'data', 'roster.db')}\nkeyset demo: signatures off, Access Manager off`,
      );
      expect(run.output()).toContain('demo keyset: served, open to anyone (no config file declares keysets)');
      expect(run.output()).toContain("heap: V8's allocation-site pretenuring off (node --allocation-site-pretenuring keeps V8's default)");
      expect(existsSync(join(run.cwd, 'data', 'roster.db'))).toBe(true);
      const reply = await fetch(`${url}/v2/objects/demo/uuids/me`, { method: 'PATCH', headers: { 'content-type': 'application/json' }, body: '{"name":"Me"}' });
      expect(reply.status).toBe(200);
      run.child.kill('SIGTERM');
      expect(await run.exited).toBe(0);
      expect(run.output()).toContain('SIGTERM');
    } finally {
      run.cleanup();
    }
  });

  it('lets flags win over env vars', async () => {
    const run = serve({ ROSTER_PORT: '1', ROSTER_DB: '/nonexistent/x.db' }, ['--port', '0', '--db', 'here.db']);
    try {
      await run.listening;
      expect(existsSync(join(run.cwd, 'here.db'))).toBe(true);
      run.child.kill('SIGINT');
      expect(await run.exited).toBe(0);
    } finally {
      run.cleanup();
    }
  });

  it('fails with a clear message on a bad config file', async () => {
    const run = serve({}, ['--port', '0', '--config', 'missing.json']);
    expect(await run.exited).toBe(1);
    expect(run.output()).toContain('missing.json: cannot read the config file: no such file');
    run.cleanup();
  });

  it('prints the config file, each keyset’s security settings and that demo is not served, never a secret', async () => {
    const path = configFile('locked.json', { keysets: [LOCKED] });
    const run = serve({ ROSTER_PROT: '1' }, ['--port', '0', '--config', path]);
    try {
      await run.listening;
      expect(run.output()).toContain(
        [
          `config file: ${path}`,
          `database: ${join(realpathSync(run.cwd), 'data', 'roster.db')}`,
          'keyset sub-c-locked: signatures on, Access Manager on, get-all users disallowed to unsigned clients, get-all channels disallowed to unsigned clients',
          'demo keyset: not served (the config file declares the keysets)',
        ].join('\n'),
      );
      expect(run.output()).toContain('warning: ROSTER_PROT is not a Roster setting and is ignored (did you mean ROSTER_PORT?)');
      expect(run.output()).not.toContain('hidden');
      run.child.kill('SIGTERM');
      expect(await run.exited).toBe(0);
    } finally {
      run.cleanup();
    }
  });

  it('takes a relative db in the config file from the file’s directory, not the working directory', async () => {
    const path = configFile('relative-db.json', { db: 'nested/relative.db', keysets: [LOCKED] });
    const run = serve({}, ['--port', '0', '--config', path]);
    try {
      await run.listening;
      expect(run.output()).toContain(`\ndatabase: ${join(configDir, 'nested', 'relative.db')}\n`);
      expect(existsSync(join(configDir, 'nested', 'relative.db'))).toBe(true);
      expect(existsSync(join(run.cwd, 'nested'))).toBe(false);
      run.child.kill('SIGTERM');
      expect(await run.exited).toBe(0);
    } finally {
      run.cleanup();
    }
  });

  it('refuses to start on a misspelt config key rather than serving an open keyset', async () => {
    const path = configFile('typo.json', { keySets: [LOCKED] });
    const run = serve({}, ['--port', '0', '--config', path]);
    expect(await run.exited).toBe(1);
    expect(run.output()).toContain(`${path}: keySets: unknown key (did you mean keysets?)`);
    expect(run.output()).not.toContain('listening');
    run.cleanup();
  });

  it('refuses a bad variable or flag, naming it and what it expects', async () => {
    const run = serve({ ROSTER_PORT: 'abc', ROSTER_LOG_LEVEL: 'loud' });
    expect(await run.exited).toBe(1);
    expect(run.output()).toContain('ROSTER_PORT=abc: expected an integer from 0 to 65535');
    expect(run.output()).toContain('ROSTER_LOG_LEVEL=loud: expected one of fatal, error, warn, info, debug, trace, silent');
    run.cleanup();
  });

  it('refuses a bad flag the same way', async () => {
    const flag = await roster(['serve', '--subscribe-hold', '400']);
    expect(flag).toMatchObject({ code: 1, stderr: expect.stringContaining('--subscribe-hold 400: expected a number above 0 and at most 300') });
  });
});

describe('roster config check', () => {
  it('prints what a node would serve and exits 0 for a good file', async () => {
    const path = configFile('good.json', { port: 9000, keysets: [LOCKED, { publishKey: 'p', subscribeKey: 'open' }] });
    const result = await roster(['config', 'check', path]);
    expect(result.code).toBe(0);
    expect(result.stdout).toBe(
      [
        `Roster ${VERSION}`,
        `config file: ${path}`,
        `database: ${resolve('data', 'roster.db')}`,
        'keyset sub-c-locked: signatures on, Access Manager on, get-all users disallowed to unsigned clients, get-all channels disallowed to unsigned clients',
        'keyset open: signatures off, Access Manager off (open: anyone with the subscribe key can read and write)',
        'demo keyset: not served (the config file declares the keysets)',
        'admin API: off (--admin-secret / ROSTER_ADMIN_SECRET / "adminSecret" in the config file turns it on, for the console)',
        'configuration OK',
        '',
      ].join('\n'),
    );
  });

  it('exits 1 naming every problem of a bad file, taken from ROSTER_CONFIG when no file is given', async () => {
    const path = configFile('bad.json', { keysets: [{ ...LOCKED, acessManager: true, limits: { maxMembersPerChannel: 'lots' } }] });
    const result = await roster(['config', 'check'], { ROSTER_CONFIG: path });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`${path}: keysets[0].acessManager: unknown key (did you mean accessManager?)`);
    expect(result.stderr).toContain(`${path}: keysets[0].limits.maxMembersPerChannel: expected an integer of at least 1, got "lots"`);
    expect(result.stdout).toBe('');
  });
});

describe('roster config check reports every problem at once', () => {
  it('reports a wrongly typed setting together with the keyset rules', async () => {
    const path = configFile('typed.json', { port: '8080', keysets: [{ publishKey: 'p', subscribeKey: 's', accessManager: true }] });
    const result = await roster(['config', 'check', path]);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(
      [
        'Invalid configuration (2 problems):',
        `  ${path}: port: expected an integer from 0 to 65535, got "8080"`,
        `  ${path}: keysets[0].accessManager: accessManager needs a secretKey to sign and check tokens (\`npx roster keys new\` prints a keyset with one)`,
        '',
      ].join('\n'),
    );
  });
});

describe('a refused setting that holds a URL is named without its password', () => {
  const unreadable = 'expected a postgres:// URL that parses: a host, a port up to 65535, and `%` only as in `%40`';
  it.each([
    [['serve', '--port', '0'], { ROSTER_STORE: 'mysql://roster:s3cret@db/x' }, 'ROSTER_STORE=mysql://roster:***@db/x: expected `sqlite` or a postgres:// URL'],
    [['serve', '--port', '0', '--bus', 'redis://roster:s3cret@cache:6379'], {}, '--bus redis://roster:***@cache:6379: expected `in-process` or a nats:// URL'],
    [
      ['serve', '--port', '0', '--presence', 'http://roster:s3cret@cache:6379'],
      {},
      '--presence http://roster:***@cache:6379: expected `in-process` or a redis:// URL',
    ],
    [['export', '--store', 'pg://roster:s3cret@db/x'], {}, '--store pg://roster:***@db/x: expected `sqlite` or a postgres:// URL'],
    [['migrate', '--from', 'x.db', '--to', 'mysql://roster:s3cret@db/x'], {}, '--to mysql://roster:***@db/x: expected a postgres:// or postgresql:// URL'],
    [['serve', '--port', '0', '--store', 'postgres://roster:s3cret@db:99999/x'], {}, `--store postgres://roster:***@db:99999/x: ${unreadable}`],
    [['migrate', '--from', 'x.db', '--to', 'postgres://roster:s3cret@/x'], {}, `--to postgres://roster:***@/x: ${unreadable}`],
  ])('roster %j %j', async (args, env, message) => {
    const result = await roster(args, env);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(message);
    expect(result.stderr).not.toContain('s3cret');
  });

  it('in a config file too', async () => {
    const path = configFile('store-url.json', { store: 'mysql://roster:s3cret@db/x' });
    const result = await roster(['config', 'check', path]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`${path}: store: expected \`sqlite\` or a postgres:// URL, got "mysql://roster:***@db/x"`);
    expect(result.stderr).not.toContain('s3cret');
  });
});

describe('roster --version', () => {
  it('prints the version of packages/server/package.json', async () => {
    expect(await roster(['--version'])).toMatchObject({ code: 0, stdout: `${VERSION}\n` });
  });
});
