import { describe, expect, it } from 'vitest';
import { ChannelIncludeEndpoint, MemberIncludes, MembershipIncludes, UUIDIncludeEndpoint } from './includes.ts';
import { PNNextPage, PNPage, PNPreviousPage } from './page.ts';
import { PNChannelMembership, PNUUID } from './relation-input.ts';
import { PNSortKey, PNSortKeyValue } from './sort.ts';
import { PNStatus } from './status.ts';
import { PNStatusCategory, categoryForStatusCode } from './status-category.ts';
import { PNOperationType } from './operation.ts';
import { PubNubException, isPubNubException } from './exception.ts';

describe('models', () => {
  it('PNSortKey renders key:direction', () => {
    expect(String(PNSortKey.asc(PNSortKeyValue.ID))).toBe('id:asc');
    expect(PNSortKey.desc(PNSortKeyValue.CHANNEL_UPDATED).toString()).toBe('channel.updated:desc');
    expect(PNSortKey.asc('custom.rank').toString()).toBe('custom.rank:asc');
  });

  it('PNPage.Next and PNPage.Previous are pages with a direction', () => {
    const next = new PNPage.Next('MTA');
    expect(next).toBeInstanceOf(PNPage);
    expect(next).toBeInstanceOf(PNNextPage);
    expect(next).toMatchObject({ hash: 'MTA', direction: 'next' });
    expect(new PNPage.Previous('MQ')).toBeInstanceOf(PNPreviousPage);
  });

  it('includes default to false', () => {
    expect(new MembershipIncludes({ channel: true })).toMatchObject({ channel: true, custom: false, totalCount: false, channelCustom: false });
    expect(new MemberIncludes()).toMatchObject({ user: false, userCustom: false, userStatus: false, userType: false });
    expect([
      ChannelIncludeEndpoint.CHANNEL,
      ChannelIncludeEndpoint.CHANNEL_WITH_CUSTOM,
      UUIDIncludeEndpoint.UUID,
      UUIDIncludeEndpoint.UUID_WITH_CUSTOM,
    ]).toEqual([1, 2, 1, 2]);
  });

  it('PNChannelMembership and PNUUID carry custom, status and type', () => {
    expect(PNChannelMembership.channel('c')).toMatchObject({ id: 'c', custom: undefined });
    expect(PNChannelMembership.channelWithCustom('c', { a: 1 }, { status: 's', type: 't' })).toMatchObject({
      id: 'c',
      custom: { a: 1 },
      status: 's',
      type: 't',
    });
    expect(PNUUID.uuidWithCustom('u', { r: 'x' })).toMatchObject({ id: 'u', custom: { r: 'x' } });
    expect(PNUUID.uuid('u', { type: 't' })).toMatchObject({ id: 'u', type: 't' });
  });

  it('status categories come from status codes', () => {
    expect([200, 400, 403, 404, 412, 429, 503, 418].map(categoryForStatusCode)).toEqual([
      PNStatusCategory.PNAcknowledgmentCategory,
      PNStatusCategory.PNBadRequestCategory,
      PNStatusCategory.PNAccessDeniedCategory,
      PNStatusCategory.PNNotFoundCategory,
      PNStatusCategory.PNPreconditionFailedCategory,
      PNStatusCategory.PNTooManyRequestsCategory,
      PNStatusCategory.PNServerErrorCategory,
      PNStatusCategory.PNUnknownCategory,
    ]);
  });

  it('PubNubException carries its status and keeps the query (and any token) out of its message', () => {
    const status = new PNStatus({
      category: PNStatusCategory.PNNotFoundCategory,
      operation: PNOperationType.PNGetUUIDMetadataOperation,
      statusCode: 404,
      errorData: { information: 'Requested object was not found.', details: [] },
      clientRequest: { method: 'GET', url: 'http://h/v2/objects/demo/uuids/x?auth=secret-token' },
    });
    const error = new PubNubException(status);
    expect(error.message).toBe('GetUUIDMetadata failed (HTTP 404): Requested object was not found. GET http://h/v2/objects/demo/uuids/x');
    expect(error.status).toBe(status);
    expect(isPubNubException(error)).toBe(true);
    expect(isPubNubException(new Error('x'))).toBe(false);
    expect(status.isError()).toBe(true);
  });
});
