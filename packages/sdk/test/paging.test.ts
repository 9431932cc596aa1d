import { useServer } from '@roster/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { PNChannelMembership, PNPage, PNSortKey, PNSortKeyValue, type PNListResult, type Roster } from '../src/index.ts';
import { clientFor } from './helpers/roster.ts';

const USERS = 250;
const PAGE = 40;

const server = useServer();
let client: Roster;
const ids = Array.from({ length: USERS }, (_, index) => `page-user-${String(index).padStart(4, '0')}`);

beforeAll(async () => {
  client = clientFor(server);
  for (let start = 0; start < ids.length; start += 25) {
    await Promise.all(
      ids
        .slice(start, start + 25)
        .map((id, offset) => client.setUUIDMetadata({ uuid: id, name: `User ${start + offset}`, custom: { n: start + offset } }).sync()),
    );
  }
}, 120_000);

/** Follows `next` until an empty page (PubNub sends `next` on the last page too). */
async function pagesForward<TItem>(fetch: (page: PNPage | null) => PromiseLike<{ result: PNListResult<TItem> }>): Promise<Array<PNListResult<TItem>>> {
  const pages: Array<PNListResult<TItem>> = [];
  let page: PNPage | null = null;
  for (let guard = 0; guard < 100; guard++) {
    const { result } = await fetch(page);
    if (result.data.length === 0) break;
    pages.push(result);
    page = result.next;
    if (page === null) break;
  }
  return pages;
}

describe('paging through a large list with next and prev', () => {
  it('next walks every user once, in order, with a stable totalCount', async () => {
    const pages = await pagesForward((page) =>
      client.getAllUUIDMetadata().filter("id LIKE 'page-user-*'").limit(PAGE).includeTotalCount(true).sort(PNSortKey.asc(PNSortKeyValue.ID)).page(page),
    );
    expect(pages).toHaveLength(Math.ceil(USERS / PAGE));
    expect(pages.flatMap((page) => page.data.map((user) => user.id))).toEqual(ids);
    expect(new Set(pages.map((page) => page.totalCount))).toEqual(new Set([USERS]));
    expect(pages[0]?.prev).toBeNull();
    expect(pages[1]?.prev).toBeInstanceOf(PNPage.Previous);
    expect(pages[0]?.next).toBeInstanceOf(PNPage.Next);
  });

  it('prev walks back to the first page', async () => {
    const query = (page: PNPage | null) =>
      client.getAllUUIDMetadata({ filter: "id LIKE 'page-user-*'", limit: PAGE, sort: PNSortKey.asc(PNSortKeyValue.ID), page });
    const forward = await pagesForward(query);
    const last = forward.at(-1);
    expect(last).toBeDefined();
    const seen: string[][] = [last?.data.map((user) => user.id) ?? []];
    let page: PNPage | null = last?.prev ?? null;
    while (page !== null) {
      const { result } = await query(page);
      seen.unshift(result.data.map((user) => user.id));
      page = result.prev;
    }
    expect(seen.flat()).toEqual(ids);
  });

  it('descending sort with named arguments and a stored cursor', async () => {
    const { result: first } = await client
      .getAllUUIDMetadata({ filter: "id LIKE 'page-user-*'", limit: 100, sort: [PNSortKey.desc(PNSortKeyValue.ID)] })
      .sync();
    expect(first.data[0]?.id).toBe(ids.at(-1));
    const cursor = first.next?.hash;
    expect(cursor).toEqual(expect.any(String));
    const { result: second } = await client.getAllUUIDMetadata({
      filter: "id LIKE 'page-user-*'",
      limit: 100,
      sort: [PNSortKey.desc(PNSortKeyValue.ID)],
      page: new PNPage.Next(cursor ?? ''),
    });
    expect(second.data[0]?.id).toBe(ids.at(-101));
  });

  it('pages through a long membership list', async () => {
    const channels = Array.from({ length: 120 }, (_, index) => `page-ch-${String(index).padStart(3, '0')}`);
    for (let start = 0; start < channels.length; start += 100) {
      await client
        .setMemberships({ uuid: 'pager', channelMemberships: channels.slice(start, start + 100).map((id) => PNChannelMembership.channel(id)) })
        .sync();
    }
    const pages = await pagesForward((page) => client.getMemberships({ uuid: 'pager', limit: 50, page, includeTotalCount: true }));
    expect(pages.map((page) => page.data.length)).toEqual([50, 50, 20]);
    expect(pages[0]?.totalCount).toBe(120);
    expect(pages.flatMap((page) => page.data.map((membership) => membership.channel.id))).toEqual(channels);
  });
});
