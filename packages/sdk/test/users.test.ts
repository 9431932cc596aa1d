import { useServer } from '@roster/testing';
import { beforeAll, describe, expect, expectTypeOf, it } from 'vitest';
import { PNSortKey, PNSortKeyValue, PNStatusCategory, type Roster, type UUIDMetadata } from '../src/index.ts';
import { clientFor, rejection, unique, viaCallback } from './helpers/roster.ts';

const server = useServer();
let client: Roster;

beforeAll(() => {
  client = clientFor(server, 'me');
});

describe('users against a real Roster server', () => {
  it('setUUIDMetadata (fluent, .sync()) writes every documented field', async () => {
    const id = unique('user');
    const { result, status } = await client
      .setUUIDMetadata()
      .uuid(id)
      .setName('Some Name')
      .setStatus('Active')
      .setType('User')
      .email('test@example.com')
      .profileUrl('http://example.com')
      .externalId('1234567890')
      .custom({ key1: 'val1', key2: 'val2' })
      .includeCustom(true)
      .includeStatus(true)
      .includeType(true)
      .sync();
    expect(status.isError()).toBe(false);
    expect(status.category).toBe(PNStatusCategory.PNAcknowledgmentCategory);
    expect(status.statusCode).toBe(200);
    expect(result.status).toBe(status);
    expect(result.data).toMatchObject({
      id,
      name: 'Some Name',
      status: 'Active',
      type: 'User',
      email: 'test@example.com',
      profileUrl: 'http://example.com',
      externalId: '1234567890',
      custom: { key1: 'val1', key2: 'val2' },
    });
    expect(result.data.eTag).toEqual(expect.any(String));
    expect(result.data.updated).toMatch(/^\d{4}-\d\d-\d\dT/);
  });

  it('setUUIDMetadata (named, .pnAsync()) answers status and type without being asked, as the official SDKs do', async () => {
    const id = unique('user');
    const { result, status } = await viaCallback(client.setUUIDMetadata({ uuid: id, name: 'Named', status: 'Away', type: 'Bot' }));
    expect(status.isError()).toBe(false);
    // PubNub's Python SDK sends include=status,type on every set (recorded in its cassettes).
    expect(result?.data).toMatchObject({ id, name: 'Named', status: 'Away', type: 'Bot' });
    // custom is neither set nor asked for, so it is left out.
    expect(result?.data).not.toHaveProperty('custom');
  });

  it('setUUIDMetadata returns the custom it sets, and leaves out what is turned off', async () => {
    const id = unique('user');
    const fluent = await client.setUUIDMetadata().uuid(id).setStatus('Away').custom({ a: 1 }).sync();
    expect(fluent.result.data).toMatchObject({ id, status: 'Away', type: null, custom: { a: 1 } });
    const quiet = await client
      .setUUIDMetadata({ uuid: id, name: 'Q', custom: { a: 2 }, includeCustom: false, includeStatus: false, includeType: false })
      .sync();
    expect(quiet.result.data).toMatchObject({ id, name: 'Q' });
    for (const field of ['custom', 'status', 'type']) expect(quiet.result.data).not.toHaveProperty(field);
    const { result: read } = await client.getUUIDMetadata({ uuid: id, includeCustom: true }).sync();
    expect(read.data).toMatchObject({ name: 'Q', status: 'Away', type: null, custom: { a: 2 } });
  });

  it('set with null clears a field and leaves the others', async () => {
    const id = unique('user');
    await client.setUUIDMetadata({ uuid: id, name: 'N', email: 'e@x', custom: { k: 'v' } }).sync();
    const { result } = await client.setUUIDMetadata().uuid(id).email(null).includeCustom(true).sync();
    expect(result.data).toMatchObject({ name: 'N', email: null, custom: { k: 'v' } });
  });

  it('getUUIDMetadata defaults to the configured user, includes status and type, and custom only when asked', async () => {
    await client.setUUIDMetadata().setName('Me').setStatus('here').custom({ team: 'red' }).sync();
    const plain = await client.getUUIDMetadata().sync();
    expect(plain.result.data).toMatchObject({ id: 'me', name: 'Me', status: 'here', type: null });
    expect(plain.result.data).not.toHaveProperty('custom');
    const withCustom = await viaCallback(client.getUUIDMetadata({ includeCustom: true, includeStatus: false }));
    expect(withCustom.result?.data).toMatchObject({ id: 'me', custom: { team: 'red' } });
    expect(withCustom.result?.data).not.toHaveProperty('status');
  });

  it('a builder is awaitable and typed by its custom generic', async () => {
    interface Profile {
      team: string;
      level: number;
    }
    const id = unique('user');
    await client.setUUIDMetadata<Profile>({ uuid: id, custom: { team: 'blue', level: 3 } });
    const { result } = await client.getUUIDMetadata<Profile>().uuid(id).includeCustom(true);
    expectTypeOf(result.data).toEqualTypeOf<UUIDMetadata<Profile>>();
    expectTypeOf(result.data.custom).toEqualTypeOf<Profile | null | undefined>();
    expect(result.data.custom?.level).toBe(3);
  });

  it('getAllUUIDMetadata (fluent, .sync()) with filter, sort, count and custom', async () => {
    const prefix = unique('list');
    for (const [suffix, name] of [
      ['a', 'Zed'],
      ['b', 'Amy'],
      ['c', 'Max'],
    ] as const) {
      await client.setUUIDMetadata({ uuid: `${prefix}-${suffix}`, name, custom: { n: suffix } }).sync();
    }
    const { result } = await client
      .getAllUUIDMetadata()
      .filter(`id LIKE '${prefix}-*'`)
      .includeCustom(true)
      .limit(10)
      .includeTotalCount(true)
      .sort(PNSortKey.asc(PNSortKeyValue.NAME), PNSortKey.desc(PNSortKeyValue.UPDATED))
      .page(null)
      .sync();
    expect(result.totalCount).toBe(3);
    expect(result.data.map((user) => user.name)).toEqual(['Amy', 'Max', 'Zed']);
    expect(result.data[0]).toMatchObject({ custom: { n: 'b' }, status: null, type: null });
    expect(result.prev).toBeNull();
  });

  it('getAllUUIDMetadata (named, .pnAsync()) leaves totalCount and custom out by default', async () => {
    const prefix = unique('list');
    await client.setUUIDMetadata({ uuid: `${prefix}-1`, name: 'One', custom: { x: 1 } }).sync();
    const { result, status } = await viaCallback(
      client.getAllUUIDMetadata({ filter: `id LIKE '${prefix}*'`, limit: 10, sort: PNSortKey.desc(PNSortKeyValue.ID) }),
    );
    expect(status.isError()).toBe(false);
    expect(result?.totalCount).toBeNull();
    expect(result?.data).toHaveLength(1);
    expect(result?.data[0]).not.toHaveProperty('custom');
  });

  it('removeUUIDMetadata in both styles; a removed user is a 404', async () => {
    const first = unique('user');
    const second = unique('user');
    await client.setUUIDMetadata({ uuid: first, name: 'x' }).sync();
    await client.setUUIDMetadata({ uuid: second, name: 'y' }).sync();
    const removed = await client.removeUUIDMetadata().uuid(first).sync();
    expect(removed.result).toEqual({ status: removed.status });
    const viaNamed = await viaCallback(client.removeUUIDMetadata({ uuid: second }));
    expect(viaNamed.status.isError()).toBe(false);
    const error = await rejection(client.getUUIDMetadata({ uuid: first }));
    expect(error).toMatchObject({ name: 'PubNubException', statusCode: 404 });
  });

  it('removeUUIDMetadata defaults to the configured user', async () => {
    const other = clientFor(server, unique('self'));
    await other.setUUIDMetadata().setName('temp').sync();
    await other.removeUUIDMetadata().sync();
    expect(await rejection(other.getUUIDMetadata())).toMatchObject({ statusCode: 404 });
  });

  it('handles ids that need percent-encoding', async () => {
    const id = `${unique('odd')} / ü+&=?#`;
    await client.setUUIDMetadata({ uuid: id, name: 'odd' }).sync();
    const { result } = await client.getUUIDMetadata({ uuid: id }).sync();
    expect(result.data.id).toBe(id);
  });
});
