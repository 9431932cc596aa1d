import { invalid } from '../../errors.ts';
import type { SqlParams } from '../../query/dialect.ts';
import type { FieldRef, Resource, Table } from '../../query/fields.ts';
import { identityField } from '../../query/fields.ts';
import { compileFilter } from '../../query/filter/compile.ts';
import type { Direction, SortKey } from '../../query/sort.ts';
import type { ListQuery } from '../store.ts';
import { ALIAS, sortKeyOf, sqliteDialect as dialect } from './dialect.ts';

/** One ORDER BY term; `sql` is rebuilt at each use because it may bind parameters. */
interface Component {
  sql: (params: SqlParams) => string;
  direction: Direction;
}

export const OBJECT_COLUMNS: Record<'uuid' | 'channel', readonly string[]> = {
  uuid: ['id', 'name', 'external_id', 'profile_url', 'email', 'status', 'type', 'custom', 'updated', 'etag'],
  channel: ['id', 'name', 'description', 'status', 'type', 'custom', 'updated', 'etag'],
};
export const MEMBERSHIP_COLUMNS = ['uuid_id', 'channel_id', 'status', 'type', 'custom', 'updated', 'etag'] as const;

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

/**
 * The ORDER BY terms one sort key expands to. Text columns sort on their generated key column
 * (nulls first, then in the collation of query/collation.ts); custom values by type (missing or
 * null, booleans, numbers, texts), then by value, texts by their collation key.
 */
function sortComponents(resource: Resource, key: SortKey): Component[] {
  const { field, direction } = key;
  if (field.kind === 'custom') {
    const type = (p: SqlParams) => dialect.customType(field.table, field.key, p);
    const value = (p: SqlParams) => dialect.customValue(field.table, field.key, p);
    return [
      { sql: (p) => `(CASE ${type(p)} WHEN 'text' THEN 3 WHEN 'number' THEN 2 WHEN 'true' THEN 1 WHEN 'false' THEN 1 ELSE 0 END)`, direction },
      { sql: (p) => `COALESCE(CASE WHEN ${type(p)} = 'text' THEN ${sortKeyOf(value(p))} ELSE ${value(p)} END, '')`, direction },
    ];
  }
  const column = dialect.column(field.table, field.type === 'string' ? `${field.column}_key` : field.column);
  const sql = isNonNull(resource, field.table) ? column : `COALESCE(${column}, '')`;
  return [{ sql: () => sql, direction }];
}

export function orderComponents(query: ListQuery): Component[] {
  const components = query.sort.flatMap((key) => sortComponents(query.resource, key));
  const identity = identityField(query.resource) as Extract<FieldRef, { kind: 'column' }>;
  const identitySql = dialect.column(identity.table, identity.column);
  const probe = dialect.params();
  const last = components.at(-1);
  // The id breaks ties in the direction of the last key, so a single-key sort is one index scan.
  if (last?.sql(probe) !== identitySql) components.push({ sql: () => identitySql, direction: last?.direction ?? 'asc' });
  return components;
}

function fromClause(query: ListQuery, params: SqlParams): string {
  const related = RELATED[query.resource];
  if (!related) {
    const table = MAIN_TABLE[query.resource] === 'uuid' ? 'uuids' : 'channels';
    const alias = ALIAS[MAIN_TABLE[query.resource]];
    return `FROM ${table} ${alias} WHERE ${alias}.sub_key = ${params.add(query.subKey)}`;
  }
  const owner = related === 'channel' ? 'uuid_id' : 'channel_id';
  const other = related === 'channel' ? 'channel_id' : 'uuid_id';
  const table = related === 'channel' ? 'channels' : 'uuids';
  const alias = ALIAS[related];
  return (
    `FROM memberships m LEFT JOIN ${table} ${alias} ON ${alias}.sub_key = m.sub_key AND ${alias}.id = m.${other}` +
    ` WHERE m.sub_key = ${params.add(query.subKey)} AND m.${owner} = ${params.add(query.ownerId ?? '')}`
  );
}

function filterClause(query: ListQuery, params: SqlParams): string {
  return query.filter ? ` AND (${compileFilter(query.filter, query.resource, dialect, params)})` : '';
}

/**
 * Rows strictly after (or before) the cursor in the lexicographic order of the components.
 * The leading run of components sharing one direction is compared as a row value, which SQLite
 * turns into an index seek; only mixed-direction sorts need the OR-expanded remainder.
 */
function keysetClause(components: Component[], query: ListQuery, params: SqlParams): string {
  const cursor = query.cursor;
  if (!cursor) return '';
  if (cursor.values.length !== components.length) {
    throw invalid(cursor.direction === 'next' ? 'start' : 'end', 'query', 'The cursor does not match this sort.');
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

export interface ListStatement {
  sql: string;
  params: (string | number | null)[];
  componentCount: number;
  /** Rows come back in reverse order (a `prev` page) and must be flipped. */
  reversed: boolean;
}

/** SELECT of one page, fetching one extra row to tell whether more lie beyond it. */
export function listStatement(query: ListQuery, columns: string): ListStatement {
  const params = dialect.params();
  const components = orderComponents(query);
  const reversed = query.cursor?.direction === 'prev';
  const keys = components.map((c, i) => `${c.sql(params)} AS k${i}`).join(', ');
  const from = fromClause(query, params);
  const where = filterClause(query, params) + keysetClause(components, query, params);
  const flip = (d: Direction): string => ((d === 'asc') !== reversed ? 'ASC' : 'DESC');
  const order = components.map((c) => `${c.sql(params)} ${flip(c.direction)}`).join(', ');
  const sql = `SELECT ${columns}, ${keys} ${from}${where} ORDER BY ${order} LIMIT ${params.add(query.limit + 1)}`;
  return { sql, params: params.values, componentCount: components.length, reversed };
}

export function countStatement(query: ListQuery): { sql: string; params: (string | number | null)[] } {
  const params = dialect.params();
  const sql = `SELECT count(*) AS n ${fromClause(query, params)}${filterClause(query, params)}`;
  return { sql, params: params.values };
}

export function selectColumns(resource: Resource): string {
  const related = RELATED[resource];
  if (!related) {
    const table = MAIN_TABLE[resource] as 'uuid' | 'channel';
    return OBJECT_COLUMNS[table].map((c) => `${ALIAS[table]}.${c}`).join(', ');
  }
  const own = MEMBERSHIP_COLUMNS.map((c) => `m.${c} AS m_${c}`);
  const other = OBJECT_COLUMNS[related].map((c) => `${ALIAS[related]}.${c} AS r_${c}`);
  return [...own, ...other].join(', ');
}
