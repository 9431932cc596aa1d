import { AtMostEvery } from '../at-most-every.ts';
import { RosterError } from '../errors.ts';
import type { Keyset, KeysetInput, Keysets } from '../model/keyset.ts';
import { STDERR_LOG, type Log } from '../model/log.ts';
import { KeysetConflictError, type KeysetStore, type StoredKeyset } from '../store/store.ts';
import { newKeyset, newSecretKey } from '../auth/new-keyset.ts';
import { canonicalJson, checkedKeyset, seedHashOf, withChanges, type SettingsChanges } from './settings.ts';

/** A keyset the node serves, with where it came from and its version in the registry. */
export interface KeysetEntry {
  keyset: Keyset;
  /** `config`: seeded from the config file (and maybe changed in the console since); `console`: made there. */
  source: 'config' | 'console';
  /** The row's version: `If-Match` of a change. */
  version: number;
  /** ISO 8601, when it was last written. */
  updated: string;
}

export interface RegistryOptions {
  log?: Log;
  /** How often `start` looks for changes other nodes made, in ms (default 1000). */
  pollMs?: number;
}

/** Tries of a write that lost a race with another node's writer before giving up with a 412. */
const WRITE_TRIES = 8;
/** The longest pause before a try after a lost race, in ms: a random part of it, so racing nodes spread out. */
const RETRY_PAUSE_MS = 40;
/** A failing poll is logged at most this often. */
const WARN_EVERY_MS = 30_000;

/**
 * The keysets every node serves, kept in the store the nodes share (`Store.keysets`) and served
 * through `Keysets`, so a keyset made or changed on one node is served by all within a poll.
 *
 * Seeding (`seed`, at start): each keyset the config file declares (or the implied `demo` one)
 * is written to the store when it has no row, or when its entry changed since it last seeded
 * the row (the row's seed hash differs): the config file wins whenever its entry changed. A row
 * whose hash still matches is kept as it is, with whatever the console changed in it since. A
 * row made in the console (no seed hash) that the config file now declares is overwritten by it
 * too: the operator moved it into the file.
 *
 * Serving: every row made in the console, and every seeded row the node's config file still
 * declares: a keyset removed from the file (the implied `demo` one, once the file declares
 * keysets) is no longer served. A row that no longer passes the config file's rules is logged
 * and skipped.
 *
 * Writes (`create`, `update`, `rotateSecret`) are checked as the config file checks an entry,
 * and served by this node at once.
 */
export class KeysetRegistry {
  readonly #store: KeysetStore;
  readonly #keysets: Keysets;
  readonly #log: Log;
  readonly #pollMs: number;
  /** Subscribe keys of the keysets this node's config file declares. */
  #declared = new Set<string>();
  #entries = new Map<string, KeysetEntry>();
  /** The store's version the entries were read at; -1 before the first load. */
  #version = -1;
  /** Rows refused, by subscribe key, at the version they were logged for. */
  readonly #refused = new Map<string, number>();
  /** Loads and local updates, one after the other. */
  #queue: Promise<unknown> = Promise.resolve();
  /** This node's changes of keysets, one after the other: they never race each other, only other nodes'. */
  #writes: Promise<unknown> = Promise.resolve();
  #timer: NodeJS.Timeout | undefined;
  #polling: Promise<unknown> | undefined;
  #stopped = false;
  readonly #pollFailures = new AtMostEvery(WARN_EVERY_MS);

  constructor(store: KeysetStore, keysets: Keysets, options: RegistryOptions = {}) {
    this.#store = store;
    this.#keysets = keysets;
    this.#log = options.log ?? STDERR_LOG;
    this.#pollMs = options.pollMs ?? 1000;
  }

  /**
   * Writes the config file's keysets to the store by the rules above, then loads every keyset
   * served into `Keysets`.
   * @throws Error naming the keyset when its publish key belongs to another stored keyset.
   */
  async seed(entries: readonly KeysetInput[]): Promise<void> {
    this.#declared = new Set(entries.map((entry) => entry.subscribeKey));
    for (const entry of entries) await this.#seedOne(entry);
    await this.#serially(() => this.#load());
  }

