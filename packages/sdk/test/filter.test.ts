import { useServer } from '@roster/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { checkFilter, isPubNubException, type Roster } from '../src/index.ts';
import { clientFor } from './helpers/roster.ts';

const server = useServer();
let client: Roster;

beforeAll(() => {
  client = clientFor(server);
});

/** What a real server answers for a user list with `filter`: 200, or the status and its detail. */
async function serverAnswer(filter: string): Promise<{ status: number; message?: string }> {
  try {
    await client.getAllUUIDMetadata({ filter, limit: 1 }).sync();
    return { status: 200 };
  } catch (error) {
    if (!isPubNubException(error)) throw error;
    const [detail] = error.status.errorData?.details ?? [];
    return { status: error.statusCode, message: detail?.message ?? '' };
  }
}

describe('checkFilter agrees with a real Roster server', () => {
  it.each([
    'name == "Alice"',
    `email LIKE '*@example.com' && !(custom.age < 18) || updated >= "2024-01-01"`,
    'name == "Ali',
    'name == "x" # 1',
    'name == "x" &&',
    'name = "x"',
    'name == Alice',
    String.raw`name == "\q"`,
    'custom.n == 1e999',
    '(name == "x"',
    '   ',
    `${'!'.repeat(65)}name == "x"`,
  ])('%j', async (filter) => {
    const check = checkFilter(filter);
    const answer = await serverAnswer(filter);
    if (check.ok) {
      expect(answer).toEqual({ status: 200 });
    } else {
      expect(answer).toEqual({ status: 400, message: check.message });
      // Where the message names a position, it is the first it names.
      const named = /at position (\d+)/.exec(check.message)?.[1];
      if (named !== undefined) expect(Number(named)).toBe(check.position);
    }
  });
});
