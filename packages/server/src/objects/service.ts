import type { Keyset } from '../model/keyset.ts';
import { notFound } from '../errors.ts';
import { encodeCursor } from '../query/cursor.ts';
import type { Announce, ListPage, ListQuery, MembershipSide, ObjectWrite, OutboxRecord, Store } from '../store/store.ts';
import { checkPrecondition, decideObject, type WriteRules } from './apply.ts';
import { membershipEvents, objectDeleteEvents, objectSetEvents, type ObjectEvent } from './events.ts';
import { membershipBatch } from './membership-rules.ts';
import type { Outbox } from './outbox.ts';
import type { ChannelPatch, ChannelRecord, MembershipRow, ObjectKind, UuidPatch, UuidRecord } from '../model/records.ts';
import { channelToWire, membershipToWire, uuidToWire, type Include, type ObjectFields } from './shape.ts';
import type { MembershipBody } from './validate.ts';
import { keptObjectAnswer, keptPageAnswer, objectAnswer, pageAnswer, wireText, type JsonText } from './wire-text.ts';

/** A validated list request: the store query plus how to shape and page the answer. */
export interface ListCommand {
  query: ListQuery;
  include: Include;
  /** Fingerprint of list, sort and filter that the page cursors carry. */
  print: string;
}

/** A page's answer; each item's text from `itemText`. A page the store kept answers again as it did, for the same include set and list. */
function envelope<T>(page: ListPage<T>, command: ListCommand, itemText: (row: T) => string): JsonText {
  return keptPageAnswer(page, command.include, command.print, () => pageText(page, command, itemText));
}

function pageText<T>(page: ListPage<T>, command: ListCommand, itemText: (row: T) => string): JsonText {
  return pageAnswer(page.rows.map(itemText), {
    totalCount: page.totalCount,
    // As PubNub: `next` whenever the page has rows (clients stop on an empty page), `prev` past the first page.
    next: page.last && encodeCursor('next', page.last, command.print),
    prev: page.first && page.hasPrevious ? encodeCursor('prev', page.first, command.print) : undefined,
  });
}

const sentFields = (patch: object) => Object.keys(patch);

const wireOf = (kind: ObjectKind) => (kind === 'uuid' ? uuidToWire : channelToWire) as (record: UuidRecord | ChannelRecord, include: ObjectFields) => unknown;

/**
 * The events one write announces, as its transaction last computed them (a transaction that
 * runs again computes them again), and their outbox record.
 */
class Announcement {
  events: ObjectEvent[] = [];
  record: OutboxRecord | undefined;
  readonly #outbox: Outbox;
  readonly #subKey: string;

  constructor(outbox: Outbox, subKey: string) {
    this.#outbox = outbox;
    this.#subKey = subKey;
  }

  /** The `Announce` of a user or channel set (returned, not named: under tsx a named arrow costs a `defineProperty` per call). */
  ofSet(keyset: Keyset, kind: ObjectKind, sent: object): Announce<ObjectWrite<UuidRecord | ChannelRecord>> {
    return (written) => this.of(objectSetEvents(keyset, kind, written.record, sentFields(sent), written.memberOf));
  }

  /** What the store's `Announce` returns. */
  of(events: ObjectEvent[]): OutboxRecord | undefined {
    this.events = events;
    this.record = this.#outbox.record(this.#subKey, events);
    return this.record;
  }

  /** After the commit: the events to the bus (the write's answer waits for it; it never fails). */
  async handOff(): Promise<void> {
    if (this.record) await this.#outbox.handOff(this.#subKey, this.events, this.record.key);
  }
}

/**
 * The App Context operations: apply the domain rules through the store, shape the answer,
 * and announce what changed: each change's events are recorded in its transaction (the outbox)
 * and handed to the event bus after the commit.
 */
export class ObjectsService {
  readonly #store: Store;
  readonly #outbox: Outbox;

  constructor(store: Store, outbox: Outbox) {
    this.#store = store;
    this.#outbox = outbox;
  }

