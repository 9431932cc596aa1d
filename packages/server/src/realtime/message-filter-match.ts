import { containsText, foldCase, LikePattern } from '../query/filter/like.ts';
import type { FilterSubject } from './channel-log.ts';

/*
 * What `filter-expr` comparisons mean, once parsed (message-filter-parser.ts): how values of a
 * message compare, and LIKE and CONTAINS, in time linear in the values they read.
 */

/** Numbers compare as numbers, also when one side is a numeric string (meta values often are). */
function asNumber(value: unknown): number | undefined {
  if (typeof value === 'number') return value;
  if (typeof value === 'string' && value.trim() !== '' && Number.isFinite(Number(value))) return Number(value);
  return undefined;
}

function bothNumbers(left: unknown, right: unknown): [number, number] | undefined {
  if (typeof left !== 'number' && typeof right !== 'number') return undefined;
  const a = asNumber(left);
  const b = asNumber(right);
  return a === undefined || b === undefined ? undefined : [a, b];
}

function equal(left: unknown, right: unknown): boolean | undefined {
  if (left === undefined || right === undefined) return undefined;
  const numbers = bothNumbers(left, right);
  if (numbers) return numbers[0] === numbers[1];
  if (typeof left !== typeof right) return undefined;
  return left === right;
}

function order(left: unknown, right: unknown): number | undefined {
  const numbers = bothNumbers(left, right);
  if (numbers) return numbers[0] - numbers[1];
  if (typeof left === 'string' && typeof right === 'string') return left < right ? -1 : left > right ? 1 : 0;
  return undefined;
}

/**
 * A LIKE pattern: `*` matches any run of characters, `\*` (when `escapes`, as in a quoted
 * literal) a literal asterisk, and matching ignores case (decisions.md). Linear in the text.
 */
export function likePattern(pattern: string, escapes: boolean): LikePattern {
  const runs: string[] = [];
  let run = '';
  for (let index = 0; index < pattern.length; index++) {
    const char = pattern[index]!;
    if (escapes && char === '\\' && index + 1 < pattern.length) run += pattern[++index]!;
    else if (char === '*') {
      runs.push(foldCase(run));
      run = '';
    } else run += char;
  }
  runs.push(foldCase(run));
  return new LikePattern(runs);
}

/** Texts shorter than this are folded again at each use: cheaper than remembering them. */
const FOLD_KEPT_FROM = 64;

/**
 * Folded forms of a message's texts, per message: every LIKE of every filter evaluated on one
 * published message folds each of its fields once (the subject is parsed once per message, so
 * its fields are the same strings for all filters). Dropped with the message.
 */
const foldedBySubject = new WeakMap<FilterSubject, Map<string, string>>();

function folded(subject: FilterSubject, text: string): string {
  if (text.length < FOLD_KEPT_FROM) return foldCase(text);
  let forms = foldedBySubject.get(subject);
  if (!forms) foldedBySubject.set(subject, (forms = new Map()));
  let form = forms.get(text);
  if (form === undefined) forms.set(text, (form = foldCase(text)));
  return form;
}

export function like(subject: FilterSubject, value: unknown, pattern: LikePattern): boolean {
  const text = typeof value === 'number' ? String(value) : value;
  return typeof text === 'string' && pattern.matches(folded(subject, text));
}

export function compare(subject: FilterSubject, operator: string, left: unknown, right: unknown): boolean {
  switch (operator) {
    case '==':
      if (right === null) return left === null || left === undefined;
      return equal(left, right) === true;
    case '!=':
      if (right === null) return left !== null && left !== undefined;
      return equal(left, right) === false;
    case 'LIKE':
      return typeof right === 'string' && like(subject, left, likePattern(right, false));
    case 'CONTAINS':
      if (typeof left === 'string') return typeof right === 'string' && containsText(left, right);
      return Array.isArray(left) && left.some((item) => equal(item, right) === true);
    default: {
      const sign = order(left, right);
      if (sign === undefined || Number.isNaN(sign)) return false;
      return operator === '<' ? sign < 0 : operator === '<=' ? sign <= 0 : operator === '>' ? sign > 0 : sign >= 0;
    }
  }
}

export function field(value: unknown, key: string): unknown {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  return Object.hasOwn(value, key) ? (value as Record<string, unknown>)[key] : undefined;
}
