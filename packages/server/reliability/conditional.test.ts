import { useServer } from '@roster/testing';
import { describe, expect, it } from 'vitest';
import { objectsClient, type Reply } from '../test/http.ts';
import { scale } from './scale.ts';
import type { ErrorEnvelope, One } from './support.ts';

const ROUNDS = scale(20, 3);
const WRITERS = 50;

const server = useServer();
const api = objectsClient(server);

type Answer = Reply<One | ErrorEnvelope>;

/**
 * Reads the object's eTag, then has WRITERS clients PATCH it at once with `If-Match` set to that
 * eTag, each with a different body. Every body differs from the stored record, so no write is a
 * no-op that could keep the eTag: exactly one may win.
 */
async function race(path: string, body: (writer: number) => Record<string, unknown>) {
  const read = await api.get<One>(path, { query: { include: 'custom' } });
  expect(read.status).toBe(200);
  const eTag = read.body.data.eTag;
  const answers: Answer[] = await Promise.all(
    Array.from({ length: WRITERS }, (_, writer) =>
      api.patch<One | ErrorEnvelope>(path, body(writer), { headers: { 'if-match': eTag }, query: { include: 'custom' } }),
    ),
  );
  const stored = await api.get<One>(path, { query: { include: 'custom' } });
  return { answers, stored };
}

function winnerOf(answers: Answer[]): { writer: number; data: One['data'] } {
  const winners = answers.flatMap((answer, writer) => (answer.status === 200 && 'data' in answer.body ? [{ writer, data: answer.body.data }] : []));
  expect(
    winners.map((winner) => winner.writer),
    'writers answered 200',
  ).toHaveLength(1);
  return winners[0]!;
}

function expectRefused(answers: Answer[], winner: number, message: string) {
  const losers = answers.filter((_, writer) => writer !== winner);
  const refused = { status: 412, body: { status: 412, error: { message, source: 'objects' } } };
  for (const loser of losers) expect({ status: loser.status, body: loser.body }).toEqual(refused);
}

const KINDS = [
  { kind: 'user', collection: 'uuids', message: 'User to update has been modified after it was read.' },
  { kind: 'channel', collection: 'channels', message: 'Channel to update has been modified after it was read.' },
] as const;

// Memberships are left out: their PATCH has no eTag check in PubNub, and Roster adds none
// (../shared/spec/decisions.md, "If-Match"), so there is no conditional write to race.
describe.each(KINDS)('concurrent If-Match updates of one $kind', ({ kind, collection, message }) => {
  it(`lets exactly one of ${WRITERS} writers with the same eTag win, ${ROUNDS} rounds`, async () => {
    for (let round = 0; round < ROUNDS; round++) {
      const path = `${collection}/race-${kind}-${round}`;
      const created = await api.patch<One>(path, { name: 'original', custom: { writer: -1 } });
      expect(created.status).toBe(200);
      const body = (writer: number) => ({ name: `writer ${writer}`, custom: { writer, round } });
      const { answers, stored } = await race(path, body);
      const winner = winnerOf(answers);
      expectRefused(answers, winner.writer, message);
      expect(stored.body.data).toEqual(winner.data);
      expect(stored.body.data).toMatchObject(body(winner.writer));
    }
  });
});
