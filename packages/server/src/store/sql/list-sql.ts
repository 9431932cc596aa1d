import type { SqlDialect, SqlParams } from '../../query/dialect.ts';
import type { FieldRef, Resource, Table } from '../../query/fields.ts';
import { identityField } from '../../query/fields.ts';
import { compileFilter } from '../../query/filter/compile.ts';
import type { Direction, SortKey } from '../../query/sort.ts';
import type { ListQuery } from '../store.ts';
import type { SqlValue } from './rows.ts';
import { ALIAS, MEMBERSHIP_COLUMNS, OBJECT_COLUMNS, TABLE_NAME } from './tables.ts';

/*
 * The list statements every SQL backend runs: FROM and joins, filter, keyset seek, ORDER BY,
 * count. What differs between backends (column names, JSON access, sort keys, placeholders)
 * comes from its `SqlDialect`. Placeholders may be positional, so every fragment is built in
 * the order its text is written.
 */

/** One ORDER BY term; `sql` is rebuilt at each use because it may bind parameters. */
interface Component {
  sql: (params: SqlParams) => string;
  direction: Direction;
}

const MAIN_TABLE: Record<Resource, Table> = { uuids: 'uuid', channels: 'channel', memberships: 'membership', members: 'membership' };
const RELATED: Record<Resource, 'uuid' | 'channel' | undefined> = {
  uuids: undefined,
  channels: undefined,
  memberships: 'channel',
  members: 'uuid',
};

/** Key columns are never NULL, and neither is `updated`; a LEFT JOINed related row may be missing. */
function isNonNull(resource: Resource, table: Table): boolean {
  return table === MAIN_TABLE[resource];
}

/** A text column sorts on its stored key where the backend keeps one, else on the key computed. */
function textKey(dialect: SqlDialect, table: Table, column: string): string {
  return dialect.sortKey(table, column) ?? dialect.collationKey(dialect.column(table, column));
}

/**
 * The ORDER BY terms one sort key expands to (query/cursor.ts `cursorWidth` counts them). Text
 * columns sort on their sort key (nulls first, then in the collation of query/collation.ts);
 * custom values by type (missing or null, booleans, numbers, texts), then by value, texts by
 * their collation key.
 */
function sortComponents(dialect: SqlDialect, resource: Resource, key: SortKey): Component[] {
  const { field, direction } = key;
  if (field.kind === 'custom') {
    const term = dialect.customSortTerm?.bind(dialect);
    if (term) {
      return [
        { sql: (p) => term(field.table, field.key, 'rank', p), direction },
        { sql: (p) => term(field.table, field.key, 'value', p), direction },
      ];
    }
    const type = (p: SqlParams) => dialect.customType(field.table, field.key, p);
    const value = (p: SqlParams) => dialect.customValue(field.table, field.key, p);
    return [
      { sql: (p) => `(CASE ${type(p)} WHEN 'text' THEN 3 WHEN 'number' THEN 2 WHEN 'true' THEN 1 WHEN 'false' THEN 1 ELSE 0 END)`, direction },
      { sql: (p) => `COALESCE(CASE WHEN ${type(p)} = 'text' THEN ${dialect.collationKey(value(p))} ELSE ${value(p)} END, '')`, direction },
    ];
  }
  const column = field.type === 'string' ? textKey(dialect, field.table, field.column) : dialect.column(field.table, field.column);
  const sql = isNonNull(resource, field.table) ? column : `COALESCE(${column}, '')`;
  return [{ sql: () => sql, direction }];
}

/**
 * Every sort key's terms, then the listed id, which makes the order total. The id breaks ties
 * in the direction of the last key, so a single-key sort is one index scan.
 */
function orderComponents(dialect: SqlDialect, query: ListQuery): Component[] {
  const components = query.sort.flatMap((key) => sortComponents(dialect, query.resource, key));
  const identity = identityField(query.resource) as Extract<FieldRef, { kind: 'column' }>;
  const identitySql = dialect.column(identity.table, identity.column);
  components.push({ sql: () => identitySql, direction: components.at(-1)?.direction ?? 'asc' });
  return components;
}

function fromClause(query: ListQuery, params: SqlParams): string {
  const related = RELATED[query.resource];
  if (!related) {
    const main = MAIN_TABLE[query.resource];
    const alias = ALIAS[main];
    return `FROM ${TABLE_NAME[main]} ${alias} WHERE ${alias}.sub_key = ${params.add(query.subKey)}`;
  }
  const owner = related === 'channel' ? 'uuid_id' : 'channel_id';
  const other = related === 'channel' ? 'channel_id' : 'uuid_id';
  const alias = ALIAS[related];
  const m = ALIAS.membership;
  return (
    `FROM ${TABLE_NAME.membership} ${m} LEFT JOIN ${TABLE_NAME[related]} ${alias} ON ${alias}.sub_key = ${m}.sub_key AND ${alias}.id = ${m}.${other}` +
    ` WHERE ${m}.sub_key = ${params.add(query.subKey)} AND ${m}.${owner} = ${params.add(query.ownerId ?? '')}`
  );
}

