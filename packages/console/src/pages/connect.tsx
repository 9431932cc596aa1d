import type { JSX, TargetedInputEvent } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { describeAdminError, listKeysets, type KeysetView } from '../admin.ts';
import { ErrorAlert, SubmitBar } from '../components/form-parts.tsx';
import { describeError, isPermissionRefusal } from '../errors.ts';
import { href, navigate } from '../router.ts';
import { connect, createClient, setNotice, useSession, type Connection } from '../session.ts';
import { AdminSignIn } from './admin-sign-in.tsx';
import { TokenSummary } from './token-summary.tsx';

type Credential = 'none' | 'secret' | 'token';

/**
 * Checks `connection` with one cheap call (a page of one user) and, unless the node refuses the
 * keyset or the credentials, makes it the console's keyset and opens its users. A refused
 * permission still connects (the keyset and credentials are good), saying what is missing.
 * Resolves the reason it did not connect, or undefined.
 */
export async function openKeyset(connection: Connection): Promise<string | undefined> {
  const client = createClient(connection);
  let missing: string | undefined;
  try {
    await client.getAllUUIDMetadata({ limit: 1 }).sync();
  } catch (error) {
    if (!isPermissionRefusal(error)) return describeError(error);
    missing = describeError(error);
  } finally {
    client.destroy();
  }
  connect(connection);
  if (missing !== undefined) setNotice(`Connected to keyset ${connection.subscribeKey}, but: ${missing}`);
  navigate(href('users'));
  return undefined;
}

/** `#/`: pick a keyset (subscribe key, optional publish key, a credential), or one the node stores when signed in as admin. */
export function ConnectPage(): JSX.Element {
  const { session, adminSecret } = useSession();
  return (
    <>
      <h1>Connect to a keyset</h1>
      {session && (
        <p>
          Connected to <code>{session.subscribeKey}</code>. Connecting again replaces that connection.
        </p>
      )}
      <ConnectForm initialKey={session?.subscribeKey ?? ''} />
      {adminSecret !== undefined && <StoredKeysets />}
      <AdminSignIn />
    </>
  );
}

function ConnectForm(props: { initialKey: string }): JSX.Element {
  const [subscribeKey, setSubscribeKey] = useState(props.initialKey);
  const [publishKey, setPublishKey] = useState('');
  const [credential, setCredential] = useState<Credential>('none');
  const [secret, setSecret] = useState('');
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);

  const submit = async (event: Event) => {
    event.preventDefault();
    const connection: Connection = { subscribeKey: subscribeKey.trim() };
    if (publishKey.trim() !== '') connection.publishKey = publishKey.trim();
    if (credential === 'secret' && connection.publishKey === undefined) {
      return setError("Signing with the secret key needs the keyset's publish key too: every signature covers it.");
    }
    if (credential === 'secret') connection.secretKey = secret;
    if (credential === 'token') connection.token = secret.trim();
    setBusy(true);
    setError(await openKeyset(connection));
    setBusy(false);
  };

  return (
    <form onSubmit={submit}>
      <label for="subscribe-key">Subscribe key</label>
      <KeyInput id="subscribe-key" required value={subscribeKey} onChange={setSubscribeKey} />
      <label for="publish-key">Publish key (optional)</label>
      <KeyInput id="publish-key" value={publishKey} onChange={setPublishKey} />
      <label for="credential">Credential</label>
      <select
        id="credential"
        aria-describedby="credential-hint"
        value={credential}
        onChange={(event) => {
          setCredential(event.currentTarget.value as Credential);
          setSecret('');
        }}
      >
        <option value="none">None</option>
        <option value="secret">Secret key</option>
        <option value="token">Access Manager token</option>
      </select>
      <p class="hint" id="credential-hint">
        A keyset with Access Manager on needs its secret key (full access; requests are signed with it, never sent) or a token. Either is kept in this tab's
        memory only.
      </p>
      {credential !== 'none' && (
        <>
          <label for="credential-value">{credential === 'secret' ? 'Secret key' : 'Access Manager token'}</label>
          <KeyInput id="credential-value" secret required value={secret} onChange={setSecret} />
        </>
      )}
      <SubmitBar label="Connect" busy={busy} />
      <ErrorAlert message={error} />
      {credential === 'token' && secret.trim() !== '' && <TokenSummary token={secret.trim()} />}
    </form>
  );
}

/** A box for a key or a credential: no autofill, no spell check; `secret` masks what is typed. */
function KeyInput(props: { id: string; value: string; onChange: (value: string) => void; required?: boolean; secret?: boolean }): JSX.Element {
  const attributes = {
    id: props.id,
    required: props.required === true,
    autocomplete: 'off',
    spellcheck: false,
    value: props.value,
    onInput: (event: TargetedInputEvent<HTMLInputElement>) => props.onChange(event.currentTarget.value),
  };
  return props.secret === true ? <input type="password" {...attributes} /> : <input {...attributes} />;
}

/** The node's keysets, for an operator signed in as admin: one click connects with the keyset's own keys. */
function StoredKeysets(): JSX.Element {
  const [keysets, setKeysets] = useState<KeysetView[]>();
  const [error, setError] = useState<string>();
  useEffect(() => {
    listKeysets().then(setKeysets, (caught: unknown) => setError(describeAdminError(caught)));
  }, []);

  const open = async (keyset: KeysetView) => {
    setError(await openKeyset(connectionOf(keyset)));
  };

  return (
    <section aria-labelledby="stored-heading">
      <h2 id="stored-heading">Keysets on this node</h2>
      <ErrorAlert message={error} />
      {keysets === undefined && !error && <p>Loading…</p>}
      {keysets?.length === 0 && <p>None yet: create one under Keysets.</p>}
      <ul class="keyset-picks">
        {keysets?.map((keyset) => (
          <li key={keyset.subscribeKey}>
            <button type="button" class="secondary" onClick={() => void open(keyset)}>
              {keyset.name ?? keyset.subscribeKey}
            </button>{' '}
            <code>{keyset.subscribeKey}</code> {keyset.accessManager && <span class="hint">Access Manager on</span>}
          </li>
        ))}
      </ul>
    </section>
  );
}

/** A stored keyset's keys as a connection: its secret key signs every request. */
export function connectionOf(keyset: KeysetView): Connection {
  return {
    subscribeKey: keyset.subscribeKey,
    publishKey: keyset.publishKey,
    ...(keyset.secretKey !== undefined && { secretKey: keyset.secretKey }),
  };
}
