/**
 * What is acknowledged is what is stored. Users, channels, memberships and members are written
 * with hostile values (lone surrogates, astral and invisible characters, control characters,
 * numbers JSON cannot hold or that sit at the edges of doubles, lengths at the limits, malformed
 * emails and URLs, bad ids in bodies). Every write must be refused with a 400 naming a field, or
 * acknowledged exactly as sent; whatever was acknowledged must then read back identical through
 * every read path (get one, list, memberships, members with the related objects, and the App
 * Context events a subscriber receives), and again after a kill -9 and a restart over the same
 * database, when no record cache can hide a difference.
 */
import fc from 'fast-check';
import { rmSync } from 'node:fs';
import { isDeepStrictEqual } from 'node:util';
import { startServer, type RunningServer } from '@roster/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHANNEL_FIELDS, UUID_FIELDS } from '../src/model/records.ts';
import { encode, objectsClient, type ObjectsClient, type Reply } from '../test/http.ts';
import { scale } from './scale.ts';

const WRITES = scale(2_500, 200);
const HOLD_ARGS = ['--subscribe-hold', '1'];
const INCLUDE = 'custom,status,type';
const RELATED = { uuid: 'channel,channel.custom,channel.status,channel.type', channel: 'uuid,uuid.custom,uuid.status,uuid.type' } as const;

// ---------------------------------------------------------------------------------------------
// Values as sent: JSON.stringify cannot write 1e999 or -0, so numbers travel as their JSON text.

/** A number exactly as it appears in the body's JSON text. */
class RawNumber {
  constructor(readonly text: string) {}
}

type Sent = string | number | boolean | null | RawNumber | Sent[] | { [key: string]: Sent };

/** The JSON text of a value; strings with lone surrogates are written as `\udXXX` escapes. */
function toJson(value: Sent): string {
  if (value instanceof RawNumber) return value.text;
  if (Array.isArray(value)) return `[${value.map(toJson).join(',')}]`;
  if (value !== null && typeof value === 'object')
    return `{${Object.entries(value)
      .map(([k, v]) => `${JSON.stringify(k)}:${toJson(v)}`)
      .join(',')}}`;
  return JSON.stringify(value);
}

/** What the server's JSON.parse makes of a value. */
function parsed(value: Sent): unknown {
  if (value instanceof RawNumber) return JSON.parse(value.text) as number;
  if (Array.isArray(value)) return value.map(parsed);
  if (value !== null && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, parsed(v)]));
  return value;
}

/** How a value stored exactly comes back on the wire (-0 is written 0). */
const onTheWire = (value: Sent): unknown => JSON.parse(JSON.stringify(parsed(value)) ?? 'null');

const wellFormed = (text: string) => (text as string & { isWellFormed(): boolean }).isWellFormed();

/** Whether the value holds something no store can keep exactly: a lone surrogate or a non-finite number. */
function unstorable(value: Sent): boolean {
  if (value instanceof RawNumber) return !Number.isFinite(parsed(value));
  if (typeof value === 'string') return !wellFormed(value);
  if (Array.isArray(value)) return value.some(unstorable);
  if (value !== null && typeof value === 'object') return Object.entries(value).some(([k, v]) => !wellFormed(k) || unstorable(v));
  return false;
}

// ---------------------------------------------------------------------------------------------
// Ids: a fixed pool, so that writes meet the same records and one subscriber hears them all.

const codePoints = (text: string) => [...text].length;
const usableId = (id: string) => id.length > 0 && codePoints(id) <= 92 && wellFormed(id) && !/[\u0000-\u001f\u007f]/.test(id) && !id.endsWith('.*');

const FIXED_IDS = [
  `${'用户名'.repeat(30)}频道`,
  'é'.repeat(92),
  '😀'.repeat(92),
  'a,b',
  'a/b',
  '%41%',
  'q?x#y&z=1',
  ' padded ',
  '\u200b',
  'ünïcödé',
  '__proto__',
  'constructor',
  `quote"s'`,
  'e\u0301',
  '👩‍👩‍👧‍👦',
  '\u202eevil',
  'x',
];
const ID_POOL = [...FIXED_IDS, ...fc.sample(fc.string({ unit: 'grapheme', minLength: 1, maxLength: 24 }).filter(usableId), { numRuns: 7, seed: 4242 })];
const poolId = fc.constantFrom(...ID_POOL);

