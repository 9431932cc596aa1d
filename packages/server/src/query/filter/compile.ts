import { toStored } from '../../model/instant.ts';
import { baseLetters, sortKey } from '../collation.ts';
import type { SqlDialect, SqlParams } from '../dialect.ts';
import { resolveField, type FieldRef, type Resource } from '../fields.ts';
import type { Condition, FilterNode, Junction } from './ast.ts';
import { at, invalidFilter } from './filter-error.ts';
import { formatPath } from './parser.ts';

/*
 * Placeholders may be positional (`?`), so every fragment is built in the order its text is
 * written, and a fragment that binds parameters is never reused: each use is rebuilt.
 */

type Comparison = Exclude<Condition['operator'], 'like'>;
type ColumnField = Extract<FieldRef, { kind: 'column' }>;
type CustomField = Extract<FieldRef, { kind: 'custom' }>;

const SQL_OPERATOR: Record<Comparison, string> = { '==': '=', '!=': '<>', '<': '<', '<=': '<=', '>': '>', '>=': '>=' };

/** Portable (SQLite and PostgreSQL) constant for a condition that can never hold. */
const NEVER = 'FALSE';

/**
 * Compiles a filter into a SQL boolean expression that is never NULL, so `NOT` over a missing
 * field or a type mismatch is true. Every literal is bound through `params`.
 */
export function compileFilter(node: FilterNode, resource: Resource, dialect: SqlDialect, params: SqlParams): string {
  switch (node.type) {
    case 'and':
    case 'or': {
      const parts = operands(node).map((operand) => compileFilter(operand, resource, dialect, params));
      return balanced(parts, node.type === 'and' ? 'AND' : 'OR');
    }
    case 'not':
      return `(NOT ${compileFilter(node.expr, resource, dialect, params)})`;
    case 'condition':
      return compileCondition(node, resource, dialect, params);
  }
}

/** The operands of a chain of one junction (`a && b && (c && d)`), left to right, without recursion. */
function operands(node: Junction): FilterNode[] {
  const result: FilterNode[] = [];
  const stack: FilterNode[] = [node];
  while (stack.length > 0) {
    const current = stack.pop()!;
    if ((current.type === 'and' || current.type === 'or') && current.type === node.type) {
      stack.push(current.right, current.left);
    } else {
      result.push(current);
    }
  }
  return result;
}

/** Joins as a balanced tree so that long chains stay shallow for the SQL parser. */
function balanced(parts: readonly string[], keyword: 'AND' | 'OR'): string {
  if (parts.length === 1) return parts[0]!;
  const middle = Math.ceil(parts.length / 2);
  return `(${balanced(parts.slice(0, middle), keyword)} ${keyword} ${balanced(parts.slice(middle), keyword)})`;
}

function compileCondition(condition: Condition, resource: Resource, dialect: SqlDialect, params: SqlParams): string {
  const field = resolveField(resource, condition.path);
  if (!field) {
    throw invalidFilter(`Unknown field '${formatPath(condition.path)}' ${at(condition.position)}`);
  }
  if (condition.operator === 'like') return compileLike(condition, field, dialect, params);
  if (field.kind === 'custom') return compileCustom(condition, condition.operator, field, dialect, params);
  if (field.type === 'date') return compileDate(condition, condition.operator, field, dialect, params);
  return compileString(condition, condition.operator, field, dialect, params);
}

function valuePosition(condition: Condition): number {
  return condition.valuePosition ?? condition.position;
}

/** `== null` matches a null expression, `!= null` a non-null one; ordering against null never holds. */
function nullTest(expr: string, operator: Comparison): string {
  if (operator === '==') return `(${expr} IS NULL)`;
  if (operator === '!=') return `(${expr} IS NOT NULL)`;
  return NEVER;
}

function compileString(condition: Condition, operator: Comparison, field: ColumnField, dialect: SqlDialect, params: SqlParams): string {
  const column = dialect.column(field.table, field.column);
  const { value } = condition;
  if (value === null) return nullTest(column, operator);
  if (typeof value !== 'string') return NEVER;
  const comparison = () => `(${column} IS NOT NULL AND ${column} ${SQL_OPERATOR[operator]} ${params.add(value)})`;
  const key = dialect.sortKey(field.table, field.column);
  if (operator !== '==' || !key) return comparison();
  // Equal texts have equal sort keys, so the key's index can find the candidates (texts that
  // agree up to the keys' bound among them); the plain comparison decides, and comes first
  // because it is cheaper to test on a row than the generated key.
  const plain = comparison();
  return `(${plain} AND ${key} = ${params.add(sortKey(value))})`;
}

