import type { ChannelRecord, UuidRecord } from '../model/records.ts';
import type { ChannelGroupStore, KeysetStore, MessageStore, ObjectStore, Store } from './store.ts';

/** What a store call is called in metrics: `uuid.get`, `membership.apply`, `revocation.check`, `message.history`… */
export type StoreOperation =
  | `${'uuid' | 'channel'}.${'get' | 'list' | 'write' | 'remove'}`
  | 'membership.list'
  | 'membership.apply'
  | 'revocation.check'
  | 'revocation.revoke'
  | `message.${'append' | 'history' | 'sizes' | 'remove' | 'count' | 'purge'}`
  | `action.${'add' | 'remove' | 'list' | 'of' | 'loads'}`
  | `channel-group.${'add' | 'remove' | 'channels' | 'of' | 'groups' | 'delete'}`
  | `keyset.${'list' | 'get' | 'put' | 'version'}`;

/** Asked once per operation for where its durations go, in seconds, so a call looks nothing up. */
export type DurationSink = (operation: StoreOperation) => (seconds: number) => void;

/** `run`, reporting how long each call's promise took to settle, failed calls included. */
function timed<A extends unknown[], R>(run: (...args: A) => Promise<R>, report: (seconds: number) => void): (...args: A) => Promise<R> {
  // Anonymous arrows only: this runs per store call, and tsx gives each named one a defineProperty.
  return (...args) => {
    const start = performance.now();
    const result = run(...args);
    result.then(
      () => report((performance.now() - start) / 1000),
      () => report((performance.now() - start) / 1000),
    );
    return result;
  };
}

function timedObjects<T extends UuidRecord | ChannelRecord>(store: ObjectStore<T>, kind: 'uuid' | 'channel', sink: DurationSink): ObjectStore<T> {
  return {
    get: timed(store.get.bind(store), sink(`${kind}.get`)),
    list: timed(store.list.bind(store), sink(`${kind}.list`)),
    write: timed(store.write.bind(store), sink(`${kind}.write`)),
    remove: timed(store.remove.bind(store), sink(`${kind}.remove`)),
  };
}

function timedMessages(messages: MessageStore, sink: DurationSink): MessageStore {
  return {
    append: timed(messages.append.bind(messages), sink('message.append')),
    history: timed(messages.history.bind(messages), sink('message.history')),
    remove: timed(messages.remove.bind(messages), sink('message.remove')),
    count: timed(messages.count.bind(messages), sink('message.count')),
    purgeExpired: timed(messages.purgeExpired.bind(messages), sink('message.purge')),
    addAction: timed(messages.addAction.bind(messages), sink('action.add')),
    removeAction: timed(messages.removeAction.bind(messages), sink('action.remove')),
    actions: timed(messages.actions.bind(messages), sink('action.list')),
    actionsOf: timed(messages.actionsOf.bind(messages), sink('action.of')),
    sizes: timed(messages.sizes.bind(messages), sink('message.sizes')),
    actionLoads: timed(messages.actionLoads.bind(messages), sink('action.loads')),
  };
}

function timedChannelGroups(groups: ChannelGroupStore, sink: DurationSink): ChannelGroupStore {
  return {
    add: timed(groups.add.bind(groups), sink('channel-group.add')),
    remove: timed(groups.remove.bind(groups), sink('channel-group.remove')),
    channels: timed(groups.channels.bind(groups), sink('channel-group.channels')),
    channelsOf: timed(groups.channelsOf.bind(groups), sink('channel-group.of')),
    groups: timed(groups.groups.bind(groups), sink('channel-group.groups')),
    delete: timed(groups.delete.bind(groups), sink('channel-group.delete')),
  };
}

function timedKeysets(keysets: KeysetStore, sink: DurationSink): KeysetStore {
  return {
    list: timed(keysets.list.bind(keysets), sink('keyset.list')),
    get: timed(keysets.get.bind(keysets), sink('keyset.get')),
    put: timed(keysets.put.bind(keysets), sink('keyset.put')),
    version: timed(keysets.version.bind(keysets), sink('keyset.version')),
  };
}

/**
 * `store` with the time of every call reported to `sink`, whichever backend it is: the latency
 * the domain sees, waits for a group commit or a pooled connection included.
 *
 * @example
 * const store = timedStore(await createStore(config), (operation) => histogram.labels(operation).observe);
 */
export function timedStore(store: Store, sink: DurationSink): Store {
  const { memberships, revocations } = store;
  return {
    uuids: timedObjects(store.uuids, 'uuid', sink),
    channels: timedObjects(store.channels, 'channel', sink),
    memberships: {
      list: timed(memberships.list.bind(memberships), sink('membership.list')),
      apply: timed(memberships.apply.bind(memberships), sink('membership.apply')),
    },
    revocations: {
      isRevoked: timed(revocations.isRevoked.bind(revocations), sink('revocation.check')),
      revoke: timed(revocations.revoke.bind(revocations), sink('revocation.revoke')),
    },
    messages: timedMessages(store.messages, sink),
    channelGroups: timedChannelGroups(store.channelGroups, sink),
    keysets: timedKeysets(store.keysets, sink),
    import: (items, options) => store.import(items, options),
    refreshStatistics: () => store.refreshStatistics(),
    // Outbox calls are not the domain's: they run beside the writes, not for a request.
    outbox: store.outbox,
    ping: () => store.ping(),
    close: () => store.close(),
  };
}