// ---------------------------------------------------------------------------------------------
// Writes

type WriteKind = 'uuid' | 'channel' | 'memberships' | 'members' | 'delete-uuid' | 'delete-channel';

/** One generated write: which attack made it, what it writes to, and the body as sent. */
interface Write {
  attack: string;
  kind: WriteKind;
  id: string;
  body: { [key: string]: Sent };
  merge: boolean;
}

type Slot = 'name' | 'externalId' | 'profileUrl' | 'email' | 'description' | 'status' | 'type' | 'customKey' | 'customValue' | 'itemId';

interface Attack {
  /** The places this attack puts its value in. */
  slots: readonly Slot[];
  value: (slot: Slot) => fc.Arbitrary<Sent>;
}

const TEXT_SLOTS: readonly Slot[] = ['name', 'externalId', 'description', 'status', 'type', 'customKey', 'customValue', 'itemId'];

const loneSurrogate = fc.integer({ min: 0xd800, max: 0xdfff }).map((unit) => String.fromCharCode(unit));
const plain = fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9 ._-]{0,11}$/);
const unicodeText = fc.oneof(
  fc.string({ unit: 'grapheme', minLength: 1, maxLength: 12 }),
  fc.string({ unit: 'binary', minLength: 1, maxLength: 16 }).filter(wellFormed),
  fc.constantFrom('👩‍👩‍👧‍👦', '🇺🇳', 'e\u0301\u0301', '\u202eevil\u202c', '\ufeffbom', 'ﷺ', '𝕏𝕐', 'Z̤͔ͧ̑̓ä͖̭̈̇l͖͎g̞̥͈ͮ͌o̭͔', '\u{10FFFF}', '\u{E0001}', '\uFFFD'),
);
const controlText = fc
  .tuple(plain, fc.constantFrom('\u0000', '\u0001', '\t', '\n', '\r', '\u001b', '\u001f', '\u007f', '\u0085', '\u2028', '\u2029', '\u200b', '\u00ad'), plain)
  .map(([a, c, b]) => `${a}${c}${b}`);
const nonEmpty = (text: fc.Arbitrary<string>) => text.filter((value) => value.trim() !== '');

/** Texts of exactly `length` characters, mixing one-, two-, three- and four-byte ones. */
const textOfLength = (length: number) => fc.constantFrom('a', 'é', '字', '😀').map((unit) => unit.repeat(length));

const ATTACKS: Record<string, Attack> = {
  'lone surrogates': {
    slots: TEXT_SLOTS,
    // The same unit twice (high high, or low low) never makes a pair.
    value: () =>
      loneSurrogate.chain((unit) =>
        fc.tuple(fc.oneof(plain, fc.constant('')), fc.oneof(plain, fc.constant(''), fc.constant(unit))).map(([a, b]) => `${a}${unit}${b}`),
      ),
  },
  'astral, combining and bidi text': { slots: TEXT_SLOTS, value: (slot) => (slot === 'name' || slot === 'itemId' ? nonEmpty(unicodeText) : unicodeText) },
  'control and invisible characters': { slots: TEXT_SLOTS, value: () => controlText },
  'non-finite numbers': {
    slots: ['customValue'],
    value: () => fc.constantFrom('1e999', '-1e999', '1e400', '-2e308', '1.8e308', '123e9999').map((text) => new RawNumber(text)),
  },
  'edge numbers': {
    slots: ['customValue'],
    value: () =>
      fc.oneof(
        fc
          .constantFrom(
            '-0',
            '-0.0',
            '0e5',
            '5e-324',
            '4.9e-324',
            '1e-400',
            '-1e-400',
            '1.7976931348623157e308',
            '9007199254740993',
            '123456789012345678901234567890',
            '0.1',
            '1E+2',
            '2.5e-5',
            '-1',
          )
          .map((text) => new RawNumber(text)),
        fc.double({ noNaN: true, noDefaultInfinity: true }).map((n) => new RawNumber(Object.is(n, -0) ? '-0' : String(n))),
        fc.integer().map((n) => new RawNumber(String(n))),
      ),
  },
  'lengths at the limits': {
    slots: ['name', 'description', 'status', 'type', 'externalId', 'customValue', 'itemId'],
    value: (slot) => {
      if (slot === 'name' || slot === 'description') return fc.constantFrom(2047, 2048, 2049).chain(textOfLength);
      if (slot === 'status' || slot === 'type') return fc.constantFrom(49, 50, 51).chain(textOfLength);
      if (slot === 'itemId') return fc.constantFrom(91, 92, 93).chain(textOfLength);
      return fc.integer({ min: 500, max: 3000 }).chain(textOfLength);
    },
  },
  'emails, URLs and blank names': {
    slots: ['email', 'profileUrl', 'name'],
    value: (slot) => {
      if (slot === 'email')
        return fc.oneof(fc.emailAddress(), fc.constantFrom('example@127.0.0.1', 'b@x', 'josé@exämple.com', 'no-at-sign', 'a@', '@b', 'a b@c.d', '', 'x@y..z'));
      if (slot === 'profileUrl')
        return fc.oneof(
          fc.webUrl({ withFragments: true, withQueryParameters: true }),
          fc.constantFrom('https://例え.jp/ü', 'mailto:a@b', 'not a url', '//x', 'http://a b', '%zz', ''),
        );
      return fc.constantFrom('', ' ', '\t', '\u3000', '\u00a0\u2003', 'ok', ' padded ');
    },
  },
  'hostile ids in bodies': {
    slots: ['itemId'],
    value: () => fc.oneof(poolId, fc.constantFrom('', ' ', '\u0000', 'a\nb', 'x'.repeat(93), '字'.repeat(93), '😀'.repeat(93), 'ok\ud800', '\udfff')),
  },
};