/** Dates compare as instants: the literal is normalized to the stored fixed-width text. */
function compileDate(condition: Condition, operator: Comparison, field: ColumnField, dialect: SqlDialect, params: SqlParams): string {
  const column = dialect.column(field.table, field.column);
  const { value } = condition;
  if (value === null) return nullTest(column, operator);
  const stored = typeof value === 'string' ? toStored(value) : undefined;
  if (stored === undefined) {
    throw invalidFilter(
      `Expected an ISO 8601 date to compare with '${formatPath(condition.path)}' ${at(valuePosition(condition))}, found ${JSON.stringify(value)}`,
    );
  }
  return `(${column} IS NOT NULL AND ${column} ${SQL_OPERATOR[operator]} ${params.add(stored)})`;
}

/** A custom value is compared only when its JSON type is the literal's type. */
function compileCustom(condition: Condition, operator: Comparison, field: CustomField, dialect: SqlDialect, params: SqlParams): string {
  const { value } = condition;
  const type = (): string => dialect.customType(field.table, field.key, params);
  if (value === null) {
    if (operator !== '==' && operator !== '!=') return NEVER;
    return `(COALESCE(${type()}, 'null') ${SQL_OPERATOR[operator]} 'null')`;
  }
  if (typeof value === 'boolean') {
    if (operator !== '==' && operator !== '!=') return NEVER;
    const wanted = operator === '==' ? value : !value;
    return `(COALESCE(${type()}, '') = '${String(wanted)}')`;
  }
  const jsonType = typeof value === 'string' ? 'text' : 'number';
  const typeSql = type();
  const valueSql = dialect.customValue(field.table, field.key, params);
  return `(COALESCE(${typeSql}, '') = '${jsonType}' AND ${valueSql} ${SQL_OPERATOR[operator]} ${params.add(value)})`;
}

/** LIKE: case-insensitive, whole-value match of a text value; never on dates. */
function compileLike(condition: Condition, field: FieldRef, dialect: SqlDialect, params: SqlParams): string {
  const pattern = likePattern(condition);
  if (field.kind === 'custom') {
    const typeSql = dialect.customType(field.table, field.key, params);
    const valueSql = dialect.customValue(field.table, field.key, params);
    const like = dialect.like(valueSql, params.add(pattern));
    return `(COALESCE(${typeSql}, '') = 'text' AND ${like})`;
  }
  if (field.type === 'date') {
    throw invalidFilter(`LIKE cannot be used on the date field '${formatPath(condition.path)}' ${at(condition.position)}`);
  }
  const range = prefixRange(condition, field, dialect, params);
  const column = dialect.column(field.table, field.column);
  const like = `(${column} IS NOT NULL AND ${dialect.like(column, params.add(pattern))})`;
  return range ? `(${range} AND ${like})` : like;
}

/**
 * A pattern that starts with literal text only matches values whose upper case starts with the
 * text's, and their sort keys start with the text's base letters (query/collation.ts), cut as the
 * keys are when the text is longer than their bound: they lie in one range, which an index can
 * seek to. The range also holds other accents, and texts that agree with the prefix only up to
 * the bound, so LIKE still decides.
 */
function prefixRange(condition: Condition, field: ColumnField, dialect: SqlDialect, params: SqlParams): string | undefined {
  const key = dialect.sortKey(field.table, field.column);
  const prefix = baseLetters((condition.pattern ?? String(condition.value).split('*'))[0] ?? '');
  if (!key || prefix === '') return undefined;
  const above = successor(prefix);
  // The related object of a membership may not exist (LEFT JOIN): its key is NULL, and the range
  // must then be false, not NULL, or `!(… LIKE …)` would drop that row too.
  const low = `${key} IS NOT NULL AND ${key} >= ${params.add(prefix)}`;
  return above === undefined ? `(${low})` : `(${low} AND ${key} < ${params.add(above)})`;
}

/** The least text greater than every text that starts with `prefix` (in code point order, as UTF-8 bytes sort). */
function successor(prefix: string): string | undefined {
  const points = [...prefix].map((char) => char.codePointAt(0)!);
  while (points.length > 0) {
    const last = points.pop()!;
    if (last < 0x10ffff) return String.fromCodePoint(...points, last + 1 === 0xd800 ? 0xe000 : last + 1);
  }
  return undefined;
}

/** The filter's `*` wildcards become `%`; `%`, `_` and `\` of the text are escaped with `\`. */
function likePattern(condition: Condition): string {
  const { value } = condition;
  if (typeof value !== 'string') {
    throw invalidFilter(`LIKE needs a string pattern ${at(valuePosition(condition))}, found ${JSON.stringify(value)}`);
  }
  const runs = condition.pattern ?? value.split('*');
  return runs.map((run) => run.replace(/[\\%_]/g, (char) => `\\${char}`)).join('%');
}
