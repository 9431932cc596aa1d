import { relationIncludeTokens, type RelationIncludes } from '@roster/protocol';
import type { PNOperationType } from '../../models/operation.ts';
import type { RelationInput } from '../../models/relation-input.ts';
import type { RequestDescriptor } from '../../transport/request.ts';
import type { EndpointContext } from '../endpoint.ts';
import { InvalidParameters } from '../execute.ts';
import { ListEndpoint, type ListOptions } from '../shared/list-endpoint.ts';
import { includeParam, objectsPath } from '../shared/paths.ts';
import type { RelationKind } from './relation-kind.ts';

/** `get` lists; the others PATCH and return the owner's list after the change. */
export type RelationMode = 'get' | 'set' | 'remove' | 'manage';

/** Options every membership and member call takes. */
export interface RelationListOptions extends ListOptions {
  /**
   * Return each item's own `custom`.
   * @default false
   */
  includeCustom?: boolean;
}

/** An item to set or remove: a relation input, or just the related id. */
export type RelationItem<TCustom> = RelationInput<TCustom> | string;

/**
 * The shared builder of the eight membership and member calls. The per-call classes add
 * only the documented names (`uuid()`/`channel()`, `channelMemberships()`/`uuids()`, ...).
 */
export abstract class RelationEndpoint<TData, TCustom> extends ListEndpoint<TData> {
  readonly operation: PNOperationType;
  private ownerId: string | undefined;
  private readonly includes: RelationIncludes = {
    custom: false,
    status: false,
    type: false,
    related: false,
    relatedCustom: false,
    relatedStatus: false,
    relatedType: false,
  };
  private setList: ReadonlyArray<RelationItem<TCustom>> = [];
  private removeList: ReadonlyArray<RelationItem<unknown>> = [];

  private readonly kind: RelationKind;
  private readonly mode: RelationMode;

  constructor(context: EndpointContext, kind: RelationKind, mode: RelationMode, options: RelationListOptions & Partial<Record<'uuid' | 'channel', string>>) {
    super(context, options);
    this.kind = kind;
    this.mode = mode;
    this.operation = kind.operations[mode];
    this.ownerId = options[kind.ownerName];
  }

  /** Return each item's own `custom` (default `false`). */
  includeCustom(include: boolean): this {
    this.includes.custom = include;
    return this;
  }

  protected owner(id: string): this {
    this.ownerId = id;
    return this;
  }

  /** Replaces the include flags (and `totalCount`) with those of an includes object. */
  protected withIncludes(flags: RelationIncludes, totalCount: boolean): this {
    Object.assign(this.includes, flags);
    this.totalCount = totalCount;
    return this;
  }

  /** `1`: the related object; `2`: the related object with its `custom`. */
  protected withRelated(level: 1 | 2): this {
    this.includes.related = true;
    this.includes.relatedCustom = level === 2;
    return this;
  }

  protected setItems(items: ReadonlyArray<RelationItem<TCustom>>): this {
    this.setList = items;
    return this;
  }

  /** Removal sends only ids, so any item's `custom` type will do. */
  protected removeItems(items: ReadonlyArray<RelationItem<unknown>>): this {
    this.removeList = items;
    return this;
  }

  buildRequest(): RequestDescriptor {
    const { kind, mode } = this;
    const owner = this.ownerId ?? (kind.ownerDefaultsToUserId ? this.context.config.userId : undefined);
    if (owner === undefined || owner === '') throw new InvalidParameters(`Missing ${kind.ownerName}: pass .${kind.ownerName}(id).`);
    const query = [
      ['count', String(this.totalCount ?? false)] as const,
      ...includeParam([...(mode === 'get' ? [] : kind.writeIncludes), ...relationIncludeTokens(this.includes, kind.relatedKey)]),
      ...this.listQuery(),
    ];
    const path = objectsPath(this.context.config.subscribeKey, kind.ownerCollection, owner, kind.relatedCollection);
    if (mode === 'get') return { method: 'GET', path, query, idempotent: true };
    return { method: 'PATCH', path, query, body: JSON.stringify(this.body()), idempotent: false };
  }

  /** `set` sends only `set`, `remove` only `delete`, `manage` both (as Python's manage does). */
  private body(): Record<string, unknown> {
    const { mode } = this;
    const wantSet = mode === 'set' || mode === 'manage';
    const wantRemove = mode === 'remove' || mode === 'manage';
    if (this.setList.length + this.removeList.length === 0) {
      throw new InvalidParameters(`Nothing to ${mode}: pass at least one ${this.kind.relatedKey}.`);
    }
    return {
      ...(wantSet ? { set: this.setList.map((item) => this.setItem(item)) } : {}),
      ...(wantRemove ? { delete: this.removeList.map((item) => ({ [this.kind.relatedKey]: { id: idOf(item) } })) } : {}),
    };
  }

  /** `{"channel":{"id"},"status","type","custom"}` with only the fields that were given. */
  private setItem(item: RelationItem<TCustom>): Record<string, unknown> {
    const wire: Record<string, unknown> = { [this.kind.relatedKey]: { id: idOf(item) } };
    if (typeof item === 'string') return wire;
    if (item.status !== undefined) wire['status'] = item.status;
    if (item.type !== undefined) wire['type'] = item.type;
    if (item.custom !== undefined) wire['custom'] = item.custom;
    return wire;
  }
}

function idOf(item: RelationItem<unknown>): string {
  return typeof item === 'string' ? item : item.id;
}
