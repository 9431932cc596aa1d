import type { CustomData, UUIDMetadata } from '../../models/objects.ts';
import type { EndpointContext } from '../endpoint.ts';
import type { ListOptions } from '../shared/list-endpoint.ts';
import { GetAllMetadata, GetMetadata, RemoveMetadata, SetMetadata, type MetadataIncludeOptions, type SetMetadataOptions } from './metadata-endpoints.ts';
import { UUID_METADATA } from './metadata-kind.ts';

/** Which user; defaults to the configured `userId`. */
export interface UUIDTargetOptions {
  uuid?: string;
}

export type GetAllUUIDMetadataOptions = ListOptions & MetadataIncludeOptions;
export type GetUUIDMetadataOptions = UUIDTargetOptions & MetadataIncludeOptions;
export type RemoveUUIDMetadataOptions = UUIDTargetOptions;

export interface SetUUIDMetadataOptions<TCustom = CustomData> extends UUIDTargetOptions, SetMetadataOptions<TCustom> {
  /** The user's id in another system; `null` clears it. */
  externalId?: string | null;
  /** URL of the user's picture; `null` clears it. */
  profileUrl?: string | null;
  /** A valid email address (the server answers 400 at `user.email` otherwise); `null` clears it. */
  email?: string | null;
}

/**
 * `getAllUUIDMetadata`: one page of users.
 * @example const { result } = await client.getAllUUIDMetadata().includeCustom(true).limit(10).sync();
 */
export class GetAllUUIDMetadata<TCustom = CustomData> extends GetAllMetadata<UUIDMetadata<TCustom>> {
  constructor(context: EndpointContext, options: GetAllUUIDMetadataOptions = {}) {
    super(context, UUID_METADATA, options);
  }
}

/**
 * `getUUIDMetadata`: one user, by default the configured one. Fails with 404 if it has no metadata.
 * @example const { result } = await client.getUUIDMetadata().uuid('ann').includeCustom(true).sync();
 */
export class GetUUIDMetadata<TCustom = CustomData> extends GetMetadata<UUIDMetadata<TCustom>> {
  constructor(context: EndpointContext, options: GetUUIDMetadataOptions = {}) {
    super(context, UUID_METADATA, options);
  }

  /** The user; defaults to the configured `userId`. */
  uuid(uuid: string): this {
    return this.target(uuid);
  }
}

/**
 * `setUUIDMetadata`: creates or updates a user, by default the configured one.
 * @example await client.setUUIDMetadata().uuid('ann').setName('Ann').email('ann@example.com').custom({ team: 'red' }).sync();
 */
export class SetUUIDMetadata<TCustom = CustomData> extends SetMetadata<UUIDMetadata<TCustom>, TCustom> {
  constructor(context: EndpointContext, options: SetUUIDMetadataOptions<TCustom> = {}) {
    super(context, UUID_METADATA, options);
  }

  /** The user; defaults to the configured `userId`. */
  uuid(uuid: string): this {
    return this.target(uuid);
  }

  /** The user's id in another system; `null` clears it. */
  externalId(externalId: string | null): this {
    return this.field('externalId', externalId);
  }

  /** URL of the user's picture; `null` clears it. */
  profileUrl(profileUrl: string | null): this {
    return this.field('profileUrl', profileUrl);
  }

  /** The user's email address, which must be valid (the server answers 400 at `user.email` otherwise); `null` clears it. */
  email(email: string | null): this {
    return this.field('email', email);
  }
}

/**
 * `removeUUIDMetadata`: deletes a user's metadata, by default the configured user's.
 * @example await client.removeUUIDMetadata().uuid('ann').sync();
 */
export class RemoveUUIDMetadata extends RemoveMetadata {
  constructor(context: EndpointContext, options: RemoveUUIDMetadataOptions = {}) {
    super(context, UUID_METADATA, options);
  }

  /** The user; defaults to the configured `userId`. */
  uuid(uuid: string): this {
    return this.target(uuid);
  }
}
