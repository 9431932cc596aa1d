import { isPubNubException, PNOperationType, type PNErrorDetail, type PNStatus } from '@roster/sdk';

/**
 * What went wrong, in words for the operator: the server's message and each field it named; a
 * 403 says which permission the credentials lack (Access Manager), a 412 that the record changed.
 */
export function describeError(error: unknown): string {
  if (!isPubNubException(error)) return error instanceof Error ? error.message : String(error);
  return describeStatus(error.status);
}

export function describeStatus(status: PNStatus): string {
  if (status.statusCode === 403) return describeRefusal(status);
  const data = status.errorData;
  const information = data?.information ?? `HTTP ${status.statusCode}`;
  // A detail that only repeats the summary adds nothing.
  const details = (data?.details ?? []).filter((detail) => !information.includes(detail.message)).map(describeDetail);
  const summary = [information, ...details].join(' — ');
  if (status.statusCode === 0) return `The node did not answer: ${summary}`;
  if (status.statusCode === 412) return `Changed elsewhere since it was loaded: ${summary}`;
  return summary;
}

/** The HTTP status of a failed SDK call, or 0. */
export const statusCodeOf = (error: unknown): number => (isPubNubException(error) ? error.statusCode : 0);

/**
 * Whether a 403 is Access Manager refusing a permission (the keyset and credentials are fine,
 * they just do not reach this far), rather than credentials the keyset does not accept.
 */
export function isPermissionRefusal(error: unknown): boolean {
  if (!isPubNubException(error) || error.statusCode !== 403) return false;
  const data = error.status.errorData;
  return permissionsNamed(data?.details ?? []).length > 0 || payloadNames(data?.body).length > 0 || isListingRefusal(data?.details ?? []);
}

const describeDetail = (detail: PNErrorDetail): string => (detail.location ? `${detail.location}: ${detail.message}` : detail.message);

/** The server's words for a missing permission (auth/authorize.ts `permissionRefusal`). */
const MISSING = /^Missing (\w+) permission on ([\w-]+) '(.*)'$/s;

/** `needs update on uuid alice`, for each detail naming a missing permission. */
function permissionsNamed(details: readonly PNErrorDetail[]): string[] {
  return details.flatMap((detail) => {
    const match = MISSING.exec(detail.message);
    return match ? [`needs ${match[1]} on ${match[2]} ${match[3]}`] : [];
  });
}

const isListingRefusal = (details: readonly PNErrorDetail[]): boolean => details.some((detail) => /^Listing all \w+ is disallowed/.test(detail.message));

/**
 * The resources of a refusal from an endpoint whose envelope has no details (subscribe,
 * presence): `payload` lists them by kind (`channels`, `channel-groups`, `uuids`).
 */
function payloadNames(body: unknown): string[] {
  const payload = typeof body === 'object' && body !== null ? (body as { payload?: unknown }).payload : undefined;
  if (typeof payload !== 'object' || payload === null) return [];
  return Object.entries(payload).flatMap(([kind, names]) => (Array.isArray(names) ? names.map((name) => `${KIND_WORDS[kind] ?? kind} ${String(name)}`) : []));
}

const KIND_WORDS: Record<string, string> = { channels: 'channel', 'channel-groups': 'channel group', uuids: 'uuid' };

/** What each credential problem means to the operator, by the field the server named. */
const CREDENTIAL_PROBLEMS: Record<string, string> = {
  signature: 'the secret key or the publish key does not belong to this keyset (the request signature does not match)',
  timestamp: "this computer's clock is more than 60 seconds off the node's, so signed requests are refused",
  auth: 'the Access Manager token was refused',
  uuid: 'the Access Manager token is authorized for another user id',
};

function describeRefusal(status: PNStatus): string {
  const data = status.errorData;
  const details = data?.details ?? [];
  const missing = permissionsNamed(details);
  if (missing.length > 0) return `Permission missing: ${missing.join('; ')}`;
  const names = payloadNames(data?.body);
  if (names.length > 0) {
    // Subscribe and presence refusals name the resources only; what they need there is read.
    const permission = status.operation === PNOperationType.PNSubscribeOperation ? 'read' : 'access';
    return `Permission missing: needs ${permission} on ${names.join(', ')}`;
  }
  if (isListingRefusal(details))
    return `Permission missing: ${details.map((detail) => detail.message).join('; ')}; only requests signed with the secret key may list them`;
  const problem = details.map((detail) => (detail.location ? CREDENTIAL_PROBLEMS[detail.location] : undefined)).find((text) => text !== undefined);
  const words = [data?.information ?? 'HTTP 403', ...details.map((detail) => detail.message)].join(' — ');
  return problem ? `Refused: ${problem}. ${words}` : `Refused: ${words}`;
}
