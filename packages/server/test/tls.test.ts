import { execFile, execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { commandMissing } from './commands.ts';

// HTTPS served by the node itself (--tls-cert/--tls-key), with certificates this test makes with the openssl CLI.

const BIN = resolve(fileURLToPath(new URL('../bin/roster.js', import.meta.url)));
const execute = promisify(execFile);

const noOpenssl = commandMissing('openssl', ['version'], 'the openssl command is not installed');

const dir = mkdtempSync(join(tmpdir(), 'roster-tls-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A self-signed P-256 certificate for 127.0.0.1 and localhost, and its key, as PEM files named `<name>.crt` and `<name>.key`. */
function selfSigned(name: string): { cert: string; key: string } {
  const cert = join(dir, `${name}.crt`);
  const key = join(dir, `${name}.key`);
  execFileSync(
    'openssl',
    [
      'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1',
      '-subj', '/CN=roster-test', '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost', '-keyout', key, '-out', cert,
    ], // prettier-ignore
    { stdio: 'ignore' },
  );
  return { cert, key };
}

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** A GET over HTTPS that trusts only `ca` (Node's own certificate check, host name included). */
function httpsGet(url: string, ca: Buffer | string): Promise<Answer> {
  return new Promise((done, fail) => {
    const sent = request(url, { ca }, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (body += chunk));
      response.on('end', () => done({ status: response.statusCode ?? 0, headers: response.headers, body }));
    });
    sent.on('error', fail);
    sent.end();
  });
}

/** `roster serve` with `args` (and `env`), resolved with its URL once it listens; `stop` ends it either way. */
function serve(args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): { listening: Promise<string>; stop(): Promise<void> } {
  const child = spawn(process.execPath, [BIN, 'serve', '--port', '0', '--db', ':memory:', ...args], {
    cwd: options.cwd ?? dir,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ROSTER_LOG_LEVEL: 'warn', ...options.env },
  });
  const listening = new Promise<string>((done, fail) => {
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const url = /listening on (\S+)/.exec(output)?.[1];
      if (url !== undefined) done(url);
    });
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('exit', (code) => fail(new Error(`roster exited with ${code} before listening:\n${output}`)));
  });
  return { listening, stop: () => stop(child) };
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((done) => child.once('exit', done));
  child.kill('SIGTERM');
  await exited;
}

/** Runs `roster serve …args` expecting it to fail, and returns the last line of its stderr. */
async function failedStart(args: string[], env: NodeJS.ProcessEnv = {}): Promise<string> {
  try {
    await execute(process.execPath, [BIN, 'serve', '--port', '0', '--db', ':memory:', ...args], {
      cwd: dir,
      timeout: 30_000,
      // A start blocked in a synchronous read never runs its SIGTERM handler.
      killSignal: 'SIGKILL',
      env: { ...process.env, ...env },
    });
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    expect(failed.code).toBe(1);
    expect(failed.stdout).not.toContain('listening');
    expect(failed.stderr).not.toMatch(/^\s+at /m);
    return failed.stderr.trim().split('\n').at(-1)!;
  }
  throw new Error('the node started');
}