function filterClause(dialect: SqlDialect, query: ListQuery, params: SqlParams): string {
  return query.filter ? ` AND (${compileFilter(query.filter, query.resource, dialect, params)})` : '';
}

/**
 * Rows strictly after (or before) the cursor in the lexicographic order of the components.
 * The leading run of components sharing one direction is compared as a row value, which an index
 * on those keys serves as a seek; only mixed-direction sorts need the OR-expanded remainder.
 */
function keysetClause(components: Component[], query: ListQuery, params: SqlParams): string {
  const cursor = query.cursor;
  if (!cursor) return '';
  if (cursor.values.length !== components.length) {
    // Callers check the width first (a 400 naming the cursor); this is a disagreement with cursorWidth.
    throw new Error(`A cursor of ${cursor.values.length} values for an order of ${components.length} terms`);
  }
  const after = (direction: Direction) => (direction === 'asc') === (cursor.direction === 'next');
  const rowValue = (count: number, operator: string) => {
    const left = components.slice(0, count).map((c) => c.sql(params));
    const right = cursor.values.slice(0, count).map((v) => params.add(v));
    return `(${left.join(', ')}) ${operator} (${right.join(', ')})`;
  };
  const leading = components.findIndex((c) => c.direction !== components[0]!.direction);
  const forward = after(components[0]!.direction);
  if (leading < 0) return ` AND ${rowValue(components.length, forward ? '>' : '<')}`;
  // Positional parameters: build the SQL strictly in the order it reads.
  const bound = rowValue(leading, forward ? '>=' : '<=');
  const alternatives = components.map((component, index) => {
    const equal = components.slice(0, index).map((c, i) => `${c.sql(params)} = ${params.add(cursor.values[i]!)}`);
    const strict = `${component.sql(params)} ${after(component.direction) ? '>' : '<'} ${params.add(cursor.values[index]!)}`;
    return `(${[...equal, strict].join(' AND ')})`;
  });
  return ` AND ${bound} AND (${alternatives.join(' OR ')})`;
}

export interface Statement {
  sql: string;
  params: SqlValue[];
}

export interface ListStatement extends Statement {
  /** How many sort values end each row (the cursor values of that row). */
  componentCount: number;
  /** Rows come back in reverse order (a `prev` page) and must be flipped. */
  reversed: boolean;
}

/**
 * SELECT of one page: `columns`, then the row's sort values; one extra row is fetched to tell
 * whether more lie beyond the page.
 */
export function listStatement(dialect: SqlDialect, query: ListQuery, columns: string): ListStatement {
  const params = dialect.params();
  const components = orderComponents(dialect, query);
  const reversed = query.cursor?.direction === 'prev';
  const keys = components.map((c, i) => `${c.sql(params)} AS k${i}`).join(', ');
  const from = fromClause(query, params);
  const where = filterClause(dialect, query, params) + keysetClause(components, query, params);
  const flip = (d: Direction): string => ((d === 'asc') !== reversed ? 'ASC' : 'DESC');
  const order = components.map((c) => `${c.sql(params)} ${flip(c.direction)}`).join(', ');
  const sql = `SELECT ${columns}, ${keys} ${from}${where} ORDER BY ${order} LIMIT ${params.add(query.limit + 1)}`;
  return { sql, params: params.values, componentCount: components.length, reversed };
}

/** SELECT of the number of rows the query matches, whatever the page. */
export function countStatement(dialect: SqlDialect, query: ListQuery): Statement {
  const params = dialect.params();
  const sql = `SELECT count(*) AS n ${fromClause(query, params)}${filterClause(dialect, query, params)}`;
  return { sql, params: params.values };
}

/**
 * The record columns of a list: the listed objects', or a membership's (`m_…`) followed by its
 * related object's (`r_…`), in the orders rows.ts reads.
 */
export function selectColumns(resource: Resource): string {
  const related = RELATED[resource];
  if (!related) {
    const table = MAIN_TABLE[resource] as 'uuid' | 'channel';
    return OBJECT_COLUMNS[table].map((c) => `${ALIAS[table]}.${c}`).join(', ');
  }
  const own = MEMBERSHIP_COLUMNS.map((c) => `${ALIAS.membership}.${c} AS m_${c}`);
  const other = OBJECT_COLUMNS[related].map((c) => `${ALIAS[related]}.${c} AS r_${c}`);
  return [...own, ...other].join(', ');
}