// The rest of a write: mostly plain values, often Unicode, all valid.
const baseText = fc.oneof({ weight: 3, arbitrary: plain }, { weight: 1, arbitrary: nonEmpty(unicodeText) }, { weight: 1, arbitrary: fc.constant(null) });
const customKey = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom('a', 'b', 'score', 'é', '😀', '__proto__', 'constructor', '', 'a.b', '$') },
  { weight: 1, arbitrary: unicodeText },
);
const customScalar = fc.oneof(
  plain,
  unicodeText,
  fc.integer(),
  fc.boolean(),
  fc.constant(null),
  fc.double({ noNaN: true, noDefaultInfinity: true }).map((n) => new RawNumber(String(n))),
);
const baseCustom = fc.oneof({ weight: 3, arbitrary: fc.dictionary(customKey, customScalar, { maxKeys: 4 }) }, { weight: 1, arbitrary: fc.constant(null) });
const baseObject = fc.record(
  {
    name: baseText,
    externalId: baseText,
    profileUrl: fc.constantFrom(null, 'https://example.com/p.png', 'https://例え.jp/ü'),
    email: fc.constantFrom(null, 'a@example.com', '用户@例子.广告'),
    description: baseText,
    status: baseText,
    type: baseText,
    custom: baseCustom,
  },
  { requiredKeys: [] },
);
const baseItem = fc.record({ status: baseText, type: baseText, custom: baseCustom }, { requiredKeys: [] });

const OBJECT_FIELDS = { uuid: UUID_FIELDS, channel: CHANNEL_FIELDS } as const;

/** Puts the attack's value in its slot of the body (dropping fields the kind does not have). */
function placed(kind: WriteKind, base: Record<string, Sent>, items: Record<string, Sent>[], slot: Slot, value: Sent): { [key: string]: Sent } {
  const asCustom = (custom: Sent): { [key: string]: Sent } =>
    custom !== null && typeof custom === 'object' && !Array.isArray(custom) && !(custom instanceof RawNumber) ? custom : {};
  const place = (target: Record<string, Sent>): Record<string, Sent> => {
    if (slot === 'customKey') return { ...target, custom: { ...asCustom(target['custom'] ?? null), [String(value)]: 'v' } };
    if (slot === 'customValue') return { ...target, custom: { ...asCustom(target['custom'] ?? null), attacked: value } };
    if (slot === 'itemId') return target;
    return { ...target, [slot]: value };
  };
  if (kind === 'uuid' || kind === 'channel') {
    const fields: readonly string[] = OBJECT_FIELDS[kind];
    return Object.fromEntries(Object.entries(place(base)).filter(([field]) => fields.includes(field)));
  }
  const itemKey = kind === 'memberships' ? 'channel' : 'uuid';
  const set = items.map((item, index) => {
    const id = slot === 'itemId' && index === 0 ? value : item['id']!;
    const fields = Object.fromEntries(Object.entries(index === 0 ? place(item) : item).filter(([field]) => ['status', 'type', 'custom'].includes(field)));
    return { [itemKey]: { id }, ...fields };
  });
  return { set };
}

