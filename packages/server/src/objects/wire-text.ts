/**
 * Answers as JSON text, built once where they recur. A record the store hands out again and
 * again (frozen: a cached record, or a row of a kept page) keeps its wire text per `include`
 * set, so a repeated get or list only joins texts already made. The HTTP layer sends a
 * `JsonText` as it is (app.ts).
 */
export class JsonText {
  #bytes: Buffer | undefined;

  constructor(readonly json: string) {}

  /** The text as UTF-8, encoded on first use: an answer sent again and again (a kept page's) is encoded once. */
  get bytes(): Buffer {
    return (this.#bytes ??= Buffer.from(this.json));
  }
}

/** Include sets kept per record at most: clients send the same few, interned by the parser (http/params.ts). */
const INCLUDES_PER_RECORD = 8;

const texts = new WeakMap<object, Map<object, string>>();

/**
 * `JSON.stringify(toWire(record, include))`, made once per frozen record and frozen include
 * set; anything not frozen may still change, so it is serialized every time.
 */
export function wireText<R extends object, I extends object>(record: R, include: I, toWire: (record: R, include: I) => unknown): string {
  if (!Object.isFrozen(record) || !Object.isFrozen(include)) return JSON.stringify(toWire(record, include));
  let byInclude = texts.get(record);
  if (byInclude === undefined) texts.set(record, (byInclude = new Map()));
  let text = byInclude.get(include);
  if (text === undefined) {
    if (byInclude.size >= INCLUDES_PER_RECORD) byInclude.clear();
    byInclude.set(include, (text = JSON.stringify(toWire(record, include))));
  }
  return text;
}

/** `{"status":200,"data":<record>}`: App Context's answer with one object. */
export const objectAnswer = (recordJson: string): JsonText => new JsonText(`{"status":200,"data":${recordJson}}`);

/** What a page answer carries beside its items, in PubNub's key order. */
export interface PageExtras {
  totalCount?: number | undefined;
  next?: string | undefined;
  prev?: string | undefined;
}

/** `{"status":200,"data":[…],"totalCount":n,"next":"…","prev":"…"}`, absent keys left out. */
export function pageAnswer(itemsJson: readonly string[], { totalCount, next, prev }: PageExtras): JsonText {
  let json = `{"status":200,"data":[${itemsJson.join(',')}]`;
  if (totalCount !== undefined) json += `,"totalCount":${totalCount}`;
  if (next !== undefined) json += `,"next":${JSON.stringify(next)}`;
  if (prev !== undefined) json += `,"prev":${JSON.stringify(prev)}`;
  return new JsonText(`${json}}`);
}
