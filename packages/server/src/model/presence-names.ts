/**
 * PubNub's presence names: presence events of channel `room` go on `room-pnpres`, and subscribing
 * to the channel group `{group}-pnpres` subscribes to the presence of the group's channels.
 */

/** The suffix of a presence channel, and of a presence channel group. */
export const PRESENCE_SUFFIX = '-pnpres';

/** Whether `name` is a presence channel or presence group: it ends in `-pnpres`. */
export const isPresenceName = (name: string): boolean => name.endsWith(PRESENCE_SUFFIX);

/** The channel or group a presence name (`{name}-pnpres`) follows. */
export const basePresenceName = (name: string): string => name.slice(0, -PRESENCE_SUFFIX.length);
