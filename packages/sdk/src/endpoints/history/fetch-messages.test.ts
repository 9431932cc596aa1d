import { describe, expect, it } from 'vitest';
import { resolveConfig } from '../../config.ts';
import { PNOperationType } from '../../models/operation.ts';
import { PNStatusCategory } from '../../models/status-category.ts';
import { PNStatus } from '../../models/status.ts';
import { MalformedResponse } from '../execute.ts';
import { FetchMessages } from './fetch-messages.ts';

const context = {
  config: resolveConfig({ subscribeKey: 'demo', userId: 'me' }),
  transport: { send: () => Promise.reject(new Error('not sent in this test')) },
};
const status = new PNStatus({ category: PNStatusCategory.PNAcknowledgmentCategory, operation: PNOperationType.PNFetchMessagesOperation, statusCode: 200 });
const parse = (text: string) => new FetchMessages(context, { channels: ['c'] }).parse({ text, body: JSON.parse(text) as unknown }, status);

describe('FetchMessages.parse', () => {
  it('keeps 17-digit timetokens exact from a server that writes them as numbers, and leaves messages as published', () => {
    const result = parse(
      '{"status":200,"error":false,"error_message":"","channels":{"c":[{"message":{"timetoken":12,"n":1},"timetoken":17000000000000001,"uuid":"ann","meta":"","message_type":null,' +
        '"actions":{"reaction":{"👍":[{"uuid":"bob","actionTimetoken":17000000000000003}]}}}]},"more":{"url":"/v3/history/…","start":17000000000000001,"max":25}}',
    );
    expect(result.channels).toEqual({
      c: [
        {
          channel: 'c',
          message: { timetoken: 12, n: 1 },
          timetoken: '17000000000000001',
          uuid: 'ann',
          messageType: null,
          actions: { reaction: { '👍': [{ uuid: 'bob', actionTimetoken: '17000000000000003' }] } },
        },
      ],
    });
    expect(result.more).toEqual({ url: '/v3/history/…', start: '17000000000000001', max: 25 });
    expect(result.status).toBe(status);
  });

  it('an answer without channels is an empty result; one with the wrong shape is malformed', () => {
    expect(parse('{"status":200,"error":false,"error_message":""}').channels).toEqual({});
    expect(() => parse('{"channels":{"c":{"message":1}}}')).toThrow(MalformedResponse);
    expect(() => parse('{"channels":{"c":[{"timetoken":"1"}]}}')).toThrow(MalformedResponse);
    expect(() => parse('[1,"Sent","1"]')).toThrow(MalformedResponse);
  });
});
