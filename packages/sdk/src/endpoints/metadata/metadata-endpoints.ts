import { objectIncludeTokens } from '@roster/protocol';
import type { PNOperationType } from '../../models/operation.ts';
import type { PNObjectResult, PNStatusOnlyResult } from '../../models/results.ts';
import type { PNStatus } from '../../models/status.ts';
import type { RequestDescriptor } from '../../transport/request.ts';
import { Endpoint, type EndpointContext } from '../endpoint.ts';
import { InvalidParameters, type ParsedResponse } from '../execute.ts';
import { ListEndpoint, type ListOptions } from '../shared/list-endpoint.ts';
import { parseObjectResult } from '../shared/parse.ts';
import { includeParam, objectsPath } from '../shared/paths.ts';
import type { MetadataKind } from './metadata-kind.ts';

/**
 * Which optional fields of the object to return. The defaults are what PubNub's Python SDK
 * sends (docs/decisions.md, "SDK request defaults"): `status` and `type` always, `custom`
 * only when asked for (or, on a set, when the call sets `custom`).
 */
export interface MetadataIncludeOptions {
  /**
   * Return `custom`.
   * @default false on reads; on sets, whether the call sets `custom`
   */
  includeCustom?: boolean;
  /**
   * Return `status`.
   * @default true
   */
  includeStatus?: boolean;
  /**
   * Return `type`.
   * @default true
   */
  includeType?: boolean;
}

interface IncludeState {
  /** `undefined`: not chosen, so the call's default applies. */
  custom: boolean | undefined;
  status: boolean;
  type: boolean;
}

function includeState(options: MetadataIncludeOptions): IncludeState {
  return { custom: options.includeCustom, status: options.includeStatus ?? true, type: options.includeType ?? true };
}

/** `status,type,custom`, in the order the official JS SDK sends them. */
function includeTokens(include: IncludeState, customByDefault = false): string[] {
  return objectIncludeTokens({ status: include.status, type: include.type, custom: include.custom ?? customByDefault });
}

/** Lists users or channels: `getAllUUIDMetadata`, `getAllChannelMetadata`. */
export abstract class GetAllMetadata<TData> extends ListEndpoint<TData> {
  readonly operation: PNOperationType;
  private readonly include: IncludeState;
  private readonly kind: MetadataKind;

  constructor(context: EndpointContext, kind: MetadataKind, options: ListOptions & MetadataIncludeOptions) {
    super(context, options);
    this.kind = kind;
    this.operation = kind.operations.getAll;
    this.include = includeState(options);
  }

  /** Return each object's `custom` (default `false`). */
  includeCustom(include: boolean): this {
    this.include.custom = include;
    return this;
  }

  /** Return each object's `status` (default `true`). */
  includeStatus(include: boolean): this {
    this.include.status = include;
    return this;
  }

  /** Return each object's `type` (default `true`). */
  includeType(include: boolean): this {
    this.include.type = include;
    return this;
  }

  buildRequest(): RequestDescriptor {
    return {
      method: 'GET',
      path: objectsPath(this.context.config.subscribeKey, this.kind.collection),
      query: [
        ...includeParam(includeTokens(this.include)),
        ...(this.totalCount === undefined ? [] : [['count', String(this.totalCount)] as const]),
        ...this.listQuery(),
      ],
      idempotent: true,
    };
  }
}

/** What the single-object calls share: the target id and, except for remove, the include flags. */
export abstract class SingleMetadata<TResult> extends Endpoint<TResult> {
  private targetId: string | undefined;

  protected readonly kind: MetadataKind;

  constructor(context: EndpointContext, kind: MetadataKind, options: Partial<Record<'uuid' | 'channel', string>>) {
    super(context);
    this.kind = kind;
    this.targetId = options[kind.idName];
  }

  protected target(id: string): this {
    this.targetId = id;
    return this;
  }

  protected path(): string {
    const id = this.targetId ?? (this.kind.defaultsToUserId ? this.context.config.userId : undefined);
    if (id === undefined || id === '') throw new InvalidParameters(`Missing ${this.kind.idName}: pass .${this.kind.idName}(id).`);
    return objectsPath(this.context.config.subscribeKey, this.kind.collection, id);
  }
}

/** Fetches one user or channel: `getUUIDMetadata`, `getChannelMetadata`. */
export abstract class GetMetadata<TData> extends SingleMetadata<PNObjectResult<TData>> {
  readonly operation: PNOperationType;
  private readonly include: IncludeState;

  constructor(context: EndpointContext, kind: MetadataKind, options: MetadataIncludeOptions & Partial<Record<'uuid' | 'channel', string>>) {
    super(context, kind, options);
    this.operation = kind.operations.get;
    this.include = includeState(options);
  }

  /** Return `custom` (default `false`). */
  includeCustom(include: boolean): this {
    this.include.custom = include;
    return this;
  }

