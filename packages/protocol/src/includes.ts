/**
 * The `include` query parameter of App Context calls: comma-separated tokens naming the
 * optional fields an answer carries (`include=status,type,custom,channel,channel.custom`).
 */

/** Optional fields of a user or channel; off unless asked for. */
export interface ObjectIncludes {
  custom: boolean;
  status: boolean;
  type: boolean;
}

/**
 * Optional fields of a membership or member: its own, and those of the related object (the
 * channel of a membership, the user of a member), named neutrally.
 */
export interface RelationIncludes extends ObjectIncludes {
  /** The related object in full instead of just `{id}`. */
  related: boolean;
  relatedCustom: boolean;
  relatedStatus: boolean;
  relatedType: boolean;
}

/** The related object's key in include tokens and in items: `channel.custom`, `{"uuid": {...}}`. */
export type RelatedKey = 'channel' | 'uuid';

/** Include-token prefixes a server reads for the related object: the key, then its legacy alias. */
export const RELATED_PREFIXES: Readonly<Record<RelatedKey, readonly string[]>> = {
  channel: ['channel', 'space'],
  uuid: ['uuid', 'user'],
};

/** Tokens for an object's own fields, in the official SDKs' order: `status`, `type`, `custom`. */
export function objectIncludeTokens(flags: ObjectIncludes): string[] {
  const tokens: Array<[boolean, string]> = [
    [flags.status, 'status'],
    [flags.type, 'type'],
    [flags.custom, 'custom'],
  ];
  return tokens.filter(([on]) => on).map(([, token]) => token);
}

/**
 * Tokens for a membership or member: its own fields first, then the related object's, in the
 * official SDKs' order.
 * @example relationIncludeTokens({ ...flags, related: true, relatedCustom: true }, 'channel') // [..., 'channel', 'channel.custom']
 */
export function relationIncludeTokens(flags: RelationIncludes, related: RelatedKey): string[] {
  const tokens: Array<[boolean, string]> = [
    [flags.related, related],
    [flags.relatedStatus, `${related}.status`],
    [flags.relatedType, `${related}.type`],
    [flags.relatedCustom, `${related}.custom`],
  ];
  return [...objectIncludeTokens(flags), ...tokens.filter(([on]) => on).map(([, token]) => token)];
}

/**
 * The flags of `include` values (each comma-separated; the parameter may repeat). Unknown and
 * duplicate tokens are ignored, as SDKs send `totalCount` and duplicates. With `related`, any
 * of its prefixes alone or as `prefix.field` turns on the related object in full; without it
 * (users and channels) the related flags stay off.
 */
export function parseIncludeTokens(values: readonly string[], related?: RelatedKey): RelationIncludes {
  const tokens = new Set(values.flatMap((value) => value.split(',').map((token) => token.trim())));
  const include: RelationIncludes = {
    custom: tokens.has('custom'),
    status: tokens.has('status'),
    type: tokens.has('type'),
    related: false,
    relatedCustom: false,
    relatedStatus: false,
    relatedType: false,
  };
  for (const prefix of related === undefined ? [] : RELATED_PREFIXES[related]) {
    for (const token of tokens) {
      if (token !== prefix && !token.startsWith(`${prefix}.`)) continue;
      include.related = true;
      const field = token.slice(prefix.length + 1);
      if (field === 'custom') include.relatedCustom = true;
      if (field === 'status') include.relatedStatus = true;
      if (field === 'type') include.relatedType = true;
    }
  }
  return include;
}
