import { describe, expect, it } from 'vitest';
import { InvalidParameters } from '../execute.ts';
import { timetokenText, timetokenView } from './timetoken.ts';

const response = (text: string) => ({ text, body: JSON.parse(text) as unknown });

describe('timetokenText', () => {
  it('takes strings, bigints and safe integers', () => {
    expect(timetokenText('start', '17000000000000001')).toBe('17000000000000001');
    expect(timetokenText('start', 17000000000000001n)).toBe('17000000000000001');
    expect(timetokenText('start', 0)).toBe('0');
  });

  it('refuses what is not a timetoken, naming the parameter', () => {
    for (const bad of ['', 'abc', '-1', '1.5', '1e5', -1, 1.5, 2 ** 60, Number.NaN]) {
      expect(() => timetokenText('end', bad)).toThrow(InvalidParameters);
    }
    expect(() => timetokenText('end', 'x')).toThrow(/^end /);
  });
});

describe('timetokenView', () => {
  it('quotes timetokens written as JSON numbers, keeping every digit', () => {
    const view = timetokenView(response('{"channels":{"c":[{"message":1,"timetoken":17000000000000001}]},"more":{"start":17000000000000003}}'));
    expect(view).toEqual({ channels: { c: [{ message: 1, timetoken: '17000000000000001' }] }, more: { start: '17000000000000003' } });
  });

  it('returns the parsed body itself when every timetoken is a string already', () => {
    const answer = response('{"data":{"actionTimetoken":"17000000000000002","messageTimetoken":"17000000000000001"}}');
    expect(timetokenView(answer)).toBe(answer.body);
  });

  it('never takes a quoted key inside a string for a field', () => {
    const view = timetokenView(response('{"message":"{\\"timetoken\\":5}","timetoken":17000000000000001}'));
    expect(view).toEqual({ message: '{"timetoken":5}', timetoken: '17000000000000001' });
  });
});
