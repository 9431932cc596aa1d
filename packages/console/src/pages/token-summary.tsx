import { parseToken, type PNPermissions, type PNToken, type PNTokenResources } from '@roster/sdk';
import type { JSX } from 'preact';
import { formatDate } from '../dates.ts';

const KINDS: readonly [keyof PNTokenResources, string][] = [
  ['uuids', 'uuid'],
  ['channels', 'channel'],
  ['groups', 'channel group'],
];

interface Grant {
  kind: string;
  name: string;
  pattern: boolean;
  permissions: string;
}

/** What an Access Manager token grants, read (not verified) with the SDK's `parseToken`. */
export function TokenSummary(props: { token: string }): JSX.Element {
  let token: PNToken;
  try {
    token = parseToken(props.token);
  } catch {
    return (
      <p class="error" id="token-summary">
        This is not an Access Manager token (expected URL-safe base64 of a version 2 token).
      </p>
    );
  }
  const grants = [...grantsOf(token.resources, false), ...grantsOf(token.patterns, true)];
  const expires = new Date((token.timestamp + token.ttl * 60) * 1000);
  return (
    <section aria-labelledby="token-heading" id="token-summary">
      <h2 id="token-heading">What this token grants</h2>
      <p>
        {token.authorizedUuid === undefined ? (
          'For any user id.'
        ) : (
          <>
            Only for user id <code>{token.authorizedUuid}</code> (the console acts as that user).
          </>
        )}{' '}
        {expires.getTime() <= Date.now() ? <strong class="error">Expired on {formatDate(expires)}.</strong> : <>Valid until {formatDate(expires)}.</>}
      </p>
      {grants.length === 0 ? (
        <p>No resources.</p>
      ) : (
        <div class="table-wrap" role="region" aria-labelledby="token-heading" tabIndex={0}>
          <table>
            <thead>
              <tr>
                <th scope="col">Kind</th>
                <th scope="col">Resource</th>
                <th scope="col">Permissions</th>
              </tr>
            </thead>
            <tbody>
              {grants.map((grant) => (
                <tr key={`${grant.kind}/${String(grant.pattern)}/${grant.name}`}>
                  <td>{grant.kind}</td>
                  <td>
                    <code>{grant.name}</code>
                    {grant.pattern && ' (pattern)'}
                  </td>
                  <td>{grant.permissions}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

function grantsOf(resources: PNTokenResources, pattern: boolean): Grant[] {
  return KINDS.flatMap(([key, kind]) =>
    Object.entries(resources[key] ?? {}).map(([name, permissions]) => ({ kind, name, pattern, permissions: permissionWords(permissions) })),
  );
}

function permissionWords(permissions: PNPermissions): string {
  const granted = Object.entries(permissions)
    .filter(([, allowed]) => allowed === true)
    .map(([name]) => name);
  return granted.length > 0 ? granted.join(', ') : 'none';
}
