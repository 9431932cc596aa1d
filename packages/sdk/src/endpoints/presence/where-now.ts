import { encodePath } from '@roster/protocol';
import { PNOperationType } from '../../models/operation.ts';
import type { PNWhereNowResult } from '../../models/results.ts';
import type { PNStatus } from '../../models/status.ts';
import { isRecord } from '../../transport/json.ts';
import type { RequestDescriptor } from '../../transport/request.ts';
import { Endpoint, type EndpointContext } from '../endpoint.ts';
import { InvalidParameters, MalformedResponse, type ParsedResponse } from '../execute.ts';
import { presencePath, presencePayload } from './presence-paths.ts';

export interface WhereNowOptions {
  /** The user; by default the configured `userId`. */
  uuid?: string;
}

/**
 * `whereNow`: the channels a user is present on. Sends `GET /v2/presence/sub-key/{sub}/uuid/{uuid}`.
 * @example const { result } = await client.whereNow().uuid('ann').sync(); result.channels; // ['room']
 */
export class WhereNow extends Endpoint<PNWhereNowResult> {
  readonly operation = PNOperationType.PNWhereNowOperation;
  private user: string | undefined;

  constructor(context: EndpointContext, options: WhereNowOptions = {}) {
    super(context);
    this.user = options.uuid;
  }

  /** The user; by default the configured one. */
  uuid(uuid: string): this {
    this.user = uuid;
    return this;
  }

  buildRequest(): RequestDescriptor {
    const uuid = this.user ?? this.context.config.userId;
    if (uuid === '') throw new InvalidParameters('The uuid is empty.');
    return { method: 'GET', path: presencePath(this.context.config.subscribeKey, encodePath('uuid', uuid)), query: [], idempotent: true };
  }

  /** `{"status":200,"message":"OK","payload":{"channels":[…]},"service":"Presence"}` */
  parse(response: ParsedResponse, status: PNStatus): PNWhereNowResult {
    const payload = presencePayload(response);
    // PubNub leaves `payload` out for a user who is nowhere.
    if (payload === undefined) return { channels: [], status };
    const channels = isRecord(payload) ? payload['channels'] : undefined;
    if (!Array.isArray(channels) || !channels.every((channel) => typeof channel === 'string')) {
      throw new MalformedResponse('Expected "payload.channels" to be a list of channel names.');
    }
    return { channels: channels as string[], status };
  }
}
