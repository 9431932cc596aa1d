import Type from 'typebox';
import { manageGroupNeeds } from '../auth/authorize.ts';
import { badRequest } from '../errors.ts';
import { checkRegistryGroup, parseRegistryChannels } from '../groups/names.ts';
import { MAX_CHANNELS_PER_CHANGE } from '../groups/service.ts';
import type { Keyset } from '../model/keyset.ts';
import { answer, GroupChannelsAnswer, GroupsAnswer, RegistryWriteAnswer } from './answers.ts';
import { decodeSegment } from './channel-list.ts';
import { keysetOf, queryOf, type RoutePlugin } from './context.ts';
import { inOrder, needs, OPEN, SIGNED_WITH_SECRET_KEY } from './route-steps.ts';
import { CREDENTIAL_PARAMS, queryParam, SubKeyParam } from './schema.ts';
import { rawParamsOf, single, type QueryValues } from './url.ts';

const GROUPS_PATH = '/v1/channel-registration/sub-key/:subKey/channel-group';
const GROUP_PATH = '/v1/channel-registration/sub-key/:subKey/channel-group/:group';
const DELETE_PATH = '/v1/channel-registration/sub-key/:subKey/channel-group/:group/remove';

/** What PubNub's registry answers a write with (PY-VCR subscribe_cg_publish_unsubscribe.json). */
const WRITTEN = { error: false, message: 'OK', service: 'channel-registry', status: 200 } as const;

/** What a request to one group does: add or remove channels (`add=a,b`, `remove=a,b`), or list them (neither). */
type GroupCommand = { kind: 'add' | 'remove'; channels: string[] } | { kind: 'list' };

/** Validate step of `…/channel-group/{group}`: `add` or `remove` (not both), 1 to 200 channels. */
function groupCommand(query: QueryValues, maxIdLength: number): GroupCommand {
  const add = single(query, 'add');
  const remove = single(query, 'remove');
  if (add !== undefined && remove !== undefined) throw badRequest('remove', 'query', 'Give either add or remove, not both.');
  if (add === undefined && remove === undefined) return { kind: 'list' };
  const kind = add === undefined ? 'remove' : 'add';
  const text = add ?? remove ?? '';
  if (text === '') throw badRequest(kind, 'query', `Name at least one channel to ${kind}.`);
  return { kind, channels: parseRegistryChannels(text, kind, maxIdLength, MAX_CHANNELS_PER_CHANGE) };
}

const GroupParams = Type.Object({
  subKey: SubKeyParam,
  group: Type.String({ description: 'The channel group: 1 to 92 characters, no `,`, not ending in `-pnpres`, percent-encoded.' }),
});

const channelsParam = (verb: string) =>
  queryParam(`Channels to ${verb}: names joined by \`,\` (1 to ${MAX_CHANNELS_PER_CHANGE}), each by the channel-name rule; no wildcards.`);

const config = { service: 'channel-registry' } as const;

/** The route's group, from the path as sent, held to the registry's name rule. */
const groupOf = (raw: { group: string }, keyset: Keyset): string => checkRegistryGroup(decodeSegment(raw.group, 'group'), keyset.limits.maxIdLength);

/**
 * Channel groups' registry (PubNub's Stream Controller, `/v1/channel-registration/…`): add
 * channels to a group (`?add=a,b`, making it), remove them (`?remove=a,b`), list them (no
 * query), delete the group (`…/{group}/remove`) and list the keyset's groups
 * (`…/channel-group`). Writes answer `{"error":false,"message":"OK","service":"channel-registry","status":200}`;
 * refusals come in the registry's envelope (error-envelope.ts). Access Manager: manage on the
 * group; listing every group needs the secret key (a token cannot name the keyset).
 */
export const channelRegistrationRoutes: RoutePlugin = async (app, { context }) => {
  const groups = context.channelGroups;
  const groupParams = rawParamsOf(GROUP_PATH);
  const deleteParams = rawParamsOf(DELETE_PATH);

  app.get(
    GROUP_PATH,
    {
      schema: {
        summary: "Add channels to a channel group, remove them, or list the group's channels",
        params: GroupParams,
        querystring: Type.Object({ ...CREDENTIAL_PARAMS, add: channelsParam('add'), remove: channelsParam('remove') }),
        response: {
          200: answer(
            "Written (`add`, `remove`); the group's channels otherwise.",
            Type.Union([RegistryWriteAnswer, GroupChannelsAnswer], { description: 'A write, or a list.' }),
          ),
        },
      },
      config,
    },
    (request) =>
      inOrder(context, request, {
        parse() {
          const keyset = keysetOf(context, request.params);
          return { keyset, group: groupOf(groupParams(request), keyset) };
        },
        auth({ group }) {
          return needs(() => manageGroupNeeds(group));
        },
        validate({ keyset }) {
          return groupCommand(queryOf(request), keyset.limits.maxIdLength);
        },
        async run(command, { keyset, group }) {
          if (command.kind === 'add') await groups.add(keyset, group, command.channels);
          else if (command.kind === 'remove') await groups.remove(keyset, group, command.channels);
          else return { status: 200, payload: { channels: await groups.channels(keyset, group), group }, service: 'channel-registry', error: false };
          return WRITTEN;
        },
      }),
  );

  app.get(
    DELETE_PATH,
    {
      schema: {
        summary: 'Delete a channel group',
        params: GroupParams,
        querystring: Type.Object(CREDENTIAL_PARAMS),
        response: { 200: answer('Deleted (or there was no such group).', RegistryWriteAnswer) },
      },
      config,
    },
    (request) =>
      inOrder(context, request, {
        parse() {
          const keyset = keysetOf(context, request.params);
          return { keyset, group: groupOf(deleteParams(request), keyset) };
        },
        auth({ group }) {
          return needs(() => manageGroupNeeds(group));
        },
        validate(parsed) {
          return parsed;
        },
        async run({ keyset, group }) {
          await groups.delete(keyset, group);
          return WRITTEN;
        },
      }),
  );

  app.get(
    GROUPS_PATH,
    {
      schema: {
        summary: "List the keyset's channel groups",
        params: Type.Object({ subKey: SubKeyParam }),
        querystring: Type.Object(CREDENTIAL_PARAMS),
        response: { 200: answer('The groups, sorted by name.', GroupsAnswer) },
      },
      config,
    },
    (request) =>
      inOrder(context, request, {
        parse() {
          return { keyset: keysetOf(context, request.params) };
        },
        auth({ keyset }) {
          return keyset.accessManager ? SIGNED_WITH_SECRET_KEY : OPEN;
        },
        validate(parsed) {
          return parsed;
        },
        async run({ keyset }) {
          const names = await groups.groups(keyset);
          return { status: 200, payload: { groups: names, sub_key: keyset.subscribeKey }, service: 'channel-registry', error: false };
        },
      }),
  );
};
