/**
 * The most bytes (after any `Content-Encoding` is undone) an ordinary call reads of a response
 * body: 64 MiB. The largest answers a Roster server documents are here-now's, at most 100,000
 * uuids of up to 92 code points (≤ 368 UTF-8 bytes each), about 37 MB; list pages (100 records
 * of ≤ 32 KiB, ≈ 3.3 MB, twice that for memberships with their channel included) and history
 * (≤ 4 MiB of messages) are far below it.
 */
export const MAX_RESPONSE_BYTES = 64 * 1024 * 1024;

/**
 * The most bytes a subscribe long-poll reads: 8 MiB. A Roster answer carries at most 100
 * envelopes and 1 MiB of envelope text; PubNub's at most 100 messages of ≤ 32 KiB (≈ 3.3 MB).
 * Kept lower than {@link MAX_RESPONSE_BYTES} because a long-poll stays open for minutes.
 */
export const MAX_SUBSCRIBE_RESPONSE_BYTES = 8 * 1024 * 1024;

/** A response body passed the cap it was read with; reading stopped there. */
export class ResponseTooLarge extends Error {
  /** The cap that was passed, in bytes. */
  readonly limitBytes: number;

  constructor(limitBytes: number) {
    super(`the response body is larger than ${limitBytes} bytes, the most this call reads`);
    this.name = 'ResponseTooLarge';
    this.limitBytes = limitBytes;
  }
}

/**
 * The body of `response` as text (UTF-8, as `Response.text()` decodes it), read as a stream so
 * that at most `maxBytes` bytes are ever held. Throws {@link ResponseTooLarge} as soon as the
 * `Content-Length` or the bytes read pass `maxBytes`, after cancelling the body (which lets the
 * connection go); rejects as the stream does when the request is aborted.
 */
export async function readBodyText(response: Response, maxBytes: number): Promise<string> {
  const declared = Number(response.headers.get('content-length') ?? Number.NaN);
  if (declared > maxBytes) {
    await response.body?.cancel().catch(() => undefined);
    throw new ResponseTooLarge(maxBytes);
  }
  if (response.body === null) return '';
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  const parts: string[] = [];
  let bytes = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    bytes += value.byteLength;
    if (bytes > maxBytes) {
      await reader.cancel().catch(() => undefined);
      throw new ResponseTooLarge(maxBytes);
    }
    parts.push(decoder.decode(value, { stream: true }));
  }
  parts.push(decoder.decode());
  return parts.join('');
}
