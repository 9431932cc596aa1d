import { PNOperationType } from '../../models/operation.ts';
import type { PNTimeResult } from '../../models/results.ts';
import type { PNStatus } from '../../models/status.ts';
import type { RequestDescriptor } from '../../transport/request.ts';
import { Endpoint } from '../endpoint.ts';
import { MalformedResponse, type ParsedResponse } from '../execute.ts';

/**
 * `time`: the server's current timetoken.
 * @example const { result } = await client.time().sync(); result.toDate();
 */
export class Time extends Endpoint<PNTimeResult> {
  readonly operation = PNOperationType.PNTimeOperation;

  buildRequest(): RequestDescriptor {
    return { method: 'GET', path: '/time/0', query: [], idempotent: true, authenticated: false };
  }

  /** `[17379929965457610]`: read from the text, since a 17-digit JSON number loses precision. */
  parse(response: ParsedResponse, _status: PNStatus): PNTimeResult {
    const timetoken = /^\s*\[\s*"?(\d+)"?\s*\]\s*$/.exec(response.text)?.[1];
    if (timetoken === undefined) throw new MalformedResponse('Expected [timetoken].');
    return { timetoken, toDate: () => timetokenToDate(timetoken) };
  }
}

/** A timetoken counts 100 ns units since the Unix epoch. */
export function timetokenToDate(timetoken: string): Date {
  return new Date(Number(BigInt(timetoken) / 10_000n));
}
