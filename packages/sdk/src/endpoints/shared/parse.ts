import { PNNextPage, PNPreviousPage } from '../../models/page.ts';
import type { PNListResult, PNObjectResult } from '../../models/results.ts';
import type { PNStatus } from '../../models/status.ts';
import { isRecord } from '../../transport/json.ts';
import { MalformedResponse, type ParsedResponse } from '../execute.ts';

// The parsers check the envelope, not every field of every object: the server owns the
// object shapes, and the types document them.

/** `{"status":200,"data":{...}}` */
export function parseObjectResult<TData>(response: ParsedResponse, status: PNStatus): PNObjectResult<TData> {
  const body = envelope(response);
  if (!isRecord(body['data'])) throw new MalformedResponse('Expected an object in "data".');
  // The server's object matches TData by contract (the include flags decide which optional fields it has).
  return { data: body['data'] as TData, status };
}

/** `{"status":200,"data":[...],"totalCount":N,"next":"...","prev":"..."}` */
export function parseListResult<TItem>(response: ParsedResponse, status: PNStatus): PNListResult<TItem> {
  const body = envelope(response);
  const data = body['data'];
  if (!Array.isArray(data)) throw new MalformedResponse('Expected an array in "data".');
  const { totalCount, next, prev } = body;
  return {
    // Items match TItem by contract, as above.
    data: data as TItem[],
    totalCount: typeof totalCount === 'number' ? totalCount : null,
    next: typeof next === 'string' && next !== '' ? new PNNextPage(next) : null,
    prev: typeof prev === 'string' && prev !== '' ? new PNPreviousPage(prev) : null,
    status,
  };
}

/**
 * The timetoken of a publish-style answer, `[1,"Sent","17379929965457610"]`. Read from the text
 * when the server wrote it as a number, which JSON would round.
 */
export function parseSentTimetoken(response: ParsedResponse, call: string): string {
  const { body } = response;
  if (!Array.isArray(body) || body.length < 3) throw new MalformedResponse('Expected [1, "Sent", timetoken].');
  const timetoken = typeof body[2] === 'string' ? body[2] : /,\s*(\d+)\s*\]\s*$/.exec(response.text)?.[1];
  if (timetoken === undefined) throw new MalformedResponse(`The ${call} response has no timetoken.`);
  return timetoken;
}

/** The body as a JSON object; {@link MalformedResponse} when it is anything else. */
export function envelope(response: ParsedResponse): Record<string, unknown> {
  if (!isRecord(response.body)) throw new MalformedResponse('Expected a JSON object body.');
  return response.body;
}
