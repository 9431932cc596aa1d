import { approximateBytes, keepBeside } from '../kept-bytes.ts';

/**
 * Answers as JSON text, built once where they recur. A record the store hands out again and
 * again (frozen: a cached record, or a row of a kept page) keeps its wire text per `include`
 * set, so a repeated get or list only joins texts already made. The HTTP layer sends a
 * `JsonText` as it is (app.ts).
 */
export class JsonText {
  #json: string | undefined;
  #bytes: Buffer | undefined;

  constructor(json: string) {
    this.#json = json;
  }

  /**
   * A text kept as long as a cached record: encoded at once, into memory of its own (a small
   * Buffer from Node's shared pool would keep its whole 8 KiB slab alive), and held as bytes only.
   */
  static kept(json: string): JsonText {
    const text = new JsonText(json);
    const bytes = Buffer.allocUnsafeSlow(Buffer.byteLength(json));
    bytes.write(json);
    text.#bytes = bytes;
    text.#json = undefined;
    return text;
  }

  get json(): string {
    return this.#json ?? this.#bytes!.toString();
  }

  /** About what it holds in memory, in bytes: its text, if held as such, and its UTF-8 (encoded now if it was not: it is what is sent). */
  get weight(): number {
    return (this.#json === undefined ? 0 : approximateBytes(this.#json)) + this.bytes.length;
  }

  /** The text as UTF-8, encoded on first use: an answer sent again and again (a kept page's) is encoded once. */
  get bytes(): Buffer {
    return (this.#bytes ??= Buffer.from(this.#json!));
  }
}

/** Include sets kept per record at most: clients send the same few, interned by the parser (http/params.ts). */
const KEPT_INCLUDE_SETS = 8;

/** What is kept per record and include set, with what each weighs (counted by whoever keeps the record: `keepBeside`). */
interface Kept<T> {
  readonly byRecord: WeakMap<object, Map<object, T>>;
  readonly weigh: (value: T) => number;
}

const texts: Kept<string> = { byRecord: new WeakMap(), weigh: approximateBytes };
const answers: Kept<JsonText> = { byRecord: new WeakMap(), weigh: (answer) => answer.weight };

/** What `make` made for a frozen record and frozen include set, kept with the record in `kept`; anything not frozen may still change, so it is made every time. */
function keptFor<T>(kept: Kept<T>, record: object, include: object, make: () => T): T {
  if (!Object.isFrozen(record) || !Object.isFrozen(include)) return make();
  let byInclude = kept.byRecord.get(record);
  if (byInclude === undefined) kept.byRecord.set(record, (byInclude = new Map()));
  let value = byInclude.get(include);
  if (value === undefined) {
    if (byInclude.size >= KEPT_INCLUDE_SETS) {
      keepBeside(record, -[...byInclude.values()].reduce((sum, old) => sum + kept.weigh(old), 0));
      byInclude.clear();
    }
    byInclude.set(include, (value = make()));
    keepBeside(record, kept.weigh(value));
  }
  return value;
}

/** `JSON.stringify(toWire(record, include))`, made once per frozen record and frozen include set. */
export function wireText<R extends object, I extends object>(record: R, include: I, toWire: (record: R, include: I) => unknown): string {
  return keptFor(texts, record, include, () => JSON.stringify(toWire(record, include)));
}

const objectAnswerText = (recordJson: string): string => `{"status":200,"data":${recordJson}}`;

/** `{"status":200,"data":<object>}`: App Context's answer with one object. */
export const objectAnswer = (recordJson: string): JsonText => new JsonText(objectAnswerText(recordJson));

/**
 * The answer of a get of `record`, kept as `wireText` is: a record asked for again and again is
 * answered with the same bytes, encoded once (and held as bytes only: the record's text is not
 * kept for it, only for lists that ask for it).
 */
export function keptObjectAnswer<R extends object, I extends object>(record: R, include: I, toWire: (record: R, include: I) => unknown): JsonText {
  if (!Object.isFrozen(record) || !Object.isFrozen(include)) return objectAnswer(JSON.stringify(toWire(record, include)));
  return keptFor(answers, record, include, () =>
    JsonText.kept(objectAnswerText(texts.byRecord.get(record)?.get(include) ?? JSON.stringify(toWire(record, include)))),
  );
}

/** The last answer made of each kept (frozen) page, with the include set and list (`print`) it was made for. */
const pageAnswers = new WeakMap<object, { include: object; print: string; answer: JsonText }>();

/**
 * The answer of `page` for `include` and `print`, made by `make`: a frozen page (one the store
 * keeps) keeps its last answer, counted by whoever keeps the page (`keepBeside`), and answers
 * again with it while the include set and list are the same.
 */
export function keptPageAnswer(page: object, include: object, print: string, make: () => JsonText): JsonText {
  if (!Object.isFrozen(page)) return make();
  const last = pageAnswers.get(page);
  if (last?.include === include && last.print === print) return last.answer;
  const answer = make();
  keepBeside(page, answer.weight - (last?.answer.weight ?? 0));
  pageAnswers.set(page, { include, print, answer });
  return answer;
}

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
