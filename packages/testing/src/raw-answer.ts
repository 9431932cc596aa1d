import { request } from 'node:http';

/** An answer as it came on the wire: its status and each header's values, by lower-cased name, as often as each came. */
export interface RawAnswer {
  status: number;
  headers: Map<string, string[]>;
}

/**
 * Sends `method url` with `headers` over `node:http` and reads the answer's raw headers, which
 * `fetch` merges: for a test that a header comes exactly once.
 */
export function rawAnswer(url: string, method = 'GET', headers: Record<string, string> = {}): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    request(url, { method, headers }, (response) => {
      const byName = new Map<string, string[]>();
      for (let index = 0; index < response.rawHeaders.length; index += 2) {
        const name = response.rawHeaders[index]!.toLowerCase();
        byName.set(name, [...(byName.get(name) ?? []), response.rawHeaders[index + 1]!]);
      }
      response.resume();
      response.on('end', () => resolve({ status: response.statusCode ?? 0, headers: byName }));
    })
      .on('error', reject)
      .end();
  });
}
