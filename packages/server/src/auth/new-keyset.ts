import { randomBytes, randomUUID } from 'node:crypto';

/** A keyset as `roster keys new` prints it: locked down, ready for the config file's `keysets`. */
export interface NewKeyset {
  publishKey: string;
  subscribeKey: string;
  secretKey: string;
  accessManager: true;
  disallowGetAllUuids: true;
  disallowGetAllChannels: true;
}

/**
 * A fresh keyset, keys shaped like PubNub's (`pub-c-…`, `sub-c-…`, `sec-c-…`), secure by default:
 * Access Manager on, and listing all users or all channels only for requests signed with the secret key.
 */
export function newKeyset(): NewKeyset {
  return {
    publishKey: `pub-c-${randomUUID()}`,
    subscribeKey: `sub-c-${randomUUID()}`,
    secretKey: newSecretKey(),
    accessManager: true,
    disallowGetAllUuids: true,
    disallowGetAllChannels: true,
  };
}

/** A fresh secret key: `sec-c-` and 36 random bytes, base64url (288 bits). */
export const newSecretKey = (): string => `sec-c-${randomBytes(36).toString('base64url')}`;
