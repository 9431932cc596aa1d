import { badRequest } from '../errors.ts';
import { codePointLength, idProblem } from '../objects/validate.ts';

/**
 * One raw path segment (url.ts `rawParamsOf`) percent-decoded, or a 400 naming `location`.
 * Channel lists and published messages are read from raw segments rather than from decoded
 * route parameters: a name may hold an encoded `,` or `/`.
 */
export function decodeSegment(text: string, location: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    throw badRequest(location, 'path', `${location} is not validly percent-encoded.`);
  }
}

/**
 * A `{channels}` path segment: names joined by `,`, each percent-encoded. A lone `,` (what SDKs
 * send when they subscribe to channel groups only) is an empty list. Names must be non-empty;
 * repeats count once.
 */
export function parseChannelList(segment: string, maxNameLength: number): string[] {
  if (segment === ',') return [];
  const channels = new Set<string>();
  for (const part of segment.split(',')) {
    const channel = decodeSegment(part, 'channels');
    if (channel === '') throw badRequest('channels', 'path', 'A channel name in the list is empty.');
    checkChannelName(channel, 'channels', maxNameLength);
    channels.add(channel);
  }
  return [...channels];
}

/**
 * A non-empty channel name's length in characters (code points, as PubNub counts them) and
 * characters (no control characters, U+2028 or U+2029: the id rule of objects/validate.ts), or a
 * 400 naming `location`.
 */
export function checkChannelName(channel: string, location: string, maxNameLength: number): void {
  checkNameLength(channel, location, maxNameLength);
  const problem = idProblem(channel, maxNameLength);
  if (problem !== undefined) throw badRequest(location, 'path', `The channel name ${problem}.`);
}

/**
 * The `uuid` query parameter of publish, subscribe and presence (the client's user id): absent
 * is allowed; present, it follows the id rule (1 to `maxIdLength` characters, no control
 * characters), else a 400 naming `uuid`.
 */
export function checkUuidParam(uuid: string | undefined, maxIdLength: number): string | undefined {
  if (uuid === undefined) return undefined;
  const problem = idProblem(uuid, maxIdLength);
  if (problem !== undefined) throw badRequest('uuid', 'query', `The uuid ${problem}.`);
  return uuid;
}

/** A channel name's length in characters (code points, as PubNub counts them), or a 400. */
export function checkNameLength(channel: string, location: string, maxNameLength: number): void {
  // A name of at most `maxNameLength` UTF-16 units has at most that many code points.
  if (channel.length <= maxNameLength) return;
  const length = codePointLength(channel);
  if (length > maxNameLength) throw badRequest(location, 'path', `Channel names are at most ${maxNameLength} characters; one has ${length}.`);
}
