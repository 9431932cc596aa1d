const LINES = [
  'see you at the standup in five',
  'pushed the fix to main, please pull',
  'lunch at noon, the usual place?',
  'the build is green again',
  'reviewing your pull request now',
];

/** A small chat message, about 100 bytes of JSON. */
export function chatMessage(index: number): string {
  return JSON.stringify({
    text: `${LINES[index % LINES.length]} (#${index})`,
    sender: `user-${index % 1_000}`,
    type: 'text',
    sentAt: 1_764_540_000_000 + index * 100,
  });
}

/** 100 ms between messages, in timetoken units (0.1 µs). */
export const STEP = 1_000_000n;

/**
 * The timetoken of the first of `count` messages 100 ms apart, far enough back that the newest is
 * still in the past, so publishes during the run come after it.
 */
export function firstTimetoken(count: number): bigint {
  return BigInt(Date.now()) * 10_000n - BigInt(count + 1_000) * STEP;
}
