import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DEFAULT_LIMITS } from './model/keyset.ts';
import { newKeyset } from './auth/new-keyset.ts';
import { ConfigError, loadConfig, unknownEnvWarnings, type Config } from './config.ts';
import { nearest } from './config/did-you-mean.ts';
import { optionsTable } from './config/options.ts';
import { configSummary, LISTED_STORED_KEYSETS, storedKeysetsSummary } from './config/summary.ts';
import { withoutPasswords } from './config/without-passwords.ts';

const dir = mkdtempSync(join(tmpdir(), 'roster-config-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let files = 0;
/** Writes `content` (JSON-encoded unless a string) to a fresh file and returns its path. */
function configFile(content: unknown): string {
  const path = join(dir, `config-${++files}.json`);
  writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content, null, 2));
  return path;
}

/** The problems `loadConfig` refuses with (fails the test if it accepts). */
function problems(load: () => Config): readonly string[] {
  try {
    load();
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  throw new Error('expected the configuration to be refused');
}

const fileProblems = (content: unknown) => {
  const path = configFile(content);
  return { path, problems: problems(() => loadConfig({ config: path }, {})) };
};

const KEYSET = { publishKey: 'pub', subscribeKey: 'sub' };

describe('loadConfig: sources and defaults', () => {
  it('without a config file serves the open demo keyset with every default', () => {
    const config = loadConfig({}, {});
    expect(config).toMatchObject({
      host: '127.0.0.1',
      port: 8080,
      db: resolve('data/roster.db'),
      synchronous: 'normal',
      logLevel: 'info',
      subscribeHoldSeconds: 280,
    });
    expect(config).toMatchObject({ channelLogSize: 100, channelLogSeconds: 600, channelLogMiB: 256, configFile: undefined, demoKeyset: true });
    expect(config.keysets).toEqual([expect.objectContaining({ publishKey: 'demo', subscribeKey: 'demo', accessManager: false })]);
  });

  it('takes flags over variables over the config file over defaults', () => {
    const path = configFile({ port: 1, host: '0.0.0.0', db: 'file.db', logLevel: 'debug', keysets: [KEYSET] });
    const config = loadConfig({ config: path, port: '3' }, { ROSTER_PORT: '2', ROSTER_HOST: '::1' });
    expect(config).toMatchObject({
      port: 3,
      host: '::1',
      db: join(dir, 'file.db'),
      logLevel: 'debug',
      channelLogSize: 100,
      configFile: path,
      demoKeyset: false,
    });
    expect(config.keysets.map((keyset) => keyset.subscribeKey)).toEqual(['sub']);
  });

  it('takes a PostgreSQL URL only as its client can read it, and refuses another naming `store` rather than a bare `Invalid URL`', () => {
    for (const store of ['postgres://u:pw@h1:5432,h2:5433/roster', 'postgres:///roster?host=/run/postgresql', 'postgres://u:p%40ss@db/roster']) {
      expect(loadConfig({ store }, {}).store).toBe(store);
    }
    const unreadable = 'expected a postgres:// URL that parses: a host, a port up to 65535, and `%` only as in `%40`';
    expect(problems(() => loadConfig({ store: 'postgres://u:s3cret@db:99999/x' }, {}))).toEqual([`--store postgres://u:***@db:99999/x: ${unreadable}`]);
    expect(problems(() => loadConfig({}, { ROSTER_STORE: 'postgres://u:s3cret@/x' }))).toEqual([`ROSTER_STORE=postgres://u:***@/x: ${unreadable}`]);
    expect(fileProblems({ store: 'postgres://u:s3cret%zz@db/x' }).problems).toEqual([
      expect.stringMatching(/: store: expected a postgres:\/\/ URL that parses: .*, got "postgres:\/\/u:\*\*\*@db\/x"$/),
    ]);
  });

  it('keeps the data in the SQLite file `db` unless `store` names a PostgreSQL database', () => {
    expect(loadConfig({}, {}).store).toBe('sqlite');
    expect(loadConfig({ store: 'postgres://roster@db/roster' }, {}).store).toBe('postgres://roster@db/roster');
    expect(loadConfig({}, { ROSTER_STORE: 'postgresql://db/roster' }).store).toBe('postgresql://db/roster');
    expect(loadConfig({ config: configFile({ store: 'postgres://db/x', db: 'kept.db' }) }, {})).toMatchObject({ store: 'postgres://db/x' });
    expect(problems(() => loadConfig({ store: 'mysql://db/roster' }, {}))).toEqual(['--store mysql://db/roster: expected `sqlite` or a postgres:// URL']);
    expect(fileProblems({ store: './roster.db' }).problems).toEqual([
      expect.stringMatching(/: store: expected `sqlite` or a postgres:\/\/ URL, got "\.\/roster\.db"$/),
    ]);
  });

  it('carries real-time within the node unless `bus` names a NATS server', () => {
    expect(loadConfig({}, {}).bus).toBe('in-process');
    expect(loadConfig({ bus: 'nats://nats:4222' }, {}).bus).toBe('nats://nats:4222');
    expect(loadConfig({}, { ROSTER_BUS: 'nats://a:4222,tls://b:4222?stream=ROSTER_STAGING' }).bus).toBe('nats://a:4222,tls://b:4222?stream=ROSTER_STAGING');
    expect(loadConfig({ config: configFile({ bus: 'nats://from-file:4222' }) }, {})).toMatchObject({ bus: 'nats://from-file:4222' });
    expect(problems(() => loadConfig({ bus: 'redis://cache:6379' }, {}))).toEqual(['--bus redis://cache:6379: expected `in-process` or a nats:// URL']);
    expect(fileProblems({ bus: 'nats:4222' }).problems).toEqual([expect.stringMatching(/: bus: expected `in-process` or a nats:\/\/ URL, got "nats:4222"$/)]);
    // `config check` refuses what `serve` would: query options other than `stream` and `prefix`.
    expect(problems(() => loadConfig({ bus: 'nats://a:4222?strem=X' }, {}))).toEqual(['--bus nats://a:4222?strem=X: expected `in-process` or a nats:// URL']);
    expect(loadConfig({ bus: 'nats://a:4222?stream=X&prefix=y' }, {}).bus).toBe('nats://a:4222?stream=X&prefix=y');
  });

  it('keeps presence in each node unless `presence` names a Redis', () => {
    expect(loadConfig({}, {}).presence).toBe('in-process');
    expect(loadConfig({ presence: 'redis://cache:6379' }, {}).presence).toBe('redis://cache:6379');
    expect(loadConfig({}, { ROSTER_PRESENCE: 'rediss://user:pw@cache:6380/2?prefix=staging:' }).presence).toBe('rediss://user:pw@cache:6380/2?prefix=staging:');
    expect(loadConfig({ config: configFile({ presence: 'redis://from-file:6379' }) }, {})).toMatchObject({ presence: 'redis://from-file:6379' });
    expect(loadConfig({ presence: 'redis://cache:6379', config: configFile({ presence: 'in-process' }) }, {}).presence).toBe('redis://cache:6379');
    expect(problems(() => loadConfig({ presence: 'nats://nats:4222' }, {}))).toEqual(['--presence nats://nats:4222: expected `in-process` or a redis:// URL']);
    // `config check` refuses what `serve` would: a query option other than `prefix`.
    expect(problems(() => loadConfig({}, { ROSTER_PRESENCE: 'redis://cache:6379?prefx=a' }))).toEqual([
      'ROSTER_PRESENCE=redis://cache:6379?prefx=a: expected `in-process` or a redis:// URL',
    ]);
    expect(fileProblems({ presence: 'memory' }).problems).toEqual([
      expect.stringMatching(/: presence: expected `in-process` or a redis:\/\/ URL, got "memory"$/),
    ]);
  });

  it('takes a relative db from the config file from the file’s directory, from a flag or variable from the working directory', () => {
    const path = configFile({ db: 'data/nodes/a.db', keysets: [KEYSET] });
    expect(loadConfig({ config: path }, {}).db).toBe(join(dirname(path), 'data', 'nodes', 'a.db'));
    expect(loadConfig({ config: configFile({ db: '/srv/roster.db' }) }, {}).db).toBe('/srv/roster.db');
    expect(loadConfig({ config: path, db: 'flag.db' }, {}).db).toBe(join(process.cwd(), 'flag.db'));
    expect(loadConfig({ config: path }, { ROSTER_DB: '../env.db' }).db).toBe(resolve('..', 'env.db'));
    expect(loadConfig({ config: configFile({ db: ':memory:' }) }, {}).db).toBe(':memory:');
  });

  it('reads the config file named by ROSTER_CONFIG and counts an empty variable as unset', () => {
    const path = configFile({ keysets: [KEYSET] });
    expect(loadConfig({}, { ROSTER_CONFIG: path, ROSTER_PORT: '' })).toMatchObject({ configFile: path, port: 8080 });
  });

  it('serves the demo keyset when a config file declares no keysets, and only then', () => {
    expect(loadConfig({ config: configFile({ port: 9000 }) }, {})).toMatchObject({ demoKeyset: true, port: 9000 });
    expect(loadConfig({ config: configFile({ keysets: [{ publishKey: 'demo', subscribeKey: 'demo' }] }) }, {}).demoKeyset).toBe(false);
  });

  it('accepts every keyset option and every limit, and applies them', () => {
    const limits = Object.fromEntries(Object.keys(DEFAULT_LIMITS).map((name) => [name, 7]));
    const keyset = {
      ...KEYSET,
      secretKey: 'sec',
      referentialIntegrity: true,
      accessManager: true,
      disallowGetAllUuids: true,
      disallowGetAllChannels: true,
      userEvents: false,
      channelEvents: false,
      membershipEvents: false,
      userEventsToMemberChannels: false,
      messageRetentionHours: 24,
      // Every limit is 7, the presence timeout limits too: the keyset's timeout must be within them.
      presenceTimeoutSeconds: 7,
      presenceAnnounceMax: 0,
      presenceIntervalSeconds: 1,
      presenceDeltas: true,
      limits,
    };
    expect(loadConfig({ config: configFile({ keysets: [keyset] }) }, {}).keysets).toEqual([keyset]);
  });

  it('gives a keyset PubNub’s presence and channel-group defaults', () => {
    const [keyset] = loadConfig({ config: configFile({ keysets: [KEYSET] }) }, {}).keysets;
    expect(keyset).toMatchObject({ presenceTimeoutSeconds: 300, presenceAnnounceMax: 20, presenceIntervalSeconds: 10, presenceDeltas: false });
    expect(keyset!.limits).toMatchObject({
      maxChannelsPerGroup: 2000,
      maxGroupsPerKeyset: 10_000,
      maxGroupsPerSubscribe: 10,
      minPresenceTimeoutSeconds: 20,
      maxPresenceTimeoutSeconds: 3600,
    });
  });

  it('takes a presence timeout below PubNub’s minimum when the keyset lowers the minimum', () => {
    const quick = { ...KEYSET, presenceTimeoutSeconds: 2, limits: { minPresenceTimeoutSeconds: 1 } };
    const [keyset] = loadConfig({ config: configFile({ keysets: [quick] }) }, {}).keysets;
    expect(keyset).toMatchObject({ presenceTimeoutSeconds: 2, limits: { minPresenceTimeoutSeconds: 1, maxPresenceTimeoutSeconds: 3600 } });
  });

  it('accepts what `roster keys new` prints', () => {
    expect(loadConfig({ config: configFile({ keysets: [newKeyset()] }) }, {}).keysets[0]).toMatchObject({ accessManager: true, disallowGetAllUuids: true });
  });
});

describe('loadConfig: a config file that fails closed', () => {
  it('refuses an unknown top-level key, naming the file and the nearest known key', () => {
    const { path, problems } = fileProblems({ keySets: [KEYSET] });
    expect(problems).toEqual([`${path}: keySets: unknown key (did you mean keysets?)`]);
  });

  it('refuses a misspelt keyset option instead of starting the keyset without it', () => {
    const { path, problems } = fileProblems({ keysets: [{ ...KEYSET, secretKey: 's', acessManager: true }] });
    expect(problems).toEqual([`${path}: keysets[0].acessManager: unknown key (did you mean accessManager?)`]);
  });

  it('lists the known keys when nothing is close', () => {
    const { problems } = fileProblems({ keysets: [{ ...KEYSET, limits: { bananas: 1 } }] });
    expect(problems[0]).toMatch(
      /keysets\[0\]\.limits\.bananas: unknown key; known keys: maxStatusLength, .*maxMembersPerChannel, maxChannelsPerGroup, .*maxPresenceTimeoutSeconds$/,
    );
  });

  it('says where a keyset option written at the top level belongs', () => {
    expect(fileProblems({ accessManager: true }).problems[0]).toContain(
      'accessManager: unknown key at the top level; it is a keyset option and goes inside an entry of "keysets"',
    );
  });

  it('checks every type and range, reporting every problem at once', () => {
    const { path, problems } = fileProblems({
      port: 70000,
      synchronous: 'half',
      subscribeHoldSeconds: 301,
      keysets: [{ ...KEYSET, referentialIntegrity: 'yes', limits: { maxMembersPerChannel: 'lots', maxPatchItems: 0 } }, { publishKey: '' }],
    });
    expect(problems).toEqual(
      expect.arrayContaining([
        `${path}: port: expected an integer from 0 to 65535, got 70000`,
        `${path}: synchronous: expected one of normal, full, got "half"`,
        `${path}: subscribeHoldSeconds: expected a number above 0 and at most 300, got 301`,
        `${path}: keysets[0].referentialIntegrity: expected true or false, got "yes"`,
        `${path}: keysets[0].limits.maxMembersPerChannel: expected an integer of at least 1, got "lots"`,
        `${path}: keysets[0].limits.maxPatchItems: expected an integer of at least 1, got 0`,
        `${path}: keysets[1].publishKey: expected a non-empty string, got an empty string`,
        `${path}: keysets[1].subscribeKey: missing (expected a non-empty string)`,
      ]),
    );
    expect(problems).toHaveLength(8);
  });

  it('takes a keyset message retention in whole hours, 0 (kept until deleted) to 100 years', () => {
    for (const hours of [-1, 1.5, '24', 876_601]) {
      const { path, problems } = fileProblems({ keysets: [{ ...KEYSET, messageRetentionHours: hours }] });
      expect(problems).toEqual([`${path}: keysets[0].messageRetentionHours: expected an integer from 0 to 876600, got ${JSON.stringify(hours)}`]);
    }
  });

  // Longer ids would not fit a PostgreSQL index entry, longer keys a NATS subject (model/keyset.ts).
  it('refuses a maxIdLength above 128 and a publish or subscribe key over 96 bytes, naming each key and never showing a key', () => {
    const { path, problems } = fileProblems({ keysets: [{ publishKey: 'p'.repeat(97), subscribeKey: '🔑'.repeat(25), limits: { maxIdLength: 129 } }] });
    expect(problems).toEqual([
      `${path}: keysets[0].limits.maxIdLength: expected an integer from 1 to 128, got 129`,
      `${path}: keysets[0].publishKey: is 97 bytes long in UTF-8; at most 96 are allowed (PubNub's keys are 42)`,
      `${path}: keysets[0].subscribeKey: is 100 bytes long in UTF-8; at most 96 are allowed (PubNub's keys are 42)`,
    ]);
    // At the ceilings: 24 characters of 4 bytes each, ids of up to 128 characters.
    const atCeilings = { publishKey: 'p'.repeat(96), subscribeKey: '🔑'.repeat(24), limits: { maxIdLength: 128 } };
    expect(loadConfig({ config: configFile({ keysets: [atCeilings] }) }, {}).keysets[0]).toMatchObject(atCeilings);
  });

  it('checks the presence settings’ ranges', () => {
    const { path, problems } = fileProblems({
      keysets: [
        {
          ...KEYSET,
          presenceIntervalSeconds: 0,
          presenceAnnounceMax: -1,
          presenceDeltas: 'yes',
          limits: { maxPresenceTimeoutSeconds: 86_401, maxGroupsPerSubscribe: 0 },
        },
        { publishKey: 'p2', subscribeKey: 's2', presenceIntervalSeconds: 301, presenceAnnounceMax: 1001, presenceTimeoutSeconds: 1.5 },
      ],
    });
    expect(problems).toEqual([
      `${path}: keysets[0].presenceDeltas: expected true or false, got "yes"`,
      `${path}: keysets[0].limits.maxGroupsPerSubscribe: expected an integer of at least 1, got 0`,
      `${path}: keysets[0].limits.maxPresenceTimeoutSeconds: expected an integer from 1 to 86400, got 86401`,
      `${path}: keysets[0].presenceAnnounceMax: expected an integer from 0 to 1000, got -1`,
      `${path}: keysets[0].presenceIntervalSeconds: expected an integer from 1 to 300, got 0`,
      `${path}: keysets[1].presenceTimeoutSeconds: expected an integer from 1 to 86400, got 1.5`,
      `${path}: keysets[1].presenceAnnounceMax: expected an integer from 0 to 1000, got 1001`,
      `${path}: keysets[1].presenceIntervalSeconds: expected an integer from 1 to 300, got 301`,
    ]);
  });

  it('refuses a presence timeout outside the keyset’s own limits, naming the key', () => {
    const refused = (keyset: object) => fileProblems({ keysets: [{ ...KEYSET, ...keyset }] }).problems.map((problem) => problem.replace(/^.*?: /, ''));
    expect(refused({ presenceTimeoutSeconds: 10 })).toEqual([
      'keysets[0].presenceTimeoutSeconds: 10 is below limits.minPresenceTimeoutSeconds (20); set a presenceTimeoutSeconds from 20 to 3600',
    ]);
    expect(refused({ presenceTimeoutSeconds: 7200 })).toEqual([
      'keysets[0].presenceTimeoutSeconds: 7200 is above limits.maxPresenceTimeoutSeconds (3600); set a presenceTimeoutSeconds from 20 to 3600',
    ]);
    // The default (300) is judged against lowered limits too.
    expect(refused({ limits: { maxPresenceTimeoutSeconds: 120 } })).toEqual([
      'keysets[0].presenceTimeoutSeconds: the default, 300, is above limits.maxPresenceTimeoutSeconds (120); set a presenceTimeoutSeconds from 20 to 120',
    ]);
    expect(refused({ presenceTimeoutSeconds: 60, limits: { minPresenceTimeoutSeconds: 90, maxPresenceTimeoutSeconds: 30 } })).toEqual([
      'keysets[0].limits.minPresenceTimeoutSeconds: 90 is above limits.maxPresenceTimeoutSeconds (30); the minimum must not exceed the maximum',
    ]);
    // A wrongly typed limit is the schema's problem alone.
    expect(refused({ presenceTimeoutSeconds: 10, limits: { minPresenceTimeoutSeconds: 'low' } })).toEqual([
      'keysets[0].limits.minPresenceTimeoutSeconds: expected an integer from 1 to 86400, got "low"',
    ]);
  });

  it('refuses a file that is not an object, or declares an empty keysets list', () => {
    expect(fileProblems([KEYSET]).problems).toEqual([expect.stringContaining('(top level): expected an object, got an array')]);
    const empty = fileProblems({ keysets: [] });
    expect(empty.problems).toEqual([`${empty.path}: keysets: the list is empty; declare at least one keyset (\`npx roster keys new\` prints one)`]);
    expect(fileProblems({ keysets: {} }).problems).toEqual([expect.stringContaining('keysets: expected a non-empty array, got an object')]);
  });

  it('refuses keyset settings that would leave a keyset open while it looks locked', () => {
    const { path, problems } = fileProblems({
      keysets: [
        { ...KEYSET, accessManager: true },
        { publishKey: 'p2', subscribeKey: 's2', disallowGetAllUuids: true },
      ],
    });
    expect(problems).toEqual([
      `${path}: keysets[0].accessManager: accessManager needs a secretKey to sign and check tokens (\`npx roster keys new\` prints a keyset with one)`,
      `${path}: keysets[1].disallowGetAllUuids: takes effect only with "accessManager": true; turn Access Manager on or remove it`,
    ]);
  });

  it('reports type errors and keyset rules together, judging each rule by the values that are well-typed', () => {
    const { path, problems } = fileProblems({ port: '8080', keysets: [{ publishKey: 'p', subscribeKey: 's', accessManager: true }] });
    expect(problems).toEqual([
      `${path}: port: expected an integer from 0 to 65535, got "8080"`,
      `${path}: keysets[0].accessManager: accessManager needs a secretKey to sign and check tokens (\`npx roster keys new\` prints a keyset with one)`,
    ]);
    const mixed = fileProblems({
      keysets: [
        { publishKey: 'p0', subscribeKey: 's', secretKey: 7, accessManager: true, disallowGetAllUuids: true },
        { publishKey: 'p1', subscribeKey: 's', accessManager: 'yes', disallowGetAllChannels: true },
        { publishKey: 'p2', subscribeKey: 's', disallowGetAllChannels: true, limits: { maxPatchItems: 0 } },
        'not a keyset',
      ],
    });
    expect(mixed.problems.map((problem) => problem.slice(mixed.path.length + 2))).toEqual([
      'keysets[0].secretKey: expected a non-empty string, got a number',
      'keysets[1].accessManager: expected true or false, got "yes"',
      'keysets[2].limits.maxPatchItems: expected an integer of at least 1, got 0',
      'keysets[3]: expected an object, got "not a keyset"',
      'keysets[1].subscribeKey: "s" is already the subscribe key of keysets[0]',
      'keysets[2].disallowGetAllChannels: takes effect only with "accessManager": true; turn Access Manager on or remove it',
      'keysets[2].subscribeKey: "s" is already the subscribe key of keysets[0]',
    ]);
  });

  it('reports flag, variable and file problems together', () => {
    const path = configFile({ port: '8080', keysets: [{ publishKey: 'p', subscribeKey: 's', accessManager: true }] });
    expect(problems(() => loadConfig({ config: path, synchronous: 'half' }, { ROSTER_PORT: '+80' }))).toEqual([
      '--synchronous half: expected one of normal, full',
      'ROSTER_PORT=+80: expected an integer from 0 to 65535',
      `${path}: port: expected an integer from 0 to 65535, got "8080"`,
      `${path}: keysets[0].accessManager: accessManager needs a secretKey to sign and check tokens (\`npx roster keys new\` prints a keyset with one)`,
    ]);
  });

  it('refuses two keysets with one subscribe key', () => {
    expect(fileProblems({ keysets: [KEYSET, { ...KEYSET, publishKey: 'other' }] }).problems).toEqual([
      expect.stringContaining('keysets[1].subscribeKey: "sub" is already the subscribe key of keysets[0]'),
    ]);
  });

  it('refuses a key written twice in one object, naming its JSON path and both places, anywhere in the file', () => {
    // JSON.parse keeps the last: this keyset would run open while its first line says it is locked.
    const text =
      '{"keysets": [\n  {"publishKey": "p", "subscribeKey": "s", "secretKey": "sec-c-hidden",\n   "accessManager": true,\n   "accessManager": false}\n]}';
    const { path, problems } = fileProblems(text);
    expect(problems).toEqual([
      `${path}: keysets[0].accessManager: the key is written twice in one object (at line 3, column 4 and at line 4, column 4); JSON keeps only the last, so remove one`,
    ]);
    expect(problems.join('\n')).not.toContain('hidden');
    expect(fileProblems('{"port": 1, "port": 2}').problems).toEqual([
      expect.stringContaining(': port: the key is written twice in one object (at line 1, column 2 and at line 1, column 13)'),
    ]);
    const limits = '{"keysets": [{"publishKey": "p", "subscribeKey": "s", "limits": {"maxMembersPerChannel": 5, "maxMembersPerChannel": 9}}]}';
    expect(fileProblems(limits).problems).toEqual([expect.stringContaining('keysets[0].limits.maxMembersPerChannel: the key is written twice')]);
  });

  it('accepts one key name in different objects', () => {
    const path = configFile({
      keysets: [
        { ...KEYSET, accessManager: false },
        { publishKey: 'pub-2', subscribeKey: 'sub-2', accessManager: false },
      ],
    });
    expect(loadConfig({ config: path }, {}).keysets).toHaveLength(2);
  });

  it('refuses two keysets sharing a secret key (a token of one would open the other) or a publish key, never printing the key', () => {
    const secret = 'sec-c-hidden';
    const shared = fileProblems({
      keysets: [
        { publishKey: 'pub-a', subscribeKey: 'sub-a', secretKey: secret, accessManager: true },
        { publishKey: 'pub-b', subscribeKey: 'sub-b', secretKey: secret, accessManager: true },
      ],
    });
    expect(shared.problems).toEqual([
      `${shared.path}: keysets[1].secretKey: keysets[1] (subscribe key "sub-b") has the same secretKey as keysets[0] (subscribe key "sub-a"); a token made for one would be valid on the other: give each keyset its own (\`npx roster keys new\` prints one)`,
    ]);
    expect(shared.problems.join('\n')).not.toContain('hidden');
    const publish = fileProblems({
      keysets: [
        { publishKey: 'pub-c-hidden', subscribeKey: 'sub-a' },
        { publishKey: 'pub-c-hidden', subscribeKey: 'sub-b' },
      ],
    });
    expect(publish.problems).toEqual([
      expect.stringContaining('keysets[1].publishKey: keysets[1] (subscribe key "sub-b") has the same publishKey as keysets[0] (subscribe key "sub-a")'),
    ]);
    expect(publish.problems.join('\n')).not.toContain('hidden');
  });

  it('never echoes a secret or publish key it refuses', () => {
    const { problems } = fileProblems({ keysets: [{ publishKey: ['pub-c-hidden'], subscribeKey: 'sub', secretKey: { value: 'sec-c-hidden' } }] });
    expect(problems.join('\n')).not.toContain('hidden');
    expect(problems).toEqual(expect.arrayContaining([expect.stringContaining('keysets[0].secretKey: expected a non-empty string, got an object')]));
  });

  it('names the file, line and column of bad JSON without quoting the file', () => {
    const { path, problems } = fileProblems('{\n  "keysets": [\n    { "publishKey": "p", "secretKey": "sec-c-hidden" }\n  ],\n}\n');
    expect(problems).toEqual([`${path}: not valid JSON at line 5, column 1: Expected double-quoted property name`]);
    expect(fileProblems('{"port": }').problems).toEqual([expect.stringMatching(/not valid JSON at line 1, column 10: Unexpected character$/)]);
    expect(fileProblems('').problems).toEqual([expect.stringContaining('not valid JSON at line 1, column 1: Unexpected end of JSON input')]);
    expect(fileProblems('{"port": }').problems[0]).not.toContain('"port"');
  });

  it('quotes no part of a secret written without quotes, however long the file around it', () => {
    const short = fileProblems('{"keysets":[{"publishKey":"p","subscribeKey":"s","secretKey": SUPERSECRETKEY1234567890}]}').problems.join('\n');
    const long = fileProblems(`{"adminSecret": hunter2pwhunter2pw, "keysets":[${'{"publishKey":"p","subscribeKey":"s"},'.repeat(20)}]}`).problems.join('\n');
    for (const problem of [short, long]) {
      expect(problem).toMatch(/not valid JSON at line 1, column \d+: Unexpected character$/);
      expect(problem).not.toMatch(/SUPER|ECRET|hunter|S'/);
    }
  });

  it('names a config file it cannot read', () => {
    expect(problems(() => loadConfig({ config: join(dir, 'missing.json') }, {}))).toEqual([
      `${join(dir, 'missing.json')}: cannot read the config file: no such file`,
    ]);
    expect(problems(() => loadConfig({ config: dir }, {}))).toEqual([`${dir}: cannot read the config file: it is a directory`]);
  });

  it('refuses a config file past 16 MiB after reading no more, even one that never ends', () => {
    expect(problems(() => loadConfig({ config: '/dev/zero' }, {}))).toEqual(['/dev/zero: the config file is larger than 16 MiB']);
  });
});

describe('loadConfig: flags and environment variables', () => {
  it('names the variable or flag and what it expects', () => {
    expect(problems(() => loadConfig({}, { ROSTER_PORT: 'abc' }))).toEqual(['ROSTER_PORT=abc: expected an integer from 0 to 65535']);
    expect(problems(() => loadConfig({ port: '8080x' }, {}))).toEqual(['--port 8080x: expected an integer from 0 to 65535']);
    expect(problems(() => loadConfig({}, { ROSTER_LOG_LEVEL: 'loud' }))).toEqual([
      'ROSTER_LOG_LEVEL=loud: expected one of fatal, error, warn, info, debug, trace, silent',
    ]);
    expect(problems(() => loadConfig({ subscribeHoldSeconds: '0' }, {}))).toEqual(['--subscribe-hold 0: expected a number above 0 and at most 300']);
    expect(problems(() => loadConfig({ channelLogSize: '1.5' }, {}))).toEqual(['--channel-log-size 1.5: expected an integer of at least 1']);
  });

  it('takes digits only for a number: no sign, no spaces', () => {
    for (const text of [' 9', '9 ', '+80', '-0', '0x50', '8_080', '', '1e3']) {
      expect(problems(() => loadConfig({ port: text }, {}))).toEqual([`--port ${text}: expected an integer from 0 to 65535`]);
    }
    for (const text of [' 1', '+1', '1 ', 'Infinity']) {
      expect(problems(() => loadConfig({}, { ROSTER_SUBSCRIBE_HOLD: text }))).toEqual([
        `ROSTER_SUBSCRIBE_HOLD=${text}: expected a number above 0 and at most 300`,
      ]);
    }
    expect(loadConfig({ port: '08080' }, { ROSTER_SUBSCRIBE_HOLD: '.5' })).toMatchObject({ port: 8080, subscribeHoldSeconds: 0.5 });
  });

  it('checks a variable even when a flag overrides it, and reports file problems with it', () => {
    const path = configFile({ prot: 1 });
    expect(problems(() => loadConfig({ config: path, port: '1' }, { ROSTER_PORT: 'abc' }))).toEqual([
      'ROSTER_PORT=abc: expected an integer from 0 to 65535',
      `${path}: prot: unknown key (did you mean port?)`,
    ]);
  });

  it('converts numbers from text', () => {
    expect(loadConfig({ subscribeHoldSeconds: '0.5', channelLogMiB: '1e1' }, { ROSTER_CHANNEL_LOG_SIZE: '20' })).toMatchObject({
      subscribeHoldSeconds: 0.5,
      channelLogMiB: 10,
      channelLogSize: 20,
    });
  });

  it('warns of ROSTER_* variables that are not settings, with the nearest one', () => {
    expect(unknownEnvWarnings({ ROSTER_PROT: '1', ROSTER_PORT: '2', HOME: '/' })).toEqual([
      'warning: ROSTER_PROT is not a Roster setting and is ignored (did you mean ROSTER_PORT?)',
    ]);
    expect(unknownEnvWarnings({ ROSTER_SOMETHING_ELSE: '1' })).toEqual(['warning: ROSTER_SOMETHING_ELSE is not a Roster setting and is ignored']);
  });
});

describe('configSummary', () => {
  it('shows keysets by subscribe key with their security settings, never their other keys', () => {
    const locked = { publishKey: 'pub-c-hidden', subscribeKey: 'sub-locked', secretKey: 'sec-c-hidden', accessManager: true, disallowGetAllUuids: true };
    const path = configFile({ keysets: [locked, { publishKey: 'pub-hidden', subscribeKey: 'sub-open', secretKey: 'sec-hidden' }] });
    const lines = configSummary(loadConfig({ config: path }, {}));
    expect(lines).toEqual([
      `config file: ${path}`,
      `database: ${resolve('data/roster.db')}`,
      'keyset sub-locked: signatures on, Access Manager on, get-all users disallowed to unsigned clients, get-all channels allowed to unsigned clients',
      'keyset sub-open: signatures on, Access Manager off (open: anyone with the subscribe key can read and write)',
      'demo keyset: not served (the config file declares the keysets)',
      'admin API: off (--admin-secret / ROSTER_ADMIN_SECRET / "adminSecret" in the config file turns it on, for the console)',
    ]);
    expect(lines.join('\n')).not.toContain('hidden');
  });

  it('says a `demo` keyset the config file declares is served as declared, not that demo is not served', () => {
    const path = configFile({ keysets: [{ publishKey: 'pub-hidden', subscribeKey: 'demo', secretKey: 'sec-hidden' }] });
    const lines = configSummary(loadConfig({ config: path }, {}));
    expect(lines).toContain('keyset demo: signatures on, Access Manager off (open: anyone with the subscribe key can read and write)');
    expect(lines).toContain('demo keyset: served as the config file declares it (above)');
    expect(lines.join('\n')).not.toContain('not served');
  });

  it('names the database file by its absolute path', () => {
    expect(configSummary(loadConfig({ config: configFile({ db: 'here.db' }) }, {}))[1]).toBe(`database: ${join(dir, 'here.db')}`);
    expect(configSummary(loadConfig({ db: ':memory:' }, {}))[1]).toBe('database: in memory (:memory:), lost when the node stops');
  });

  it('names a PostgreSQL store by its URL without the password', () => {
    const summary = configSummary(loadConfig({ store: 'postgres://roster:s3cret@db.internal:5432/roster?sslmode=require' }, {}));
    expect(summary[1]).toBe('database: PostgreSQL postgres://roster:***@db.internal:5432/roster?sslmode=require, shared by every node that names it');
    expect(summary.join('\n')).not.toContain('s3cret');
    expect(configSummary(loadConfig({}, { ROSTER_STORE: 'postgresql://db/roster' }))[1]).toBe(
      'database: PostgreSQL postgresql://db/roster, shared by every node that names it',
    );
  });

  it('names a NATS bus by its URL without a password, and says nothing of the in-process one', () => {
    const summary = configSummary(loadConfig({ bus: 'nats://roster:s3cret@nats-1:4222,nats://roster:s3cret@nats-2:4222?stream=ROSTER_PROD' }, {}));
    expect(summary[2]).toBe(
      'event bus: NATS JetStream nats://roster:***@nats-1:4222,nats://roster:***@nats-2:4222?stream=ROSTER_PROD, shared by every node that names it',
    );
    expect(summary.join('\n')).not.toContain('s3cret');
    expect(configSummary(loadConfig({}, {})).join('\n')).not.toContain('event bus');
  });

  it('names a Redis presence store by its URL without the password', () => {
    const summary = configSummary(loadConfig({ bus: 'nats://nats:4222', presence: 'redis://roster:s3cret@cache:6379/1?prefix=prod:' }, {}));
    expect(summary[3]).toBe('presence: Redis redis://roster:***@cache:6379/1?prefix=prod:, shared by every node that names it');
    expect(summary.join('\n')).not.toContain('s3cret');
    expect(summary.join('\n')).not.toContain('warning');
  });

  it('hides every password in a text, of a URL that does not parse too', () => {
    expect(withoutPasswords('nats://a:s3cret@n1:4222,nats://b:s3cret@n2:4222')).toBe('nats://a:***@n1:4222,nats://b:***@n2:4222');
    expect(withoutPasswords('--store postgres://roster:p@ss/w,rd@db:99999/x: expected …')).toBe('--store postgres://roster:***@db:99999/x: expected …');
    expect(withoutPasswords('redis://:s3cret@cache')).toBe('redis://:***@cache');
    expect(withoutPasswords('postgres://db/roster?sslmode=require&password=s3cret')).toBe('postgres://db/roster?sslmode=require&password=***');
    expect(withoutPasswords('postgres://roster@db/roster')).toBe('postgres://roster@db/roster');
  });

  it('warns when the bus is NATS but presence stays in each node, and says nothing of presence on one node', () => {
    expect(configSummary(loadConfig({ bus: 'nats://nats:4222' }, {}))[3]).toBe(
      'warning: presence is kept in each node (--presence in-process) while the event bus is NATS: the nodes of a cluster do not share who is present; give every node --presence redis://…',
    );
    expect(configSummary(loadConfig({}, {})).join('\n')).not.toContain('presence');
  });

  it('says when the open demo keyset is served', () => {
    expect(configSummary(loadConfig({}, {}))).toEqual([
      'config file: none',
      `database: ${resolve('data/roster.db')}`,
      'keyset demo: signatures off, Access Manager off (open: anyone with the subscribe key can read and write)',
      'demo keyset: served, open to anyone (no config file declares keysets)',
      'admin API: off (--admin-secret / ROSTER_ADMIN_SECRET / "adminSecret" in the config file turns it on, for the console)',
    ]);
  });
});

describe('storedKeysetsSummary: what a started node adds for the keysets only its database holds', () => {
  /** Keysets as a node serves them; `name` is what the admin API gives one. */
  const keysets = (entries: Record<string, unknown>[]) => loadConfig({ config: configFile({ keysets: entries }) }, {}).keysets;
  const seeded = { publishKey: 'pub-c-hidden-seeded', subscribeKey: 'sub-seeded', secretKey: 'sec-c-hidden-seeded' };
  const config = loadConfig({ config: configFile({ keysets: [seeded], adminSecret: 'admin-secret-0123456789' }) }, {});

  it('lists those the config file does not declare, by subscribe key, name and security settings, never their other keys', () => {
    const made = (subscribeKey: string) => ({
      subscribeKey,
      publishKey: `pub-c-hidden-${subscribeKey}`,
      secretKey: `sec-c-hidden-${subscribeKey}`,
      accessManager: true,
      disallowGetAllUuids: true,
      disallowGetAllChannels: true,
    });
    const served = keysets([seeded, { ...made('sub-made'), name: 'Mobile app' }, made('sub-another')]);
    const lines = storedKeysetsSummary(config, served);
    expect(lines).toEqual([
      'keysets made through the admin API (held in the database): 2',
      'keyset sub-another: signatures on, Access Manager on, get-all users disallowed to unsigned clients, get-all channels disallowed to unsigned clients',
      'keyset sub-made "Mobile app": signatures on, Access Manager on, get-all users disallowed to unsigned clients, get-all channels disallowed to unsigned clients',
    ]);
    expect(lines.join('\n')).not.toContain('hidden');
  });

  it(`lists the first ${LISTED_STORED_KEYSETS} and counts the rest`, () => {
    const many = Array.from({ length: 25 }, (_, index) => ({ publishKey: `pub-${index}`, subscribeKey: `sub-${String(index).padStart(2, '0')}` }));
    const lines = storedKeysetsSummary(config, keysets([seeded, ...many]));
    expect(lines).toHaveLength(1 + LISTED_STORED_KEYSETS + 1);
    expect(lines[0]).toBe('keysets made through the admin API (held in the database): 25');
    expect(lines[1]).toBe('keyset sub-00: signatures off, Access Manager off (open: anyone with the subscribe key can read and write)');
    expect(lines.at(-1)).toBe('and 15 more (GET /admin/v1/keysets lists them all)');
  });

  it('adds nothing when the node serves only the config file’s keysets', () => {
    expect(storedKeysetsSummary(config, keysets([seeded]))).toEqual([]);
    const demo = loadConfig({}, {});
    expect(storedKeysetsSummary(demo, demo.keysets)).toEqual([]);
  });
});

describe('did you mean', () => {
  it('suggests the nearest known name within a few edits, ignoring case', () => {
    expect(nearest('keySets', ['host', 'keysets'])).toBe('keysets');
    expect(nearest('maxMembersPerChanel', Object.keys(DEFAULT_LIMITS))).toBe('maxMembersPerChannel');
    expect(nearest('colour', ['host', 'port'])).toBeUndefined();
  });
});

describe('the README', () => {
  it('shows the options table the code defines', () => {
    const readme = readFileSync(new URL('../../../README.md', import.meta.url), 'utf8');
    const table = /<!-- options table: .*? -->\n([\s\S]*?)\n<!-- end of options table -->/.exec(readme)?.[1];
    expect(table, 'README.md must hold the options table between its markers').toBeDefined();
    expect(table).toBe(optionsTable());
  });
});
