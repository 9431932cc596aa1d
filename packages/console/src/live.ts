import { PNStatusCategory, type Listener, type PNObjectsEvent, type PNStatus, type Roster } from '@roster/sdk';
import { useEffect, useRef, useState } from 'preact/hooks';
import { describeStatus } from './errors.ts';
import type { Session } from './session.ts';

/**
 * An App Context change as the console shows it. A user's events arrive on the channel named by
 * its id, a channel's on its own; a membership's on both ends. `data` is the event's `data`
 * (changed fields, `eTag`, `updated`; for memberships also `custom`, `status`, `type`).
 */
export type LiveChange =
  | { type: 'set'; kind: 'user' | 'channel'; id: string; data: Record<string, unknown> }
  | { type: 'delete'; kind: 'user' | 'channel'; id: string }
  | { type: 'membership-set' | 'membership-delete'; userId: string; channelId: string; data: Record<string, unknown> };

interface Watcher {
  channels: ReadonlySet<string>;
  onChange: (change: LiveChange) => void;
}

/**
 * The one subscribe loop of the session's client: how many watchers want each channel, and the
 * last event of each record with the watchers that got it (the same change arrives once per
 * channel it is sent to: a membership on both ends, a user also on its channels).
 */
interface Loop {
  client: Roster;
  watchers: Set<Watcher>;
  wanted: Map<string, number>;
  delivered: Map<string, { version: string; watchers: Set<Watcher> }>;
  listener: Listener;
  syncQueued: boolean;
}

let loop: Loop | undefined;
/** Why live updates stopped (the server refused the subscribe), or undefined while they run. */
let problem: string | undefined;
const problemWatchers = new Set<() => void>();

/**
 * While the calling component is mounted, subscribes the session's client (through the server's
 * subscribe protocol) to `channels` (the ids on screen) and calls `onChange` for each App Context
 * event on them. Several components may watch at once; one subscribe loop serves them all.
 */
export function useLiveChanges(session: Session, channels: readonly string[], onChange: (change: LiveChange) => void): void {
  const latest = useRef(onChange);
  latest.current = onChange;
  const key = JSON.stringify([...new Set(channels.filter((channel) => channel !== ''))].sort());
  useEffect(() => {
    const watcher: Watcher = { channels: new Set(JSON.parse(key) as string[]), onChange: (change) => latest.current(change) };
    watch(session.client, watcher);
    return () => unwatch(session.client, watcher);
  }, [session.client, key]);
}

/**
 * Why live updates of `session` stopped, re-rendering the caller when that changes (undefined
 * while they run, and when nothing of this session watches).
 */
export function useLiveProblem(session: Session | undefined): string | undefined {
  const [, setTick] = useState(0);
  useEffect(() => {
    const update = () => setTick((tick) => tick + 1);
    problemWatchers.add(update);
    return () => void problemWatchers.delete(update);
  }, []);
  return session !== undefined && loop?.client === session.client ? problem : undefined;
}

function setProblem(next: string | undefined): void {
  if (next === problem) return;
  problem = next;
  problemWatchers.forEach((update) => update());
}

function watch(client: Roster, watcher: Watcher): void {
  if (loop?.client !== client) {
    if (loop) stop(loop);
    loop = start(client);
  }
  loop.watchers.add(watcher);
  for (const channel of watcher.channels) loop.wanted.set(channel, (loop.wanted.get(channel) ?? 0) + 1);
  queueSync(loop);
}

function unwatch(client: Roster, watcher: Watcher): void {
  // A loop of an earlier session was stopped when the next one started.
  if (loop?.client !== client || !loop.watchers.delete(watcher)) return;
  for (const channel of watcher.channels) {
    const count = (loop.wanted.get(channel) ?? 0) - 1;
    if (count > 0) loop.wanted.set(channel, count);
    else loop.wanted.delete(channel);
  }
  queueSync(loop);
}

function start(client: Roster): Loop {
  const started: Loop = { client, watchers: new Set(), wanted: new Map(), delivered: new Map(), listener: {}, syncQueued: false };
  started.listener = { objects: (event) => dispatch(started, event), status: (status) => onStatus(status) };
  client.addListener(started.listener);
  setProblem(undefined);
  return started;
}

function stop(stopped: Loop): void {
  stopped.client.removeListener(stopped.listener);
  stopped.client.unsubscribeAll();
  if (loop === stopped) loop = undefined;
  setProblem(undefined);
}

/**
 * Components mount and unmount in batches (a page change swaps dozens of rows): the subscription
 * is brought in line with what they want once, after the batch, rather than once per component.
 */
function queueSync(queued: Loop): void {
  if (queued.syncQueued) return;
  queued.syncQueued = true;
  queueMicrotask(() => {
    queued.syncQueued = false;
    if (loop === queued) sync(queued);
  });
}

function sync(current: Loop): void {
  if (current.watchers.size === 0) return stop(current);
  const subscribed = new Set(current.client.getSubscribedChannels());
  const added = [...current.wanted.keys()].filter((channel) => !subscribed.has(channel));
  const removed = [...subscribed].filter((channel) => !current.wanted.has(channel));
  if (removed.length > 0) current.client.unsubscribe().channels(removed).execute();
  if (added.length > 0) current.client.subscribe().channels(added).execute();
}

function onStatus(status: PNStatus): void {
  if (status.category === PNStatusCategory.PNUnexpectedDisconnectCategory && status.statusCode >= 400) setProblem(describeStatus(status));
  else if (status.category === PNStatusCategory.PNConnectedCategory || status.category === PNStatusCategory.PNReconnectedCategory) setProblem(undefined);
}

function dispatch(current: Loop, event: PNObjectsEvent): void {
  const change = liveChange(event);
  const record = recordKey(change);
  const version = `${change.type}/${'data' in change ? String(change.data['eTag'] ?? change.data['updated'] ?? '') : ''}`;
  let delivered = current.delivered.get(record);
  if (delivered?.version !== version) {
    delivered = { version, watchers: new Set() };
    current.delivered.delete(record); // re-inserted last, so the oldest records go first
    current.delivered.set(record, delivered);
    if (current.delivered.size > MAX_REMEMBERED) current.delivered.delete(current.delivered.keys().next().value as string);
  }
  for (const watcher of current.watchers) {
    if (!watcher.channels.has(event.channel) || delivered.watchers.has(watcher)) continue;
    delivered.watchers.add(watcher);
    watcher.onChange(change);
  }
}

/** Records whose last event is remembered, to drop its copies on other channels. */
const MAX_REMEMBERED = 500;

function recordKey(change: LiveChange): string {
  return 'kind' in change ? `${change.kind}\n${change.id}` : `membership\n${change.userId}\n${change.channelId}`;
}

function liveChange({ message }: PNObjectsEvent): LiveChange {
  const data = message.data as unknown as Record<string, unknown>;
  if (message.type === 'membership') {
    const type = message.event === 'set' ? 'membership-set' : 'membership-delete';
    return { type, userId: message.data.uuid.id, channelId: message.data.channel.id, data };
  }
  const kind = message.type === 'uuid' ? 'user' : 'channel';
  return message.event === 'set' ? { type: 'set', kind, id: message.data.id, data } : { type: 'delete', kind, id: message.data.id };
}
