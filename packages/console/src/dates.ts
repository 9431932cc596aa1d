/**
 * Every date the console shows, in one form: `2026-12-06 05:33:17 UTC`. The same for every
 * operator whatever their browser's locale or time zone, so dates compare at a glance and read
 * the same in a screenshot or a bug report. Text that is not a date is shown as it came.
 */
export function formatDate(value: string | Date): string {
  const date = typeof value === 'string' ? new Date(value) : value;
  if (Number.isNaN(date.getTime())) return String(value);
  return `${date.toISOString().slice(0, 19).replace('T', ' ')} UTC`;
}