  #objects(kind: ObjectKind) {
    return kind === 'uuid' ? this.#store.uuids : this.#store.channels;
  }

  #text(kind: ObjectKind, include: ObjectFields) {
    const toWire = wireOf(kind);
    return (record: UuidRecord | ChannelRecord) => wireText(record, include, toWire);
  }

  /** `{"status":200,"data":<object>}`; a 404 when there is none. */
  async get(kind: ObjectKind, keyset: Keyset, id: string, include: ObjectFields): Promise<JsonText> {
    const record = await this.#objects(kind).get(keyset.subscribeKey, id);
    if (!record) throw notFound();
    return keptObjectAnswer(record, include, wireOf(kind));
  }

  async list(kind: ObjectKind, command: ListCommand): Promise<JsonText> {
    const page = await this.#objects(kind).list(command.query);
    return envelope<UuidRecord | ChannelRecord>(page, command, this.#text(kind, command.include));
  }

  async set(
    kind: ObjectKind,
    keyset: Keyset,
    id: string,
    patch: UuidPatch | ChannelPatch,
    rules: Omit<WriteRules, 'limits'>,
    include: ObjectFields,
  ): Promise<JsonText> {
    const write = { ifMatch: rules.ifMatch, merge: rules.merge, limits: keyset.limits };
    const announcement = new Announcement(this.#outbox, keyset.subscribeKey);
    const announce = announcement.ofSet(keyset, kind, patch);
    // The route parsed `patch` for this same `kind`.
    const outcome =
      kind === 'uuid'
        ? await this.#store.uuids.write(keyset.subscribeKey, id, decideObject<UuidRecord>(kind, id, patch as UuidPatch, write), announce)
        : await this.#store.channels.write(keyset.subscribeKey, id, decideObject<ChannelRecord>(kind, id, patch as ChannelPatch, write), announce);
    if (outcome.changed) await announcement.handOff();
    // Serialized, not kept with the record (wire-text.ts): a write's answer is seldom asked for again before the next write.
    return objectAnswer(JSON.stringify(wireOf(kind)(outcome.record, include)));
  }

  async remove(kind: ObjectKind, keyset: Keyset, id: string, ifMatch: string | undefined): Promise<null> {
    const announcement = new Announcement(this.#outbox, keyset.subscribeKey);
    const removal = await this.#objects(kind).remove(keyset.subscribeKey, id, {
      check: (current) => checkPrecondition(kind, 'delete', current, ifMatch),
      cascade: keyset.referentialIntegrity,
      announce: (outcome) => {
        const cascaded = outcome.cascaded.map((record) => ({ kind: 'delete' as const, record }));
        return announcement.of([...objectDeleteEvents(keyset, kind, id, outcome.memberOf), ...membershipEvents(keyset, cascaded, () => [])]);
      },
    });
    if (removal.removed) await announcement.handOff();
    return null;
  }

  async listMemberships(side: MembershipSide, command: ListCommand): Promise<JsonText> {
    const page = await this.#store.memberships.list(command.query);
    const key = side === 'uuid' ? 'channel' : 'uuid';
    return envelope<MembershipRow>(page, command, (row) => JSON.stringify(membershipToWire(row, key, command.include)));
  }

  /** Applies a set/delete batch, then answers with the owner's list after the change. */
  async patchMemberships(side: MembershipSide, keyset: Keyset, ownerId: string, body: MembershipBody, merge: boolean, command: ListCommand): Promise<JsonText> {
    const fieldsByOther = new Map(body.set.map((item) => [item.otherId, sentFields(item.patch)]));
    const announcement = new Announcement(this.#outbox, keyset.subscribeKey);
    const batch = membershipBatch({ side, ownerId, body, merge }, keyset);
    batch.announce = (changes) =>
      announcement.of(membershipEvents(keyset, changes, (record) => fieldsByOther.get(side === 'uuid' ? record.channelId : record.uuidId) ?? []));
    const changes = await this.#store.memberships.apply(batch);
    if (changes.length > 0) await announcement.handOff();
    return this.listMemberships(side, command);
  }
}
