/** The two kinds of App Context record the console lists and edits, and what differs between them. */
export type RecordKind = 'user' | 'channel';

export interface KindInfo {
  /** `users` / `channels`: the route's section. */
  section: string;
  title: string;
  singular: string;
  /** The field shown beside name, status and type: email for users, description for channels. */
  extraField: 'email' | 'description';
  extraLabel: string;
}

export const KINDS: Record<RecordKind, KindInfo> = {
  user: { section: 'users', title: 'Users', singular: 'user', extraField: 'email', extraLabel: 'Email' },
  channel: { section: 'channels', title: 'Channels', singular: 'channel', extraField: 'description', extraLabel: 'Description' },
};
