import { defineConfig } from 'vitest/config';

// The reliability suite: crash safety, races, fuzzing and the soak. Its files run one at a time so
// that each owns the machine's CPU; `ROSTER_RELIABILITY=smoke` shrinks every count and duration.
export default defineConfig({
  test: {
    include: ['packages/server/reliability/**/*.test.ts'],
    exclude: ['**/node_modules/**'],
    fileParallelism: false,
    testTimeout: 15 * 60_000,
    hookTimeout: 120_000,
  },
});
