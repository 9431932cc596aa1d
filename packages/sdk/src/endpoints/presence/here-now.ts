import { PNOperationType } from '../../models/operation.ts';
import type { PNHereNowChannelData, PNHereNowOccupantData } from '../../models/presence.ts';
import type { PNHereNowResult } from '../../models/results.ts';
import type { PNStatus } from '../../models/status.ts';
import { isRecord } from '../../transport/json.ts';
import type { RequestDescriptor } from '../../transport/request.ts';
import type { EndpointContext } from '../endpoint.ts';
import { InvalidParameters, MalformedResponse, type ParsedResponse } from '../execute.ts';
import { channelGroupQuery } from '../shared/channels.ts';
import { envelope } from '../shared/parse.ts';
import { PresenceChannelsEndpoint, type PresenceChannelsOptions } from './channels-endpoint.ts';

/** PubNub's most (and, as its SDKs send, default) occupants per channel in one answer. */
export const MAX_HERE_NOW_LIMIT = 1000;

export interface HereNowOptions extends PresenceChannelsOptions {
  /**
   * Give each occupant's presence state.
   * @default false
   */
  includeState?: boolean;
  /**
   * List the occupants; `false` gives occupancy counts only.
   * @default true
   */
  includeUUIDs?: boolean;
  /**
   * Occupants listed per channel, 1 to 1000.
   * @default 1000
   */
  limit?: number;
  /**
   * Occupants to skip per channel (they are listed in a stable order), for the next page.
   * @default 0
   */
  offset?: number;
}

/**
 * `hereNow`: who is present on channels (and on the channels of channel groups), and how many.
 * Sends `GET /v2/presence/sub-key/{sub}/channel/{a,b}?limit=[&offset][&channel-group=][&state=1][&disable_uuids=1]`
 * (the channel path is `,` when only groups are given).
 * @example const { result } = await client.hereNow().channels(['room']).includeState(true).sync();
 * result.channels['room']?.occupants; // [{ uuid: 'ann', state: { mood: 'busy' } }]
 */
export class HereNow extends PresenceChannelsEndpoint<PNHereNowResult> {
  readonly operation = PNOperationType.PNHereNowOperation;
  private readonly options: Omit<HereNowOptions, 'channels' | 'channelGroups'>;

  constructor(context: EndpointContext, options: HereNowOptions = {}) {
    super(context, options);
    const { channels: _channels, channelGroups: _groups, ...rest } = options;
    this.options = rest;
  }

  /** Give each occupant's presence state (default `false`). */
  includeState(include: boolean): this {
    this.options.includeState = include;
    return this;
  }

  /** List the occupants (default `true`); `false` gives counts only. */
  includeUUIDs(include: boolean): this {
    this.options.includeUUIDs = include;
    return this;
  }

  /** Occupants listed per channel, 1 to 1000 (default 1000). */
  limit(limit: number): this {
    this.options.limit = limit;
    return this;
  }

  /** Occupants to skip per channel. */
  offset(offset: number): this {
    this.options.offset = offset;
    return this;
  }

  buildRequest(): RequestDescriptor {
    const { includeState = false, includeUUIDs = true, limit = MAX_HERE_NOW_LIMIT, offset = 0 } = this.options;
    this.requireChannelsOrGroups();
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_HERE_NOW_LIMIT) {
      throw new InvalidParameters(`limit must be a whole number from 1 to ${MAX_HERE_NOW_LIMIT}; got ${limit}.`);
    }
    if (!Number.isInteger(offset) || offset < 0) throw new InvalidParameters(`offset must be a whole number, 0 or more; got ${offset}.`);
    const query: Array<readonly [string, string]> = [['limit', String(limit)]];
    if (offset > 0) query.push(['offset', String(offset)]);
    if (!includeUUIDs) query.push(['disable_uuids', '1']);
    if (includeState) query.push(['state', '1']);
    query.push(...channelGroupQuery(this.groupNames));
    const path = this.channelPath();
    return { method: 'GET', path, query, idempotent: true };
  }

  /**
   * One channel: `{"status":200,"service":"Presence","uuids":[…],"occupancy":n}`; several or
   * groups: `{"payload":{"channels":{"ch":{"uuids":[…],"occupancy":n}},"total_channels":n,"total_occupancy":n}}`.
   * `uuids` holds ids, or `{uuid,state}` objects with `state=1`.
   */
  parse(response: ParsedResponse, status: PNStatus): PNHereNowResult {
    const body = envelope(response);
    const listed = this.options.includeUUIDs !== false;
    if (typeof body['occupancy'] === 'number') {
      const name = this.channelNames[0];
      if (name === undefined) throw new MalformedResponse('A single-channel here-now answer to a request for groups only.');
      const channel = channelData(name, body, listed);
      return { totalChannels: 1, totalOccupancy: channel.occupancy, channels: { [name]: channel }, status };
    }
    const payload = body['payload'];
    if (!isRecord(payload) || !isRecord(payload['channels'])) throw new MalformedResponse('Expected "occupancy", or "payload" with "channels".');
    const channels: Record<string, PNHereNowChannelData> = {};
    for (const [name, entry] of Object.entries(payload['channels'])) {
      if (!isRecord(entry)) throw new MalformedResponse(`Expected an object for channel "${name}".`);
      channels[name] = channelData(name, entry, listed);
    }
    const all = Object.values(channels);
    const { total_channels: totalChannels, total_occupancy: totalOccupancy } = payload;
    return {
      totalChannels: typeof totalChannels === 'number' ? totalChannels : all.length,
      totalOccupancy: typeof totalOccupancy === 'number' ? totalOccupancy : all.reduce((sum, channel) => sum + channel.occupancy, 0),
      channels,
      status,
    };
  }
}

/** `{"uuids":[…],"occupancy":n}` as channel data. */
function channelData(channelName: string, entry: Record<string, unknown>, listed: boolean): PNHereNowChannelData {
  const { occupancy, uuids } = entry;
  if (typeof occupancy !== 'number') throw new MalformedResponse(`Expected a number "occupancy" for channel "${channelName}".`);
  const occupants = listed && Array.isArray(uuids) ? uuids.map(occupantOf) : [];
  return { channelName, occupancy, occupants };
}

/** `"ann"` or `{"uuid":"ann","state":{…}}`. */
function occupantOf(entry: unknown): PNHereNowOccupantData {
  if (typeof entry === 'string') return { uuid: entry, state: null };
  if (isRecord(entry) && typeof entry['uuid'] === 'string') return { uuid: entry['uuid'], state: isRecord(entry['state']) ? entry['state'] : null };
  throw new MalformedResponse('An occupant is neither a uuid nor {uuid, state}.');
}
