import { describe, expect, it } from 'vitest';
import { keysetFrom } from '../model/keyset.ts';
import { encodeCursor } from '../query/cursor.ts';
import { objectFields, parseListCommand } from './params.ts';
import { parseQueryString } from './url.ts';

const demo = keysetFrom({ publishKey: 'pub', subscribeKey: 'demo' });
const other = keysetFrom({ publishKey: 'pub', subscribeKey: 'other' });
const OPTIONS = 'filter=name%20like%20%22a*%22&sort=name:desc&include=custom&limit=10&count=true';
const command = (query: string, keyset = demo, ownerId?: string) =>
  parseListCommand(parseQueryString(query), keyset, ownerId === undefined ? 'uuids' : 'memberships', ownerId);

function refusal(query: string, keyset = demo, ownerId?: string): unknown {
  try {
    command(query, keyset, ownerId);
  } catch (error) {
    return error;
  }
  throw new Error(`${query} was taken`);
}

describe('list commands', () => {
  it('a list asked again gets the same frozen command, whatever else the query holds', () => {
    const first = command(OPTIONS);
    const again = command(`${OPTIONS}&uuid=someone&pnsdk=PubNub-JS%2F9&signature=x`);
    expect(again).toBe(first);
    expect(Object.isFrozen(first.query)).toBe(true);
    expect(Object.isFrozen(first.query.filter)).toBe(true);
    expect(first.query).toMatchObject({ subKey: 'demo', limit: 10, count: true, sort: [{ name: 'name', direction: 'desc' }] });
  });

  it('another keyset, owner or option gets its own command', () => {
    const first = command(OPTIONS);
    expect(command(OPTIONS, other).query.subKey).toBe('other');
    const alice = command(OPTIONS, demo, 'alice');
    expect(alice.query.ownerId).toBe('alice');
    expect(command(OPTIONS, demo, 'bob').query.ownerId).toBe('bob');
    for (const changed of ['limit=11', 'count=false', 'sort=name', 'include=status', 'filter=name%20like%20%22b*%22']) {
      const query = `${OPTIONS}&${changed}`;
      expect(command(query), changed).not.toBe(first);
      expect(command(query), changed).toBe(command(query));
    }
    // A repeated scalar option: the last one counts, and it is a list of its own.
    expect(command(`${OPTIONS}&limit=5`).query.limit).toBe(5);
  });

  it("a page's cursor is refused by the same list of another keyset or owner", () => {
    const cursorOf = (keyset: typeof demo, ownerId?: string) => encodeCursor('prev', ['Ann', 'ann'], command(OPTIONS, keyset, ownerId).print);
    const foreign = { status: 400, details: [{ location: 'end', message: "The 'end' cursor is not valid for this list, sort and filter." }] };
    expect(refusal(`${OPTIONS}&end=${cursorOf(other)}`)).toMatchObject(foreign);
    expect(refusal(`${OPTIONS}&end=${cursorOf(demo, 'alice')}`, demo, 'bob')).toMatchObject(foreign);
    expect(command(`${OPTIONS}&end=${cursorOf(demo, 'bob')}`, demo, 'bob').query.cursor).toEqual({ direction: 'prev', values: ['Ann', 'ann'] });
  });

  it('a malformed list is refused every time it is asked', () => {
    for (let attempt = 0; attempt < 2; attempt++) {
      expect(refusal('limit=0')).toMatchObject({ status: 400, details: [{ location: 'limit' }] });
      expect(refusal('filter=name%20%3D%3D')).toMatchObject({ status: 400, details: [{ location: 'filter' }] });
    }
  });
});

describe('include', () => {
  it('a token holding a newline is not taken for two tokens, whichever is asked first', () => {
    const oneToken = objectFields(parseQueryString('include=custom%0Astatus'));
    expect(oneToken).toMatchObject({ custom: false, status: false }); // an unknown token, ignored
    expect(objectFields(parseQueryString('include=custom&include=status'))).toMatchObject({ custom: true, status: true });
    expect(objectFields(parseQueryString('include=custom%0Astatus'))).toBe(oneToken);
  });

  it('the same include set, however it is written, is one object: answers kept per include set are shared', () => {
    const first = objectFields(parseQueryString('include=status,custom'));
    for (const written of ['include=custom,status', 'include=custom&include=status', 'include=status,custom,status,unknown', 'include=%20custom%20,status']) {
      expect(objectFields(parseQueryString(written))).toBe(first);
    }
    expect(objectFields(parseQueryString('include=custom'))).not.toBe(first);
    expect(parseListCommand(parseQueryString('include=type,uuid.custom'), demo, 'members', 'c').include).toBe(
      parseListCommand(parseQueryString('include=uuid.custom,type'), demo, 'members', 'c').include,
    );
  });
});
