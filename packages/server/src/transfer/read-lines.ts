import type { Readable } from 'node:stream';

/** A line of a transfer file: its text, or why it cannot be read (too long, or not UTF-8). */
export type ReadLine = { text: string } | { problem: string };

const NEWLINE = 0x0a;
const CARRIAGE_RETURN = 0x0d;
const BOM = Buffer.from([0xef, 0xbb, 0xbf]);

/**
 * The lines of `input` (LF or CRLF endings; a UTF-8 byte order mark at the start of the input is
 * skipped), decoded as strict UTF-8: a line that is not (say, Latin-1 bytes) is reported rather than
 * read with U+FFFD in place of its bytes, which would import text other than the file's. A line of
 * more than `maxBytes` is reported without being held in memory: only the current line is buffered,
 * up to `maxBytes`.
 */
export async function* readLines(input: Readable, maxBytes: number): AsyncGenerator<ReadLine> {
  const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
  let parts: Buffer[] = [];
  let length = 0;
  let tooLong = false;
  let first = true;
  const end = (): ReadLine => {
    const line = Buffer.concat(parts, length);
    const bytes = length;
    parts = [];
    length = 0;
    if (tooLong) {
      tooLong = false;
      return { problem: `is longer than ${maxBytes} bytes, more than any record this configuration allows` };
    }
    const text = line.at(-1) === CARRIAGE_RETURN ? line.subarray(0, -1) : line;
    try {
      return { text: decoder.decode(text) };
    } catch {
      return { problem: `is not UTF-8 text (byte ${invalidAt(text) ?? bytes} of the line)` };
    }
  };
  const add = (piece: Buffer) => {
    if (tooLong) return;
    if (length + piece.length > maxBytes) {
      tooLong = true;
      parts = [];
      return;
    }
    parts.push(piece);
    length += piece.length;
  };
  for await (const data of input) {
    let chunk = data as Buffer;
    if (first) {
      first = false;
      if (chunk.subarray(0, 3).equals(BOM)) chunk = chunk.subarray(3);
    }
    let start = 0;
    for (let at = chunk.indexOf(NEWLINE); at !== -1; at = chunk.indexOf(NEWLINE, start)) {
      add(chunk.subarray(start, at));
      yield end();
      start = at + 1;
    }
    // A slice of the read buffer would keep the whole buffer alive: copy what stays.
    if (start < chunk.length) add(Buffer.from(chunk.subarray(start)));
  }
  if (length > 0 || tooLong) yield end();
}

/** The 1-based byte offset of the first character of `bytes` that is not UTF-8, if one is found. */
function invalidAt(bytes: Buffer): number | undefined {
  let low = 0;
  let high = bytes.length;
  // The longest prefix that decodes, allowing it to end inside a character.
  while (low < high) {
    const middle = Math.ceil((low + high) / 2);
    try {
      new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(0, middle), { stream: true });
      low = middle;
    } catch {
      high = middle - 1;
    }
  }
  // The character that fails (or is cut off by the line's end) may have begun in that prefix: name its first byte.
  let start = low;
  while (start > 0 && low - start < 3 && (bytes[start - 1]! & 0xc0) === 0x80) start--;
  if (start > 0 && low - start < 3 && bytes[start - 1]! >= 0xc0) return start;
  return low < bytes.length ? low + 1 : undefined;
}
