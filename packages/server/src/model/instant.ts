/**
 * The `updated` clock: ISO 8601 UTC instants with microseconds, stored fixed-width
 * (`2024-03-07T08:49:07.011608Z`) so that text order is time order, and strictly increasing
 * within this process so two writes never share an instant.
 */
let lastMicros = 0;
/** The whole second `now` last formatted, and its text up to the fraction (`2024-03-07T08:49:07`). */
let lastSecond = Number.NaN;
let secondText = '';

/** Microseconds since 1970, strictly increasing; a double holds them exactly until the year 2255. */
function nowMicros(): number {
  const wall = Math.round((performance.timeOrigin + performance.now()) * 1000);
  lastMicros = wall > lastMicros ? wall : lastMicros + 1;
  return lastMicros;
}

/** The current instant as a stored timestamp. */
export function now(): string {
  const micros = nowMicros();
  const fraction = micros % 1_000_000;
  const second = micros - fraction;
  if (second !== lastSecond) {
    lastSecond = second;
    secondText = new Date(second / 1000).toISOString().slice(0, 19);
  }
  return `${secondText}.${String(fraction).padStart(6, '0')}Z`;
}

export function formatMicros(micros: bigint): string {
  // Floor, not truncate: before 1970 `%` is negative and `/` rounds toward zero.
  const fraction = ((micros % 1_000_000n) + 1_000_000n) % 1_000_000n;
  const seconds = Number((micros - fraction) / 1_000_000n);
  return `${new Date(seconds * 1000).toISOString().slice(0, 19)}.${String(fraction).padStart(6, '0')}Z`;
}

/** Stored form → wire form: trailing zeros of the fraction trimmed, as PubNub answers. */
export function toWire(stored: string): string {
  // Most instants end in a digit other than 0: nothing to trim.
  return stored.charCodeAt(stored.length - 2) === 0x30 ? stored.replace(/\.(\d*?)0+Z$/, (_, kept: string) => (kept === '' ? 'Z' : `.${kept}Z`)) : stored;
}

/**
 * Parses an ISO 8601 instant of any precision (as a filter literal may be) into the stored,
 * fixed-width form; `undefined` when it is not a date.
 */
export function toStored(text: string): string | undefined {
  const match = /^(\d{4}-\d{2}-\d{2})(?:[T ](\d{2}:\d{2}(?::\d{2})?)(?:\.(\d+))?)?(Z|[+-]\d{2}:?\d{2})?$/.exec(text);
  if (!match) return undefined;
  const [, day, time = '00:00:00', fraction = '', zone = 'Z'] = match;
  const base = Date.parse(`${day}T${time.length === 5 ? `${time}:00` : time}${zone}`);
  if (Number.isNaN(base)) return undefined;
  // Date.parse rolls 2024-02-30 over into March; a day that does not exist is not a date.
  if (new Date(`${day}T00:00:00Z`).toISOString().slice(0, 10) !== day) return undefined;
  const micros = BigInt(base) * 1000n + BigInt(fraction.slice(0, 6).padEnd(6, '0'));
  return formatMicros(micros);
}
