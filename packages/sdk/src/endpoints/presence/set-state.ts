import { encodePath } from '@roster/protocol';
import { PNOperationType } from '../../models/operation.ts';
import type { PNPresenceState } from '../../models/presence.ts';
import type { PNSetStateResult } from '../../models/results.ts';
import type { PNStatus } from '../../models/status.ts';
import { isRecord } from '../../transport/json.ts';
import type { RequestDescriptor } from '../../transport/request.ts';
import type { EndpointContext } from '../endpoint.ts';
import { InvalidParameters, MalformedResponse, type ParsedResponse } from '../execute.ts';
import { channelGroupQuery } from '../shared/channels.ts';
import { PresenceChannelsEndpoint, type PresenceChannelsOptions } from './channels-endpoint.ts';
import { presencePayload } from './presence-paths.ts';

export interface SetStateOptions extends PresenceChannelsOptions {
  /** The state: a JSON object of your own; `{}` clears it. */
  state?: PNPresenceState;
}

/**
 * `setState`: sets the configured user's presence state on channels (and on the channels of
 * groups). Subscribers to their presence get a `state-change` event where the user is present.
 * Sends `GET /v2/presence/sub-key/{sub}/channel/{a,b}/uuid/{uuid}/data?state={json}[&channel-group=]`;
 * never retried automatically.
 * @example await client.setState().channels(['room']).state({ mood: 'busy' }).sync();
 */
export class SetState extends PresenceChannelsEndpoint<PNSetStateResult> {
  readonly operation = PNOperationType.PNSetStateOperation;
  private stateValue: PNPresenceState | undefined;

  constructor(context: EndpointContext, options: SetStateOptions = {}) {
    super(context, options);
    this.stateValue = options.state;
  }

  /** The state, a JSON object; `{}` clears it. */
  state(state: PNPresenceState): this {
    this.stateValue = state;
    return this;
  }

  buildRequest(): RequestDescriptor {
    this.requireChannelsOrGroups();
    if (this.stateValue === undefined) throw new InvalidParameters('Missing state: pass .state({ … }).');
    if (!isRecord(this.stateValue)) throw new InvalidParameters('state must be a JSON object.');
    const path = this.channelPath(encodePath('uuid', this.context.config.userId, 'data'));
    const query: Array<readonly [string, string]> = [['state', JSON.stringify(this.stateValue)], ...channelGroupQuery(this.groupNames)];
    return { method: 'GET', path, query, idempotent: false };
  }

  /** `{"status":200,"message":"OK","payload":{…state},"service":"Presence"}` */
  parse(response: ParsedResponse, status: PNStatus): PNSetStateResult {
    const payload = presencePayload(response);
    if (!isRecord(payload)) throw new MalformedResponse('Expected the stored state in "payload".');
    return { state: payload, status };
  }
}
