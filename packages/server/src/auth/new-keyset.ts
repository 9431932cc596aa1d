import { randomBytes, randomUUID } from 'node:crypto';

export interface NewKeyset {
  publishKey: string;
  subscribeKey: string;
  secretKey: string;
  accessManager: boolean;
}

/** A fresh keyset for the config file, keys shaped like PubNub's (`pub-c-…`, `sub-c-…`, `sec-c-…`). */
export function newKeyset(): NewKeyset {
  return {
    publishKey: `pub-c-${randomUUID()}`,
    subscribeKey: `sub-c-${randomUUID()}`,
    secretKey: `sec-c-${randomBytes(36).toString('base64url')}`,
    accessManager: true,
  };
}
