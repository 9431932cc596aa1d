import type { CustomData } from './objects.ts';

/** Optional fields of a membership or member being set. */
export interface RelationFields<TCustom = CustomData> {
  custom?: TCustom;
  /** At most 50 characters. */
  status?: string;
  /** At most 50 characters. */
  type?: string;
}

/** What {@link PNChannelMembership} and {@link PNUUID} share: the related id and the relation's fields. */
export abstract class RelationInput<TCustom = CustomData> {
  /** The channel id (memberships) or user id (members). */
  readonly id: string;
  readonly custom: TCustom | undefined;
  readonly status: string | undefined;
  readonly type: string | undefined;

  constructor(id: string, fields: RelationFields<TCustom> = {}) {
    this.id = id;
    this.custom = fields.custom;
    this.status = fields.status;
    this.type = fields.type;
  }
}

/**
 * A channel to add a user to (or remove them from), with the membership's own fields.
 * @example
 * client.setMemberships().channelMemberships([
 *   PNChannelMembership.channel('lobby'),
 *   PNChannelMembership.channelWithCustom('vip', { seat: 4 }, { status: 'active', type: 'guest' }),
 * ])
 */
export class PNChannelMembership<TCustom = CustomData> extends RelationInput<TCustom> {
  static channel(channel: string, fields: Omit<RelationFields, 'custom'> = {}): PNChannelMembership<never> {
    return new PNChannelMembership<never>(channel, fields);
  }

  static channelWithCustom<TCustom = CustomData>(channel: string, custom: TCustom, fields: Omit<RelationFields, 'custom'> = {}): PNChannelMembership<TCustom> {
    return new PNChannelMembership(channel, { ...fields, custom });
  }
}

/**
 * A user to add to a channel (or remove from it), with the member's own fields.
 * @example
 * client.setChannelMembers({ channel: 'lobby', uuids: [PNUUID.uuid('ann'), PNUUID.uuidWithCustom('bob', { role: 'admin' })] })
 */
export class PNUUID<TCustom = CustomData> extends RelationInput<TCustom> {
  static uuid(uuid: string, fields: Omit<RelationFields, 'custom'> = {}): PNUUID<never> {
    return new PNUUID<never>(uuid, fields);
  }

  static uuidWithCustom<TCustom = CustomData>(uuid: string, custom: TCustom, fields: Omit<RelationFields, 'custom'> = {}): PNUUID<TCustom> {
    return new PNUUID(uuid, { ...fields, custom });
  }
}