/** Deletes come between the attacks, so that records also go and come back; they are tallied apart. */
const DELETES = 'deletes between the attacks';

function writeFor(attack: string): fc.Arbitrary<Write> {
  const { slots, value } = ATTACKS[attack]!;
  return fc
    .record({
      kind: fc.constantFrom<WriteKind>(
        'uuid',
        'uuid',
        'uuid',
        'channel',
        'channel',
        'channel',
        'memberships',
        'memberships',
        'members',
        'members',
        'delete-uuid',
        'delete-channel',
      ),
      id: poolId,
      base: baseObject,
      items: fc.uniqueArray(fc.record({ id: poolId, item: baseItem }), { minLength: 1, maxLength: 4, selector: (entry) => entry.id }),
      merge: fc.boolean(),
    })
    .chain(({ kind, id, base, items, merge }) => {
      const usable = slots.filter((slot) => slotFits(kind, slot));
      if (usable.length === 0) return writeFor(attack);
      if (kind === 'delete-uuid' || kind === 'delete-channel') return fc.constant<Write>({ attack: DELETES, kind, id, body: {}, merge: false });
      return fc
        .constantFrom(...usable)
        .chain((slot) => value(slot).map((attackValue) => ({ slot, attackValue })))
        .map(({ slot, attackValue }): Write => {
          const entries = items.map(({ id: itemId, item }) => ({ id: itemId, ...item }) as Record<string, Sent>);
          return { attack, kind, id, body: placed(kind, base as Record<string, Sent>, entries, slot, attackValue), merge };
        });
    });
}

function slotFits(kind: WriteKind, slot: Slot): boolean {
  if (kind === 'uuid') return slot !== 'description' && slot !== 'itemId';
  if (kind === 'channel') return ['name', 'description', 'status', 'type', 'customKey', 'customValue'].includes(slot);
  return ['status', 'type', 'customKey', 'customValue', 'itemId'].includes(slot);
}

const anyWrite = fc.constantFrom(...Object.keys(ATTACKS)).chain(writeFor);

// ---------------------------------------------------------------------------------------------
// What the server acknowledged: the model every read must match

type Wire = Record<string, unknown>;

const model = {
  uuid: new Map<string, Wire>(),
  channel: new Map<string, Wire>(),
  /** `uuidId\u0000channelId` → the membership as a list item has it, without the related object. */
  memberships: new Map<string, Wire>(),
};
const pairKey = (uuidId: string, channelId: string) => `${uuidId}\u0000${channelId}`;

/** eTag → what the event announcing that change must carry (besides id, updated and eTag). */
const expectedEvents = new Map<string, { type: string; data: Wire }>();

interface Tally {
  attempts: number;
  refused: number;
  accepted: number;
  serverErrors: number;
  crashes: number;
}
const tallies = new Map<string, Tally>(
  [...Object.keys(ATTACKS), DELETES].map((name) => [name, { attempts: 0, refused: 0, accepted: 0, serverErrors: 0, crashes: 0 }]),
);

/** Where a 400 may point: the id in the path, a field of the body, an item, or the whole body. */
const FIELD_LOCATION = /^(uuid|channel|body|user\.|channel\.|set\[\d+\]|delete\[\d+\])/;

const COLLECTION = { uuid: 'uuids', channel: 'channels' } as const;
const objectPath = (kind: 'uuid' | 'channel', id: string) => `${COLLECTION[kind]}/${encode(id)}`;
const membershipPath = (kind: 'memberships' | 'members', id: string) =>
  kind === 'memberships' ? `uuids/${encode(id)}/channels` : `channels/${encode(id)}/uuids`;

async function send(api: ObjectsClient, write: Write): Promise<Reply> {
  if (write.kind === 'delete-uuid' || write.kind === 'delete-channel') {
    return api.delete(objectPath(write.kind === 'delete-uuid' ? 'uuid' : 'channel', write.id));
  }
  const path = write.kind === 'uuid' || write.kind === 'channel' ? objectPath(write.kind, write.id) : membershipPath(write.kind, write.id);
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (write.merge) headers['roster-custom-merge'] = 'true';
  return api.send('PATCH', path, { rawBody: toJson(write.body), headers, query: { include: INCLUDE } });
}