  /** Return `status` (default `true`). */
  includeStatus(include: boolean): this {
    this.include.status = include;
    return this;
  }

  /** Return `type` (default `true`). */
  includeType(include: boolean): this {
    this.include.type = include;
    return this;
  }

  buildRequest(): RequestDescriptor {
    return { method: 'GET', path: this.path(), query: includeParam(includeTokens(this.include)), idempotent: true };
  }

  parse(response: ParsedResponse, status: PNStatus): PNObjectResult<TData> {
    return parseObjectResult<TData>(response, status);
  }
}

/** Options every set call takes besides its fields. */
export interface SetMetadataOptions<TCustom> extends MetadataIncludeOptions {
  /** Display name; `null` clears it. */
  name?: string | null;
  /** At most 50 characters; `null` clears it. */
  status?: string | null;
  /** At most 50 characters; `null` clears it. */
  type?: string | null;
  /** Replaces the stored `custom` as a whole; `null` clears it. */
  custom?: TCustom | null;
  /** Only update if the stored object still has this eTag; otherwise the call fails with 412. */
  ifMatchesEtag?: string;
}

/**
 * Creates or updates one user or channel: `setUUIDMetadata`, `setChannelMetadata`. Only the
 * fields you set are sent and changed; `null` clears a field.
 */
export abstract class SetMetadata<TData, TCustom> extends SingleMetadata<PNObjectResult<TData>> {
  readonly operation: PNOperationType;
  private readonly include: IncludeState;
  private readonly fields = new Map<string, unknown>();
  private etag: string | undefined;

  constructor(context: EndpointContext, kind: MetadataKind, options: SetMetadataOptions<TCustom> & Partial<Record<'uuid' | 'channel', string>>) {
    super(context, kind, options);
    this.operation = kind.operations.set;
    this.include = includeState(options);
    this.etag = options.ifMatchesEtag;
    // The named options use the body's field names; the kind lists which ones this object has.
    const named = options as Readonly<Record<string, unknown>>;
    for (const field of kind.bodyFields) if (named[field] !== undefined) this.fields.set(field, named[field]);
  }

  /** Display name; `null` clears it. */
  setName(name: string | null): this {
    return this.field('name', name);
  }

  /** Status, at most 50 characters; `null` clears it. */
  setStatus(status: string | null): this {
    return this.field('status', status);
  }

  /** Type, at most 50 characters; `null` clears it. */
  setType(type: string | null): this {
    return this.field('type', type);
  }

  /** Replaces the stored `custom` as a whole (PubNub never merges it); `null` clears it. */
  custom(custom: TCustom | null): this {
    return this.field('custom', custom);
  }

  /**
   * Return `custom` in the result. By default it is returned when this call sets `custom`
   * (PubNub's Python SDK asks for it when `.custom()` is called; the JS SDK always does).
   */
  includeCustom(include: boolean): this {
    this.include.custom = include;
    return this;
  }

  /** Return `status` in the result (default `true`, as the official SDKs send). */
  includeStatus(include: boolean): this {
    this.include.status = include;
    return this;
  }

  /** Return `type` in the result (default `true`, as the official SDKs send). */
  includeType(include: boolean): this {
    this.include.type = include;
    return this;
  }

  /** Only update if the stored object still has this eTag; otherwise the call fails with 412. */
  ifMatchesEtag(etag: string): this {
    this.etag = etag;
    return this;
  }

  protected field(name: string, value: unknown): this {
    this.fields.set(name, value);
    return this;
  }

  buildRequest(): RequestDescriptor {
    const body: Record<string, unknown> = {};
    for (const field of this.kind.bodyFields) if (this.fields.has(field)) body[field] = this.fields.get(field);
    return {
      method: 'PATCH',
      path: this.path(),
      query: includeParam(includeTokens(this.include, this.fields.has('custom'))),
      body: JSON.stringify(body),
      ...(this.etag === undefined ? {} : { headers: { 'If-Match': this.etag } }),
      idempotent: false,
    };
  }

  parse(response: ParsedResponse, status: PNStatus): PNObjectResult<TData> {
    return parseObjectResult<TData>(response, status);
  }
}

/** Deletes one user or channel: `removeUUIDMetadata`, `removeChannelMetadata`. Succeeds for ids that do not exist. */
export abstract class RemoveMetadata extends SingleMetadata<PNStatusOnlyResult> {
  readonly operation: PNOperationType;

  constructor(context: EndpointContext, kind: MetadataKind, options: Partial<Record<'uuid' | 'channel', string>>) {
    super(context, kind, options);
    this.operation = kind.operations.remove;
  }

  buildRequest(): RequestDescriptor {
    return { method: 'DELETE', path: this.path(), query: [], idempotent: true };
  }

  parse(_response: ParsedResponse, status: PNStatus): PNStatusOnlyResult {
    return { status };
  }
}
