/**
 * Runs `check` (assertions) until it passes, every 100 ms, for what shows up a moment later: a
 * change another node serves after its next poll, a page the browser redraws. After `timeoutMs`
 * the last failure is thrown; with 0 `check` runs once.
 */
export async function eventually(check: () => Promise<void>, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await check();
    } catch (error) {
      if (Date.now() >= deadline) throw error;
      await new Promise((done) => setTimeout(done, 100));
    }
  }
}