/** The sent fields an acknowledgement must echo exactly (merged custom is the store's to compute). */
function expectEcho(sent: { [key: string]: Sent }, acknowledged: Wire, merge: boolean, where: string): void {
  for (const [field, value] of Object.entries(sent)) {
    if (field === 'custom' && merge) continue;
    expect(acknowledged[field], `${where}: ${field}`).toEqual(onTheWire(value));
  }
}

function recordObject(write: Write, kind: 'uuid' | 'channel', data: Wire): void {
  const before = model[kind].get(write.id);
  expectEcho(write.body, data, write.merge, `${kind} ${JSON.stringify(write.id)}`);
  if (before?.['eTag'] !== data['eTag']) {
    const sentFields = Object.fromEntries(Object.keys(write.body).map((field) => [field, data[field]]));
    expectedEvents.set(String(data['eTag']), { type: kind, data: { id: write.id, ...sentFields, updated: data['updated'], eTag: data['eTag'] } });
  }
  model[kind].set(write.id, data);
}

function recordMemberships(write: Write & { kind: 'memberships' | 'members' }, list: Wire[]): void {
  const otherKey = write.kind === 'memberships' ? 'channel' : 'uuid';
  const pair = (otherId: string) => (write.kind === 'memberships' ? pairKey(write.id, otherId) : pairKey(otherId, write.id));
  const sentItems = new Map((write.body['set'] as Record<string, Sent>[]).map((item) => [String((item[otherKey] as Record<string, Sent>)['id']), item]));
  const owned = [...model.memberships.keys()].filter((key) =>
    write.kind === 'memberships' ? key.startsWith(`${write.id}\u0000`) : key.endsWith(`\u0000${write.id}`),
  );
  const before = new Map(owned.map((key) => [key, model.memberships.get(key)!]));
  for (const key of owned) model.memberships.delete(key);
  for (const row of list) {
    const otherId = String((row[otherKey] as Wire)['id']);
    const { [otherKey]: _related, ...membership } = row;
    model.memberships.set(pair(otherId), membership);
    const sent = sentItems.get(otherId);
    if (sent === undefined) continue;
    const { [otherKey]: _ref, ...fields } = sent;
    expectEcho(fields, membership, write.merge, `${write.kind} of ${JSON.stringify(write.id)}: ${JSON.stringify(otherId)}`);
    if (before.get(pair(otherId))?.['eTag'] !== membership['eTag']) {
      const ids = write.kind === 'memberships' ? { uuid: { id: write.id }, channel: { id: otherId } } : { uuid: { id: otherId }, channel: { id: write.id } };
      const sentFields = Object.fromEntries(Object.keys(fields).map((field) => [field, membership[field]]));
      expectedEvents.set(String(membership['eTag']), {
        type: 'membership',
        data: { ...ids, ...sentFields, updated: membership['updated'], eTag: membership['eTag'] },
      });
    }
  }
  for (const otherId of sentItems.keys())
    expect(
      list.some((row) => (row[otherKey] as Wire)['id'] === otherId),
      `${otherId} listed after being set`,
    ).toBe(true);
}

/** Sends one write and checks its answer: a 400 naming a field, or an acknowledgement of what was sent. */
async function attack(api: ObjectsClient, server: RunningServer, write: Write): Promise<void> {
  const tally = tallies.get(write.attack)!;
  tally.attempts++;
  let reply: Reply;
  try {
    reply = await send(api, write);
  } catch (error) {
    tally.crashes++;
    throw new Error(`the server did not answer (${String(error)}; exit ${server.process.exitCode ?? server.process.signalCode})`);
  }
  if (reply.status >= 500) tally.serverErrors++;
  const refusedAnyway = unstorable(write.body);
  if (reply.status === 400) {
    tally.refused++;
    const detail = reply.body?.error?.details?.[0];
    expect(detail?.location, JSON.stringify(reply.body)).toMatch(FIELD_LOCATION);
    expect(['body', 'path']).toContain(detail?.locationType);
    return;
  }
  expect(reply.status, `${write.kind} ${JSON.stringify(write.id)} ${toJson(write.body)} → ${JSON.stringify(reply.body)}`).toBe(200);
  tally.accepted++;
  expect(refusedAnyway, `acknowledged a value no store keeps exactly: ${toJson(write.body)}`).toBe(false);
  if (write.kind === 'delete-uuid' || write.kind === 'delete-channel') {
    model[write.kind === 'delete-uuid' ? 'uuid' : 'channel'].delete(write.id);
  } else if (write.kind === 'uuid' || write.kind === 'channel') {
    recordObject(write, write.kind, reply.body.data as Wire);
  } else {
    recordMemberships(write as Write & { kind: 'memberships' | 'members' }, reply.body.data as Wire[]);
  }
}

