import { customProblem, type CustomValue, type CustomValues } from '../limits.ts';

/** How a row of the key/value editor types its value. */
export type RowType = 'string' | 'number' | 'boolean' | 'null';

/** One row of the key/value editor as typed: `text` is the value's text (`true`/`false` for booleans). */
export interface CustomRow {
  /** Stable across edits, for Preact's keys and focus. */
  id: number;
  key: string;
  type: RowType;
  text: string;
}

/** A value and the problem with it; `value` is best-effort when `problem` is set. */
export interface Checked {
  value: CustomValues;
  problem: string | undefined;
}

const JSON_NUMBER = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?$/;
let nextRowId = 1;

export const newRow = (key = '', type: RowType = 'string', text = ''): CustomRow => ({ id: nextRowId++, key, type, text });

function rowOf(key: string, value: CustomValue): CustomRow {
  if (value === null) return newRow(key, 'null');
  if (typeof value === 'string') return newRow(key, 'string', value);
  return newRow(key, typeof value === 'number' ? 'number' : 'boolean', String(value));
}

export const rowsOf = (custom: CustomValues): CustomRow[] => Object.entries(custom).map(([key, value]) => rowOf(key, value));

/** The row's value, or why it has none. */
function rowValue(row: CustomRow, position: number): { value: CustomValue } | { problem: string } {
  const label = row.key === '' ? `Custom row ${position}` : `Custom "${row.key}"`;
  switch (row.type) {
    case 'string':
      return { value: row.text };
    case 'null':
      return { value: null };
    case 'boolean':
      return { value: row.text === 'true' };
    case 'number': {
      const text = row.text.trim();
      const value = Number(text);
      if (!JSON_NUMBER.test(text)) return { problem: `${label} must be a number, such as 42 or -1.5.` };
      return Number.isFinite(value) ? { value } : { problem: `${label} is a number out of range: numbers must be finite.` };
    }
  }
}

/** The object the rows describe, refusing an empty or repeated key and anything the server would. */
export function checkRows(rows: readonly CustomRow[]): Checked {
  const entries: [string, CustomValue][] = [];
  const seen = new Set<string>();
  let problem: string | undefined;
  rows.forEach((row, index) => {
    const result = rowValue(row, index + 1);
    if ('value' in result) entries.push([row.key, result.value]);
    if (problem !== undefined) return;
    if (row.key === '') problem = `Custom row ${index + 1} has an empty key; every key needs a name.`;
    else if (seen.has(row.key)) problem = `Custom key "${row.key}" appears more than once.`;
    else if ('problem' in result) problem = result.problem;
    seen.add(row.key);
  });
  // fromEntries defines own keys, so a key named `__proto__` stays a key.
  const value = Object.fromEntries(entries);
  return { value, problem: problem ?? customProblem(value) };
}

/** Raw JSON text for the rows, keeping what is wrong with them visible (an unparsable number stays as typed). */
export function rowsToJson(rows: readonly CustomRow[]): string {
  if (rows.length === 0) return '{}';
  const lines = rows.map((row) => {
    const value = row.type === 'string' ? JSON.stringify(row.text) : row.type === 'null' ? 'null' : row.text.trim() || '""';
    return `  ${JSON.stringify(row.key)}: ${value}`;
  });
  return `{\n${lines.join(',\n')}\n}`;
}

export const customToJson = (custom: CustomValues): string => (Object.keys(custom).length === 0 ? '{}' : JSON.stringify(custom, null, 2));

/** The keys of a JSON object's top level, in order, repeats included (JSON.parse keeps only the last). */
function topLevelKeys(text: string): string[] {
  const keys: string[] = [];
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const char = text[i];
    if (char === '{' || char === '[') depth++;
    else if (char === '}' || char === ']') depth--;
    else if (char === '"') {
      const end = stringEnd(text, i);
      if (depth === 1 && /^\s*:/.test(text.slice(end + 1))) keys.push(JSON.parse(text.slice(i, end + 1)) as string);
      i = end;
    }
  }
  return keys;
}

/** The index of the quote closing the string literal that opens at `start`. */
function stringEnd(text: string, start: number): number {
  for (let i = start + 1; i < text.length; i++) {
    if (text[i] === '\\') i++;
    else if (text[i] === '"') return i;
  }
  return text.length - 1;
}

/** Raw JSON text as a `custom` object: valid JSON, an object, no repeated key, and by the server's rules. */
export function checkJson(text: string): Checked {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    return { value: {}, problem: `Custom is not valid JSON: ${(error as Error).message}` };
  }
  const problem = customProblem(parsed);
  if (problem !== undefined) return { value: {}, problem };
  const keys = topLevelKeys(text);
  const repeated = keys.find((key, index) => keys.indexOf(key) !== index);
  if (repeated !== undefined) return { value: parsed as CustomValues, problem: `Custom key "${repeated}" appears more than once.` };
  return { value: parsed as CustomValues, problem: undefined };
}

/** Whether two `custom` objects hold the same keys and values, in any order. */
export function sameCustom(a: CustomValues, b: CustomValues): boolean {
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((key) => Object.hasOwn(b, key) && a[key] === b[key]);
}
