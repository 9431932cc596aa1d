import type { PNStatusCategory, Roster } from '../../src/index.ts';

/** Polls `predicate` until it holds; rejects after `timeoutMs` with `what` in the message. */
export async function waitFor(what: string, predicate: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((done) => setTimeout(done, 10));
  }
}

/** Resolves on the next status of `category` the client's subscribe loop reports. */
export function nextStatus(client: Roster, category: PNStatusCategory, timeoutMs = 10_000): Promise<void> {
  return new Promise((done, fail) => {
    const timer = setTimeout(() => fail(new Error(`no ${category} within ${timeoutMs} ms`)), timeoutMs);
    const listener = {
      status: (status: { category: string; isError(): boolean; errorData: unknown }) => {
        if (status.category === category) {
          clearTimeout(timer);
          client.removeListener(listener);
          done();
        } else if (status.category === 'PNUnexpectedDisconnectCategory') {
          clearTimeout(timer);
          client.removeListener(listener);
          fail(new Error(`subscribe stopped: ${JSON.stringify(status.errorData)}`));
        }
      },
    };
    client.addListener(listener);
  });
}