describe.skipIf(noOpenssl !== undefined)(`HTTPS with --tls-cert and --tls-key${noOpenssl === undefined ? '' : ` (skipped: ${noOpenssl})`}`, () => {
  let pair: { cert: string; key: string };
  let other: { cert: string; key: string };
  beforeAll(() => {
    pair = selfSigned('node');
    other = selfSigned('other');
  });

  it('serves the API over HTTPS, verified against the certificate', { timeout: 60_000 }, async () => {
    const node = serve(['--tls-cert', pair.cert, '--tls-key', pair.key]);
    try {
      const url = await node.listening;
      expect(url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
      const ca = readFileSync(pair.cert);
      const time = await httpsGet(`${url}/time/0`, ca);
      expect(time.status).toBe(200);
      expect(time.headers['server']).toMatch(/^Roster\//);
      const missing = await httpsGet(`${url}/v2/objects/demo/uuids/nobody`, ca);
      expect(missing.status).toBe(404);
      expect(JSON.parse(missing.body)).toMatchObject({ status: 404, error: { source: 'objects' } });
      // A client that does not trust this certificate refuses the connection.
      await expect(httpsGet(`${url}/time/0`, readFileSync(other.cert))).rejects.toThrow(/self.signed|unable to verify|certificate/i);
    } finally {
      await node.stop();
    }
  });

  it('takes the files from the environment, and relative paths in the config file from its directory', { timeout: 60_000 }, async () => {
    const config = join(dir, 'roster.json');
    writeFileSync(config, JSON.stringify({ tlsCert: 'node.crt', tlsKey: 'node.key' }));
    const fromFile = serve(['--config', config], { cwd: tmpdir() });
    try {
      expect((await httpsGet(`${await fromFile.listening}/health`, readFileSync(pair.cert))).status).toBe(200);
    } finally {
      await fromFile.stop();
    }
    const fromEnv = serve([], { env: { ROSTER_TLS_CERT: pair.cert, ROSTER_TLS_KEY: pair.key } });
    try {
      expect((await httpsGet(`${await fromEnv.listening}/health`, readFileSync(pair.cert))).status).toBe(200);
    } finally {
      await fromEnv.stop();
    }
  });

  it('refuses to start with a key that is not the certificate’s, of its type or another, naming both files and settings', { timeout: 90_000 }, async () => {
    const rsaKey = join(dir, 'rsa.key');
    execFileSync('openssl', ['genpkey', '-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048', '-out', rsaKey], { stdio: 'ignore' });
    for (const key of [other.key, rsaKey]) {
      expect(await failedStart(['--tls-cert', pair.cert, '--tls-key', key])).toBe(
        `The TLS private key ${key} is not the key of the certificate ${pair.cert} (the key does not match the certificate; set by --tls-cert / ROSTER_TLS_CERT / "tlsCert" in the config file, and --tls-key / ROSTER_TLS_KEY / "tlsKey" in the config file)`,
      );
    }
  });

  it('refuses to start with a missing file or one that is not PEM, naming it', { timeout: 60_000 }, async () => {
    const absent = join(dir, 'absent.key');
    expect(await failedStart(['--tls-cert', pair.cert, '--tls-key', absent])).toBe(
      `Cannot read the TLS private key ${absent}: no such file (set by --tls-key / ROSTER_TLS_KEY / "tlsKey" in the config file)`,
    );
    expect(await failedStart(['--tls-cert', pair.key, '--tls-key', pair.key])).toMatch(
      new RegExp(`^The TLS certificate ${pair.key} is not a PEM certificate \\(.+; set by --tls-cert / ROSTER_TLS_CERT / "tlsCert" in the config file\\)$`),
    );
  });

  it('refuses a FIFO, a device and an oversized file rather than waiting on it or reading it whole', { timeout: 90_000 }, async () => {
    const fifo = join(dir, 'fifo.pem');
    execFileSync('mkfifo', [fifo]);
    expect(await failedStart(['--tls-cert', fifo, '--tls-key', pair.key])).toBe(
      `Cannot read the TLS certificate ${fifo}: it is not a regular file (a device, FIFO or socket) (set by --tls-cert / ROSTER_TLS_CERT / "tlsCert" in the config file)`,
    );
    expect(await failedStart(['--tls-cert', pair.cert, '--tls-key', '/dev/zero'])).toBe(
      'Cannot read the TLS private key /dev/zero: it is not a regular file (a device, FIFO or socket) (set by --tls-key / ROSTER_TLS_KEY / "tlsKey" in the config file)',
    );
    const huge = join(dir, 'huge.pem');
    writeFileSync(huge, Buffer.alloc(2 * 1024 * 1024, 'A'));
    expect(await failedStart(['--tls-cert', huge, '--tls-key', pair.key])).toBe(
      `Cannot read the TLS certificate ${huge}: it is ${2 * 1024 * 1024} bytes; a PEM certificate is at most 1048576 bytes (set by --tls-cert / ROSTER_TLS_CERT / "tlsCert" in the config file)`,
    );
  });

  it('refuses a certificate without its key, and a key without its certificate', { timeout: 60_000 }, async () => {
    expect(await failedStart(['--tls-cert', pair.cert])).toBe(
      '  the TLS certificate is set but not its private key (--tls-key / ROSTER_TLS_KEY / "tlsKey" in the config file): HTTPS needs both, or neither for plain HTTP',
    );
    expect(await failedStart([], { ROSTER_TLS_KEY: pair.key })).toBe(
      '  the TLS private key is set but not its certificate (--tls-cert / ROSTER_TLS_CERT / "tlsCert" in the config file): HTTPS needs both, or neither for plain HTTP',
    );
  });
});
