import { closeSync, constants, fstatSync, openSync, readFileSync } from 'node:fs';
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { createSecureContext } from 'node:tls';

/** What HTTPS is served with: the PEM texts of a certificate (chain) and its private key. */
export interface TlsFiles {
  cert: Buffer;
  key: Buffer;
}

/** Far more than a certificate chain or a key takes; a larger file is not one (and is not read into memory). */
const MAX_PEM_BYTES = 1024 * 1024;

const SET_BY = {
  cert: '--tls-cert / ROSTER_TLS_CERT / "tlsCert" in the config file',
  key: '--tls-key / ROSTER_TLS_KEY / "tlsKey" in the config file',
} as const;

/**
 * Reads and checks the certificate and key files of `--tls-cert` and `--tls-key` before the node
 * listens: each must be readable and PEM, and the key must be the certificate's.
 * @throws Error in one line naming the file, what is wrong and the setting that names it, e.g.
 * `Cannot read the TLS certificate /etc/roster/cert.pem: no such file (set by --tls-cert / …)`.
 */
export function readTlsFiles(certPath: string, keyPath: string): TlsFiles {
  const cert = readPem(certPath, 'certificate', SET_BY.cert);
  const key = readPem(keyPath, 'private key', SET_BY.key);
  usable(() => createSecureContext({ cert }), `The TLS certificate ${certPath} is not a PEM certificate`, SET_BY.cert);
  usable(() => createSecureContext({ key }), `The TLS private key ${keyPath} is not an unencrypted PEM private key`, SET_BY.key);
  usable(
    () => {
      // OpenSSL checks the pair only for keys of the certificate's type: an EC key beside an RSA
      // certificate would pass and then fail every handshake.
      if (!new X509Certificate(cert).checkPrivateKey(createPrivateKey(key))) throw new Error('the key does not match the certificate');
      createSecureContext({ cert, key });
    },
    `The TLS private key ${keyPath} is not the key of the certificate ${certPath}`,
    `${SET_BY.cert}, and ${SET_BY.key}`,
  );
  return { cert, key };
}

function readPem(path: string, what: string, setBy: string): Buffer {
  const refuse = (reason: string, cause?: unknown) => new Error(`Cannot read the TLS ${what} ${path}: ${reason} (set by ${setBy})`, { cause });
  let fd: number;
  try {
    // Non-blocking, so that a FIFO is refused below rather than holding the start forever waiting for a writer.
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw refuse(code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a directory' : code === 'EACCES' ? 'permission denied' : String(error), error);
  }
  try {
    const stats = fstatSync(fd);
    if (stats.isDirectory()) throw refuse('it is a directory');
    // A device (/dev/zero, /dev/stdin), FIFO or socket may never end: it would hold the start or fill the memory.
    if (!stats.isFile()) throw refuse('it is not a regular file (a device, FIFO or socket)');
    if (stats.size > MAX_PEM_BYTES) throw refuse(`it is ${stats.size} bytes; a PEM ${what} is at most ${MAX_PEM_BYTES} bytes`);
    return readFileSync(fd);
  } catch (error) {
    if (error instanceof Error && error.message.startsWith('Cannot read the TLS')) throw error;
    throw refuse(String(error), error);
  } finally {
    closeSync(fd);
  }
}

function usable(check: () => unknown, problem: string, setBy: string): void {
  try {
    check();
  } catch (error) {
    // OpenSSL's reason, without its error-code prefix: `error:0480006C:PEM routines::no start line` → `no start line`.
    const reason = (error instanceof Error ? error.message : String(error)).replace(/^error:[0-9A-F]+:[^:]*::?/, '');
    throw new Error(`${problem} (${reason}; set by ${setBy})`, { cause: error });
  }
}
