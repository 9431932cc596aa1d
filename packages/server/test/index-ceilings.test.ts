/**
 * A keyset at every ceiling the config allows at once: publish and subscribe keys of 96 bytes and
 * `maxIdLength` 128 (model/keyset.ts `MAX_KEY_BYTES`, `MAX_ID_LENGTH`), every character 4 bytes
 * of UTF-8, in an order that barely compresses. Every write that indexes them (users, channels,
 * the membership between them, a stored message, a message action, a channel group) is taken: no
 * PostgreSQL index entry outgrows the B-tree limit (2,704 bytes) and no NATS subject its token,
 * so none of them is a 500. Runs on both stores (`npx vitest run <file>`, and on the cluster
 * target).
 */
import { useServer } from '@roster/testing';
import { describe, expect, it } from 'vitest';
import { encode, objectsClient, type Reply } from './http.ts';

/** `length` characters of CJK Extension B (4 bytes of UTF-8 each) in a fixed pseudo-random order. */
function astral(length: number, seed: number): string {
  let state = seed;
  return Array.from({ length }, () => {
    state = (state * 1_103_515_245 + 12_345) % 2 ** 31;
    return String.fromCodePoint(0x20000 + (state % 0xa6d0));
  }).join('');
}

const SUB = astral(24, 1);
const PUB = astral(24, 2);
const USER = astral(128, 3);
const CHANNEL = astral(128, 4);
const GROUP = astral(128, 5);

const server = useServer({ keysets: [{ publishKey: PUB, subscribeKey: SUB, limits: { maxIdLength: 128 } }] });
const api = objectsClient(server, encode(SUB));

function expectOk(reply: Reply, what: string): void {
  expect(reply.status, `${what}: ${JSON.stringify(reply.body).slice(0, 300)}`).toBe(200);
}

describe('a keyset at the ceilings of its keys and ids', () => {
  it('takes a user, a channel and their membership, each id 128 characters of 4 bytes, and lists them', async () => {
    expectOk(await api.patch(`uuids/${encode(USER)}`, { name: astral(2048, 6) }), 'user');
    expectOk(await api.patch(`channels/${encode(CHANNEL)}`, { name: astral(2048, 7) }), 'channel');
    // memberships_by_user (sub_key, uuid_id, channel_id_key, channel_id): the widest index entry.
    expectOk(await api.patch(`uuids/${encode(USER)}/channels`, { set: [{ channel: { id: CHANNEL }, status: astral(50, 8) }] }), 'membership');
    const memberships = await api.get(`uuids/${encode(USER)}/channels`, { query: { sort: 'channel.id' } });
    expect(memberships.body.data.map((item: { channel: { id: string } }) => item.channel.id)).toEqual([CHANNEL]);
    const members = await api.get(`channels/${encode(CHANNEL)}/uuids`, { query: { sort: 'uuid.name' } });
    expect(members.body.data.map((item: { uuid: { id: string } }) => item.uuid.id)).toEqual([USER]);
  });

  it('stores a message and a message action on a 128-character channel, and answers them in history', async () => {
    const published = await api.get(`/publish/${encode(PUB)}/${encode(SUB)}/0/${encode(CHANNEL)}/0/${encode('"hello"')}`, { query: { uuid: USER } });
    expectOk(published, 'publish');
    const timetoken = String(published.body[2]);
    // `type` at its 15 UTF-16 units (7 characters of 2 units, one of 1); `value` is indexed by its digest.
    const action = { type: `${astral(7, 9)}x`, value: astral(4000, 10) };
    const added = await api.send('POST', `/v1/message-actions/${encode(SUB)}/channel/${encode(CHANNEL)}/message/${timetoken}`, {
      query: { uuid: USER },
      body: action,
    });
    expectOk(added, 'message action');
    const history = await api.get(`/v3/history-with-actions/sub-key/${encode(SUB)}/channel/${encode(CHANNEL)}`, {
      query: { string_message_token: true, include_uuid: true },
    });
    expectOk(history, 'history');
    const [message] = history.body.channels[CHANNEL];
    expect(message).toMatchObject({ message: 'hello', timetoken, uuid: USER, actions: { [action.type]: { [action.value]: [{ uuid: USER }] } } });
  });

  it('registers a 128-character channel in a 128-character channel group', async () => {
    const group = `/v1/channel-registration/sub-key/${encode(SUB)}/channel-group/${encode(GROUP)}`;
    expectOk(await api.get(group, { query: { add: CHANNEL } }), 'channel group add');
    expect((await api.get(group)).body.payload).toMatchObject({ channels: [CHANNEL], group: GROUP });
  });
});
