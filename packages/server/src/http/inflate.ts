import { gunzipSync, inflateRawSync, inflateSync } from 'node:zlib';
import { RosterError } from '../errors.ts';

const GZIP_MAGIC = [0x1f, 0x8b] as const;

function tooLarge(): RosterError {
  return new RosterError('PAYLOAD_TOO_LARGE', 'Request payload is too large.');
}

function isTooLarge(error: unknown): boolean {
  return (error as { code?: unknown } | null)?.code === 'ERR_BUFFER_TOO_LARGE';
}

/**
 * A body as sent, inflated when `Content-Encoding` says it is compressed. The magic bytes
 * decide how (wire-protocol.md §1.3): the JS SDK sends zlib data as `deflate`, Python sends zlib
 * data while saying `gzip`; a real gzip stream starts with 1f 8b, otherwise zlib, then raw deflate.
 * Inflation stops at `maxBytes`, so a small compressed body cannot expand without bound.
 */
export function inflateBody(body: Buffer, encoding: string | undefined, maxBytes: number): Buffer {
  const name = encoding?.trim().toLowerCase() ?? '';
  if (name === '' || name === 'identity') return body;
  if (name !== 'gzip' && name !== 'x-gzip' && name !== 'deflate') {
    throw new RosterError('UNSUPPORTED_MEDIA_TYPE', `Unsupported Content-Encoding '${encoding}'.`);
  }
  const options = { maxOutputLength: maxBytes + 1 };
  const attempts = body[0] === GZIP_MAGIC[0] && body[1] === GZIP_MAGIC[1] ? [gunzipSync] : [inflateSync, inflateRawSync];
  for (const inflate of attempts) {
    try {
      const inflated = inflate(body, options);
      if (inflated.length > maxBytes) throw tooLarge();
      return inflated;
    } catch (error) {
      if (error instanceof RosterError) throw error;
      if (isTooLarge(error)) throw tooLarge();
    }
  }
  throw new RosterError('INVALID_INPUT', 'Invalid JSON', [{ message: `The body is not ${name}-compressed data.`, location: 'body', locationType: 'body' }]);
}