// ---------------------------------------------------------------------------------------------
// Reading everything back

/** Every page of a list, following `next` until a page comes back empty. */
async function listAll(api: ObjectsClient, path: string, include: string): Promise<Wire[]> {
  const rows: Wire[] = [];
  let start: string | undefined;
  for (;;) {
    const reply = await api.get(path, { query: { include, limit: 100, ...(start ? { start } : {}) } });
    if (reply.status !== 200) throw new Error(`GET ${path}: ${reply.status} ${JSON.stringify(reply.body)}`);
    const page = reply.body.data as Wire[];
    rows.push(...page);
    if (page.length === 0 || !reply.body.next) return rows;
    start = reply.body.next as string;
  }
}

function compare(problems: string[], where: string, actual: unknown, expected: unknown): void {
  if (!isDeepStrictEqual(actual, expected)) problems.push(`${where}:\n    read     ${JSON.stringify(actual)}\n    expected ${JSON.stringify(expected)}`);
}

/** Reads every record through every read path; returns each difference from the model. */
async function readBack(api: ObjectsClient): Promise<string[]> {
  const problems: string[] = [];
  for (const kind of ['uuid', 'channel'] as const) {
    for (const id of ID_POOL) {
      const reply = await api.get(objectPath(kind, id), { query: { include: INCLUDE } });
      const expected = model[kind].get(id);
      if (expected === undefined) compare(problems, `GET ${kind} ${JSON.stringify(id)} status`, reply.status, 404);
      else compare(problems, `GET ${kind} ${JSON.stringify(id)}`, reply.status === 200 ? reply.body.data : reply.status, expected);
    }
    const listed = new Map((await listAll(api, COLLECTION[kind], INCLUDE)).map((row) => [String(row['id']), row]));
    compare(problems, `list ${COLLECTION[kind]}: ids`, [...listed.keys()].sort(), [...model[kind].keys()].sort());
    for (const [id, row] of listed) compare(problems, `list ${COLLECTION[kind]}: ${JSON.stringify(id)}`, row, model[kind].get(id));
  }
  for (const side of ['memberships', 'members'] as const) {
    const ownerKind = side === 'memberships' ? 'uuid' : 'channel';
    const relatedKind = side === 'memberships' ? 'channel' : 'uuid';
    for (const id of ID_POOL) {
      const rows = await listAll(api, membershipPath(side, id), `${INCLUDE},${RELATED[ownerKind]}`);
      const expectedKeys = [...model.memberships.keys()].filter((key) =>
        side === 'memberships' ? key.startsWith(`${id}\u0000`) : key.endsWith(`\u0000${id}`),
      );
      compare(problems, `${side} of ${JSON.stringify(id)}: count`, rows.length, expectedKeys.length);
      for (const row of rows) {
        const { [relatedKind]: related, ...membership } = row;
        const otherId = String((related as Wire)['id']);
        const key = side === 'memberships' ? pairKey(id, otherId) : pairKey(otherId, id);
        compare(problems, `${side} of ${JSON.stringify(id)}: ${JSON.stringify(otherId)}`, membership, model.memberships.get(key));
        compare(
          problems,
          `${side} of ${JSON.stringify(id)}: related ${relatedKind} ${JSON.stringify(otherId)}`,
          related,
          model[relatedKind].get(otherId) ?? { id: otherId },
        );
      }
    }
  }
  return problems;
}

// ---------------------------------------------------------------------------------------------
// A subscriber on every id of the pool

interface Envelope {
  e?: number;
  d: { type?: string; event?: string; data?: Wire };
}

class Subscriber {
  /** eTag → the event's data, for every set event heard. */
  readonly heard = new Map<string, { type: string; data: Wire }>();
  #stopped = false;
  #loops: Promise<void>[] = [];

