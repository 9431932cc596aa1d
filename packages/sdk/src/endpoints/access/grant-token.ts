import { pubnubEncode } from '@roster/protocol';
import { PNOperationType } from '../../models/operation.ts';
import type { PNStatus } from '../../models/status.ts';
import { permissionBits, type PNTokenResources } from '../../models/token.ts';
import type { RequestDescriptor } from '../../transport/request.ts';
import { Endpoint, type EndpointContext } from '../endpoint.ts';
import { InvalidParameters, MalformedResponse, type ParsedResponse } from '../execute.ts';

export interface GrantTokenOptions {
  /** Minutes the token lasts, 1 to 43200. */
  ttl?: number;
  /** Only requests made with this user id may use the token. */
  authorizedUuid?: string;
  /** Exact resource names. */
  resources?: PNTokenResources;
  /** Regular expressions matched against whole resource names. */
  patterns?: PNTokenResources;
  /** Scalar values carried in the token. */
  meta?: Record<string, string | number | boolean | null>;
}

export interface PNGrantTokenResult {
  readonly token: string;
}

function section(resources: PNTokenResources | undefined) {
  const bits = (kind: keyof PNTokenResources) =>
    Object.fromEntries(Object.entries(resources?.[kind] ?? {}).map(([name, permissions]) => [name, permissionBits(permissions)]));
  return { channels: bits('channels'), groups: bits('groups'), uuids: bits('uuids') };
}

/**
 * `grantToken`: mints an Access Manager token. Needs the keyset's `secretKey` in the client
 * configuration (server side only), which signs the request.
 * @example const { result } = await admin.grantToken({ ttl: 60, authorizedUuid: 'alice', resources: { uuids: { alice: { get: true, update: true } } } }).sync();
 */
export class GrantToken extends Endpoint<PNGrantTokenResult> {
  readonly operation = PNOperationType.PNAccessManagerGrantToken;
  private readonly options: GrantTokenOptions;

  constructor(context: EndpointContext, options: GrantTokenOptions = {}) {
    super(context);
    this.options = { ...options };
  }

  ttl(minutes: number): this {
    this.options.ttl = minutes;
    return this;
  }

  authorizedUuid(uuid: string): this {
    this.options.authorizedUuid = uuid;
    return this;
  }

  resources(resources: PNTokenResources): this {
    this.options.resources = resources;
    return this;
  }

  patterns(patterns: PNTokenResources): this {
    this.options.patterns = patterns;
    return this;
  }

  meta(meta: Record<string, string | number | boolean | null>): this {
    this.options.meta = meta;
    return this;
  }

  buildRequest(): RequestDescriptor {
    const { ttl, authorizedUuid, resources, patterns, meta } = this.options;
    if (this.context.config.secretKey === undefined) throw new InvalidParameters('grantToken needs the secretKey in the configuration.');
    if (ttl === undefined) throw new InvalidParameters('Missing ttl: pass .ttl(minutes).');
    const permissions = {
      resources: section(resources),
      patterns: section(patterns),
      meta: meta ?? {},
      ...(authorizedUuid === undefined ? {} : { uuid: authorizedUuid }),
    };
    return {
      method: 'POST',
      path: `/v3/pam/${pubnubEncode(this.context.config.subscribeKey)}/grant`,
      query: [],
      body: JSON.stringify({ ttl, permissions }),
      headers: { 'Content-Type': 'application/json' },
      idempotent: false,
    };
  }

  /** `{"data":{"message":"Success","token":"..."},"service":"Access Manager","status":200}` */
  parse(response: ParsedResponse, _status: PNStatus): PNGrantTokenResult {
    const data = (response.body as { data?: { token?: unknown } } | undefined)?.data;
    if (typeof data?.token !== 'string') throw new MalformedResponse('The grant response has no token.');
    return { token: data.token };
  }
}

/**
 * `revokeToken`: withdraws a token before it expires (server side, with the `secretKey`).
 * @example await admin.revokeToken(token).sync();
 */
export class RevokeToken extends Endpoint<Record<string, never>> {
  readonly operation = PNOperationType.PNAccessManagerRevokeToken;
  private readonly token: string;

  constructor(context: EndpointContext, token: string) {
    super(context);
    this.token = token;
  }

  buildRequest(): RequestDescriptor {
    if (this.context.config.secretKey === undefined) throw new InvalidParameters('revokeToken needs the secretKey in the configuration.');
    const path = `/v3/pam/${pubnubEncode(this.context.config.subscribeKey)}/grant/${pubnubEncode(this.token)}`;
    return { method: 'DELETE', path, query: [], idempotent: true };
  }

  parse(_response: ParsedResponse, _status: PNStatus): Record<string, never> {
    return {};
  }
}
