import { parseJson } from '../../transport/json.ts';
import { InvalidParameters, type ParsedResponse } from '../execute.ts';

/**
 * A timetoken as a caller may give it: a string or bigint (17 digits do not fit a JS number
 * exactly), or a number for small values such as `0`.
 */
export type TimetokenInput = string | number | bigint;

/** The decimal text of a timetoken; throws {@link InvalidParameters} (naming `name`) when it is not one. */
export function timetokenText(name: string, value: TimetokenInput): string {
  if (typeof value === 'number' && !Number.isSafeInteger(value)) {
    throw new InvalidParameters(`${name} must be a whole number below 2^53, or else given as a string or bigint; got ${value}.`);
  }
  const text = String(value);
  if (!/^\d{1,20}$/.test(text))
    throw new InvalidParameters(`${name} must be a timetoken (decimal digits, e.g. "17000000000000000"); got ${JSON.stringify(text)}.`);
  return text;
}

/** A timetoken key (also `more`'s `start`/`end`) followed by a bare integer. Only a key can follow `{` or `,` and an unescaped quote. */
const NUMERIC_TIMETOKEN = /([{,]\s*"(?:timetoken|actionTimetoken|messageTimetoken|start|end)"\s*:\s*)(\d+)(?=\s*[,}])/g;

/**
 * The body parsed with its timetoken fields as strings. A server may write them as JSON
 * numbers, which `JSON.parse` rounds (17 digits exceed 2^53), so they are quoted in the raw
 * text first. Read only timetokens from it: a message that has a numeric `timetoken` field of
 * its own is quoted too, so messages and meta come from `response.body`.
 */
export function timetokenView(response: ParsedResponse): unknown {
  const quoted = response.text.replace(NUMERIC_TIMETOKEN, '$1"$2"');
  return quoted === response.text ? response.body : parseJson(quoted);
}