  async start(server: RunningServer, channels: readonly string[]): Promise<void> {
    const groups: string[][] = [[]];
    for (const channel of channels) {
      const group = groups.at(-1)!;
      if (group.map(encode).join(',').length > 8000) groups.push([channel]);
      else group.push(channel);
    }
    const handshakes = groups.map(async (group) => {
      const path = `${server.url}/v2/subscribe/demo/${group.map(encode).join(',')}/0?uuid=watcher`;
      const answer = (await (await fetch(path)).json()) as { t: { t: string; r: number } };
      this.#loops.push(this.#poll(path, answer.t));
    });
    await Promise.all(handshakes);
  }

  async #poll(path: string, cursor: { t: string; r: number }): Promise<void> {
    let at = cursor;
    while (!this.#stopped) {
      const answer = (await (await fetch(`${path}&tt=${at.t}&tr=${at.r}`)).json()) as { t: { t: string; r: number }; m: Envelope[] };
      for (const envelope of answer.m) {
        const { type, event, data } = envelope.d;
        if (envelope.e === 2 && event === 'set' && data && typeof data['eTag'] === 'string' && type) this.heard.set(data['eTag'], { type, data });
      }
      at = answer.t;
    }
  }

  /** Waits until every eTag has been heard, or `ms` have passed. */
  async waitFor(eTags: Iterable<string>, ms: number): Promise<void> {
    const deadline = Date.now() + ms;
    const missing = () => [...eTags].filter((eTag) => !this.heard.has(eTag));
    while (missing().length > 0 && Date.now() < deadline) await new Promise((done) => setTimeout(done, 100));
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    await Promise.allSettled(this.#loops);
  }
}

// ---------------------------------------------------------------------------------------------

let server: RunningServer;
let api: ObjectsClient;
const subscriber = new Subscriber();

beforeAll(async () => {
  server = await startServer({ args: HOLD_ARGS });
  api = objectsClient(server);
  await subscriber.start(server, ID_POOL);
});

afterAll(async () => {
  await subscriber.stop();
  await server?.close();
  if (server) rmSync(server.dir, { recursive: true, force: true });
});

describe('what is acknowledged is what is stored, through every read path and a restart', () => {
  it('refuses each write with a 400 naming a field, or acknowledges exactly what was sent', async () => {
    try {
      await fc.assert(
        fc.asyncProperty(anyWrite, (write) => attack(api, server, write)),
        { numRuns: WRITES },
      );
    } finally {
      for (const [name, t] of tallies) {
        console.log(`ATTACK ${name}: attempts=${t.attempts} refused=${t.refused} accepted=${t.accepted} 5xx=${t.serverErrors} crashes=${t.crashes}`);
      }
    }
    const totals = [...tallies.values()];
    expect(totals.reduce((sum, t) => sum + t.serverErrors + t.crashes, 0)).toBe(0);
    // Both outcomes occur, or the attacks never got past validation (or never reached it).
    expect(tallies.get('lone surrogates')!.refused).toBeGreaterThan(0);
    expect(tallies.get('non-finite numbers')!.refused).toBeGreaterThan(0);
    expect(tallies.get('edge numbers')!.accepted).toBeGreaterThan(0);
    expect(tallies.get('astral, combining and bidi text')!.accepted).toBeGreaterThan(0);
    expect(model.uuid.size + model.channel.size + model.memberships.size).toBeGreaterThan(0);
  });

  it('announces every acknowledged change to a subscriber as it was acknowledged', async () => {
    await subscriber.waitFor(expectedEvents.keys(), 10_000);
    const problems: string[] = [];
    for (const [eTag, expected] of expectedEvents) {
      const heard = subscriber.heard.get(eTag);
      if (heard === undefined) problems.push(`no ${expected.type} event with eTag ${eTag}: ${JSON.stringify(expected.data)}`);
      else compare(problems, `${expected.type} event ${eTag}`, heard, expected);
    }
    expect(problems).toEqual([]);
    expect(expectedEvents.size).toBeGreaterThan(0);
  });

  it('reads back every acknowledged value identical: get, list, memberships, members', async () => {
    expect(await readBack(api)).toEqual([]);
  });

  it('reads back the same after kill -9 and a restart over the same database', async () => {
    await subscriber.stop();
    await server.kill();
    server = await startServer({ dir: server.dir, args: HOLD_ARGS });
    api = objectsClient(server);
    expect(await readBack(api)).toEqual([]);
  });
});
