import { encodePath } from '@roster/protocol';
import { PNOperationType } from '../../models/operation.ts';
import type { PNPresenceState } from '../../models/presence.ts';
import type { PNGetStateResult } from '../../models/results.ts';
import type { PNStatus } from '../../models/status.ts';
import { isRecord } from '../../transport/json.ts';
import type { RequestDescriptor } from '../../transport/request.ts';
import type { EndpointContext } from '../endpoint.ts';
import { InvalidParameters, MalformedResponse, type ParsedResponse } from '../execute.ts';
import { channelGroupQuery } from '../shared/channels.ts';
import { PresenceChannelsEndpoint, type PresenceChannelsOptions } from './channels-endpoint.ts';
import { presencePayload } from './presence-paths.ts';

export interface GetStateOptions extends PresenceChannelsOptions {
  /** The user; by default the configured `userId`. */
  uuid?: string;
}

/**
 * `getState`: a user's presence state on channels (and on the channels of groups). Sends
 * `GET /v2/presence/sub-key/{sub}/channel/{a,b}/uuid/{uuid}[?channel-group=]`.
 * @example const { result } = await client.getState().channels(['room']).uuid('ann').sync();
 * result.channels['room']; // { mood: 'busy' }
 */
export class GetState extends PresenceChannelsEndpoint<PNGetStateResult> {
  readonly operation = PNOperationType.PNGetStateOperation;
  private user: string | undefined;

  constructor(context: EndpointContext, options: GetStateOptions = {}) {
    super(context, options);
    this.user = options.uuid;
  }

  /** The user; by default the configured one. */
  uuid(uuid: string): this {
    this.user = uuid;
    return this;
  }

  buildRequest(): RequestDescriptor {
    this.requireChannelsOrGroups();
    const uuid = this.user ?? this.context.config.userId;
    if (uuid === '') throw new InvalidParameters('The uuid is empty.');
    const path = this.channelPath(encodePath('uuid', uuid));
    return { method: 'GET', path, query: channelGroupQuery(this.groupNames), idempotent: true };
  }

  /**
   * One channel: `{"status":200,"payload":{…state},"service":"Presence"}`; several or groups:
   * `{"payload":{"channels":{"a":{…},"b":{…}}}}`.
   */
  parse(response: ParsedResponse, status: PNStatus): PNGetStateResult {
    const payload = presencePayload(response);
    if (!isRecord(payload)) throw new MalformedResponse('Expected an object in "payload".');
    const single = this.channelNames.length === 1 && this.groupNames.length === 0 ? this.channelNames[0] : undefined;
    if (single !== undefined) return { channels: { [single]: payload }, status };
    const wire = payload['channels'];
    if (!isRecord(wire)) throw new MalformedResponse('Expected "payload.channels".');
    const channels: Record<string, PNPresenceState> = {};
    for (const [name, state] of Object.entries(wire)) if (isRecord(state)) channels[name] = state;
    return { channels, status };
  }
}