  /** Reloads when the store's version moved since the last load; resolves whether it did. */
  refresh(): Promise<boolean> {
    return this.#serially(async () => {
      const version = await this.#store.version();
      if (version === this.#version) return false;
      await this.#load();
      return true;
    });
  }

  /** Looks for changes every `pollMs` (a timer that does not keep the process alive) until `stop`. */
  start(): void {
    if (this.#stopped || this.#timer !== undefined) return;
    const tick = () => {
      this.#polling = this.refresh()
        .catch((error: unknown) => this.#pollFailed(error))
        .finally(() => {
          this.#polling = undefined;
          if (!this.#stopped) this.#timer = setTimeout(tick, this.#pollMs).unref();
        });
    };
    this.#timer = setTimeout(tick, this.#pollMs).unref();
  }

  /** Ends the polling, waiting for a poll under way. */
  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    await this.#polling;
  }

  /** Every keyset served, by subscribe key, as of now (other nodes' changes included). */
  async list(): Promise<KeysetEntry[]> {
    await this.refresh();
    return [...this.#entries.values()].sort((a, b) => compare(a.keyset.subscribeKey, b.keyset.subscribeKey));
  }

  /** The keyset served under `subscribeKey`, as of now. @throws RosterError 404 when there is none. */
  async get(subscribeKey: string): Promise<KeysetEntry> {
    await this.refresh();
    return this.#served(subscribeKey);
  }

  /**
   * A new keyset with fresh keys and `settings`, locked down as `roster keys new` makes one unless
   * the settings say otherwise (Access Manager on, listing all users or channels only for requests
   * signed with the secret key), stored as made in the console and served at once.
   * @throws RosterError 400 naming the setting at fault.
   */
  async create(settings: SettingsChanges): Promise<KeysetEntry> {
    const { publishKey, subscribeKey, secretKey, ...lockedDown } = newKeyset();
    // Listing switches take effect only with Access Manager: a keyset made open gets neither.
    const defaults = settings.accessManager === false ? {} : lockedDown;
    const entry = { ...defaults, ...withChanges({}, settings), publishKey, subscribeKey, secretKey };
    checkedKeyset(entry);
    const row = await this.#store.put({ subscribeKey: entry.subscribeKey, settings: canonicalJson(entry), seedHash: null }, { ifAbsent: true });
    if (row === undefined) throw new Error('a fresh subscribe key is taken already'); // a random UUID: never
    return this.#serially(() => this.#apply(row));
  }

  /**
   * Changes a keyset's settings (not its keys): each value given replaces one, `null` puts it
   * back to its default. With `ifVersion` only while the keyset is at that version.
   * @throws RosterError 404 for a keyset not served, 412 when `ifVersion` is not its version, 400 naming the setting at fault.
   */
  update(subscribeKey: string, changes: SettingsChanges, ifVersion?: number): Promise<KeysetEntry> {
    return this.#rewrite(subscribeKey, ifVersion, (entry) => withChanges(entry, changes));
  }

  /**
   * Gives a keyset a fresh secret key: tokens and signatures made with the old one are refused
   * from then on, by every node once it has polled.
   * @throws RosterError 404 for a keyset not served, 412 when `ifVersion` is not its version.
   */
  rotateSecret(subscribeKey: string, ifVersion?: number): Promise<KeysetEntry> {
    return this.#rewrite(subscribeKey, ifVersion, (entry) => ({ ...entry, secretKey: newSecretKey() }));
  }

  /**
   * Reads the row, changes its settings and writes them back while nobody else did: this node's
   * changes one at a time, and again after losing a race with another node (a change without
   * `ifVersion` applies to whatever version it finds).
   */
  #rewrite(subscribeKey: string, ifVersion: number | undefined, change: (entry: Record<string, unknown>) => Record<string, unknown>): Promise<KeysetEntry> {
    const run = this.#writes.then(() => this.#rewriteNow(subscribeKey, ifVersion, change));
    this.#writes = run.catch(() => undefined);
    return run;
  }

  async #rewriteNow(
    subscribeKey: string,
    ifVersion: number | undefined,
    change: (entry: Record<string, unknown>) => Record<string, unknown>,
  ): Promise<KeysetEntry> {
    await this.refresh();
    for (let attempt = 0; attempt < WRITE_TRIES; attempt++) {
      if (attempt > 0) await pause(Math.random() * RETRY_PAUSE_MS);
      this.#served(subscribeKey);
      const row = await this.#store.get(subscribeKey);
      if (row === undefined) throw notServed(subscribeKey);
      if (ifVersion !== undefined && row.version !== ifVersion) throw stale(subscribeKey, row.version);
      const entry = change(JSON.parse(row.settings) as Record<string, unknown>);
      checkedKeyset(entry);
      const written = await this.#store.put({ subscribeKey, settings: canonicalJson(entry), seedHash: row.seedHash }, { ifVersion: row.version });
      if (written !== undefined) return this.#serially(() => this.#apply(written));
      await this.refresh();
    }
    throw new RosterError('PRECONDITION_FAILED', `Keyset ${subscribeKey} kept changing while this change was made; read it again and retry.`);
  }

  #served(subscribeKey: string): KeysetEntry {
    const entry = this.#entries.get(subscribeKey);
    if (entry === undefined) throw notServed(subscribeKey);
    return entry;
  }

  async #seedOne(entry: KeysetInput): Promise<void> {
    const settings = canonicalJson(entry);
    const seedHash = seedHashOf(entry);
    for (let attempt = 0; attempt < WRITE_TRIES; attempt++) {
      const row = await this.#store.get(entry.subscribeKey);
      if (row?.seedHash === seedHash) return;
      const condition = row === undefined ? { ifAbsent: true } : { ifVersion: row.version };
      const written = await this.#store.put({ subscribeKey: entry.subscribeKey, settings, seedHash }, condition).catch(async (error: unknown) => {
        if (!(error instanceof KeysetConflictError)) throw error;
        throw new Error(`keyset ${entry.subscribeKey} of the config file: ${await this.#publishKeyHolder(entry.publishKey)}`, { cause: error });
      });
      if (written === undefined) continue; // another node seeded it at the same moment: look again
      if (row !== undefined) this.#log.info({ subKey: entry.subscribeKey }, 'keyset: the config file’s entry changed; it replaces the stored keyset');
      return;
    }
    throw new Error(`keyset ${entry.subscribeKey}: other nodes kept changing it while this one seeded it from the config file; start again`);
  }

  /** Which stored keyset holds `publishKey`, and what the operator can do about it. */
  async #publishKeyHolder(publishKey: string): Promise<string> {
    const holder = (await this.#store.list()).find((row) => publishKeyIn(row.settings) === publishKey);
    const fix = 'give this entry a publish key of its own';
    if (holder === undefined) return `its publishKey belongs to another keyset in the database; ${fix}`;
    const { subscribeKey } = holder;
    if (holder.seedHash === null) return `its publishKey belongs to keyset ${subscribeKey} in the database, a keyset made in the console; ${fix}`;
    if (this.#declared.has(subscribeKey)) return `its publishKey belongs to keyset ${subscribeKey} in the database, another entry of this config file; ${fix}`;
    const earlier = 'a keyset an earlier config file declared (no longer served, but its row keeps its keys)';
    return `its publishKey belongs to keyset ${subscribeKey} in the database, ${earlier}; ${fix}, or declare ${subscribeKey} again`;
  }

  /** Reads every row and serves those this node serves (see the class). */
  async #load(): Promise<void> {
    const version = await this.#store.version();
    const rows = await this.#store.list();
    const entries = new Map<string, KeysetEntry>();
    for (const row of rows) {
      const entry = this.#entryOf(row);
      if (entry !== undefined) entries.set(row.subscribeKey, entry);
    }
    this.#entries = entries;
    this.#version = version;
    this.#keysets.replace([...entries.values()].map((entry) => entry.keyset));
  }

  /** Serves one row just written, ahead of the next load. */
  #apply(row: StoredKeyset): KeysetEntry {
    const entry = this.#entryOf(row);
    if (entry === undefined) throw new Error(`keyset ${row.subscribeKey}: the row just written is not served`);
    this.#entries = new Map(this.#entries).set(row.subscribeKey, entry);
    this.#keysets.replace([...this.#entries.values()].map((served) => served.keyset));
    return entry;
  }

  #entryOf(row: StoredKeyset): KeysetEntry | undefined {
    if (row.seedHash !== null && !this.#declared.has(row.subscribeKey)) return undefined;
    let keyset: Keyset;
    try {
      const entry: unknown = JSON.parse(row.settings);
      if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) throw new Error('the settings are not a JSON object');
      keyset = checkedKeyset(entry as Record<string, unknown>);
      if (keyset.subscribeKey !== row.subscribeKey) throw new Error(`the settings name subscribe key ${keyset.subscribeKey}`);
    } catch (error) {
      if (this.#refused.get(row.subscribeKey) !== row.version) {
        this.#refused.set(row.subscribeKey, row.version);
        const reason = error instanceof Error ? error.message : String(error);
        this.#log.warn({ subKey: row.subscribeKey, version: row.version, reason }, 'keyset: the stored settings are not valid; the keyset is not served');
      }
      return undefined;
    }
    return { keyset, source: row.seedHash === null ? 'console' : 'config', version: row.version, updated: row.updated };
  }

  #serially<T>(work: () => Promise<T> | T): Promise<T> {
    const run = this.#queue.then(work);
    this.#queue = run.catch(() => undefined);
    return run;
  }

  #pollFailed(error: unknown): void {
    if (!this.#pollFailures.due()) return;
    this.#log.warn({ err: error }, 'keysets: cannot read the stored keysets; serving the ones read last, trying again every second');
  }
}

function notServed(subscribeKey: string): RosterError {
  const message = `No keyset with subscribe key ${subscribeKey} is served.`;
  return new RosterError('NOT_FOUND', message, [{ message, location: 'subKey', locationType: 'path' }]);
}

function stale(subscribeKey: string, version: number): RosterError {
  const message = `Keyset ${subscribeKey} is at version ${version}, not the one If-Match names: it changed since it was read; read it again.`;
  return new RosterError('PRECONDITION_FAILED', message, [{ message, location: 'if-match', locationType: 'header' }]);
}

const compare = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

const pause = (ms: number): Promise<void> => new Promise((done) => setTimeout(done, ms));

/** The publish key in a row's settings JSON, if it reads as one. */
function publishKeyIn(settings: string): string | undefined {
  try {
    const value: unknown = JSON.parse(settings);
    const publishKey = typeof value === 'object' && value !== null ? (value as { publishKey?: unknown }).publishKey : undefined;
    return typeof publishKey === 'string' ? publishKey : undefined;
  } catch {
    return undefined;
  }
}
