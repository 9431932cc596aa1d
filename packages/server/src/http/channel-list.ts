import type { FastifyRequest } from 'fastify';
import { badRequest } from '../errors.ts';
import { codePointLength } from '../objects/validate.ts';

/**
 * The path's segments as sent, still percent-encoded. Channel lists and published messages are
 * read from here rather than from decoded route parameters: a name may hold an encoded `,` or
 * `/` (wire-protocol.md §1.1: split first, then decode each piece).
 */
export function rawSegments(request: FastifyRequest): string[] {
  const url = request.raw.url ?? request.url;
  const end = url.indexOf('?');
  return (end < 0 ? url : url.slice(0, end)).split('/').slice(1);
}

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
    checkNameLength(channel, 'channels', maxNameLength);
    channels.add(channel);
  }
  return [...channels];
}

/** A channel name's length in characters (code points, as PubNub counts them), or a 400. */
export function checkNameLength(channel: string, location: string, maxNameLength: number): void {
  // A name of at most `maxNameLength` UTF-16 units has at most that many code points.
  if (channel.length <= maxNameLength) return;
  const length = codePointLength(channel);
  if (length > maxNameLength) throw badRequest(location, 'path', `Channel names are at most ${maxNameLength} characters; one has ${length}.`);
}
