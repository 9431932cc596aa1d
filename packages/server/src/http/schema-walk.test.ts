import Type, { type TSchema } from 'typebox';
import Compile from 'typebox/compile';
import { describe, expect, it } from 'vitest';
import { customField, membershipSchemas, textField } from './object-routes.ts';
import { checkWalkable, firstRefusal, type SchemaNode } from './schema-walk.ts';

const walk = (schema: TSchema, value: unknown) => firstRefusal(schema as SchemaNode, value);

/** A user's body, as uuids.ts builds it, and a membership PATCH's. */
const UserBody = Type.Object({ name: textField('name'), custom: customField('user') });
const MembershipBody = membershipSchemas('uuid').patch.body;

/** A value that counts how many of its items or values are read. */
function counted<T extends object>(value: T): { value: T; reads: () => number } {
  let reads = 0;
  const proxy = new Proxy(value, {
    get(target, key, receiver) {
      if (typeof key === 'string' && key !== 'length') reads++;
      return Reflect.get(target, key, receiver) as unknown;
    },
  });
  return { value: proxy, reads: () => reads };
}

describe('firstRefusal', () => {
  it('finds a refusal exactly when TypeBox’s check refuses', () => {
    const values: [TSchema, unknown][] = [
      [UserBody, {}],
      [UserBody, { name: null, custom: { a: 1, b: 'x', c: true, d: null } }],
      [UserBody, { name: 5 }],
      [UserBody, { custom: { a: [] } }],
      [UserBody, { custom: { a: Infinity } }],
      [UserBody, [1]],
      [UserBody, { unknown: { deep: [1] } }],
      [MembershipBody, { set: [{ channel: { id: 'a' }, status: 'x' }], delete: null }],
      [MembershipBody, { set: [{ channel: { id: 'a' } }, { channel: {} }] }],
      [MembershipBody, { delete: [{ space: { id: 5 } }] }],
      [MembershipBody, { set: 'all' }],
    ];
    for (const [schema, value] of values) {
      expect(walk(schema, value) === undefined, JSON.stringify(value)).toBe(Compile(schema).Check(value));
    }
  });

  it('says where, and what the value there is', () => {
    expect(walk(UserBody, { custom: { ok: 1, deep: { no: true } } })).toMatchObject({ segments: ['custom', 'deep'], value: { no: true } });
    expect(walk(MembershipBody, { set: [{ channel: { id: 'a' } }, { channel: {} }] })).toMatchObject({
      segments: ['set', '1', 'channel', 'id'],
      missing: true,
    });
    expect(walk(UserBody, { custom: 'text' })).toMatchObject({ segments: ['custom'], value: 'text' });
  });

  it('stops at the first refusal: a list of 200,000 wrong items is read once', () => {
    const items = counted(Array<number>(200_000).fill(1));
    expect(walk(MembershipBody, { set: items.value })).toMatchObject({ segments: ['set', '0'] });
    expect(items.reads()).toBe(1);
    const custom = counted(Object.fromEntries(Array.from({ length: 30_000 }, (_, index) => [`k${index}`, []])));
    expect(walk(UserBody, { custom: custom.value })).toMatchObject({ segments: ['custom', 'k0'] });
    expect(custom.reads()).toBe(1);
  });
});

describe('checkWalkable', () => {
  it('takes the shapes route schemas are built of', () => {
    expect(() => checkWalkable(UserBody)).not.toThrow();
    expect(() => checkWalkable(MembershipBody)).not.toThrow();
    expect(() => checkWalkable(Type.Object({ any: Type.Unknown(), n: Type.Integer() }, { 'x-field-prefix': 'user.' }))).not.toThrow();
  });

  it('refuses a constraint the walk would not see, naming where it is', () => {
    expect(() => checkWalkable(Type.Object({ name: Type.String({ minLength: 1 }) }))).toThrow(/#\/properties\/name uses 'minLength'/);
    expect(() => checkWalkable(Type.Union([Type.Literal('a'), Type.Null()]))).toThrow(/#\/anyOf\/0 uses 'const'/);
  });
});
