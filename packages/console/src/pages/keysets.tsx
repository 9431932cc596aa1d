import type { JSX } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { createKeyset, describeAdminError, getKeyset, listKeysets, type KeysetView } from '../admin.ts';
import { ErrorAlert, SubmitBar, useAction } from '../components/form-parts.tsx';
import { href, navigate, type Route } from '../router.ts';
import { useSession } from '../session.ts';
import { AdminSignIn } from './admin-sign-in.tsx';
import { connectionOf, openKeyset } from './connect.tsx';
import { KeysetDetail } from './keyset-detail.tsx';

/**
 * `#/keysets`: the node's keysets, and a new one; `#/keysets/{subscribeKey}`: one keyset's keys
 * and settings. Only for an operator signed in with the admin secret.
 */
export function KeysetsPage(props: { route: Route }): JSX.Element {
  const { adminSecret } = useSession();
  const subscribeKey = props.route.segments[1];
  if (adminSecret === undefined) {
    return (
      <>
        <h1>Keysets</h1>
        <p>Listing, creating and changing keysets needs the admin secret from the node's configuration.</p>
        <AdminSignIn />
      </>
    );
  }
  return subscribeKey === undefined ? <KeysetList /> : <LoadedKeyset key={subscribeKey} subscribeKey={subscribeKey} />;
}

function KeysetList(): JSX.Element {
  const [keysets, setKeysets] = useState<KeysetView[]>();
  const [error, setError] = useState<string>();
  const [created, setCreated] = useState<KeysetView>();
  const load = () => listKeysets().then(setKeysets, (caught: unknown) => setError(describeAdminError(caught)));
  useEffect(() => void load(), []);

  const open = async (keyset: KeysetView) => setError(await openKeyset(connectionOf(keyset)));

  return (
    <>
      <h1>Keysets</h1>
      <CreateKeyset
        onCreated={(keyset) => {
          setCreated(keyset);
          void load();
        }}
      />
      <div role="status">
        {created && (
          <p class="ok">
            Created keyset {created.name ?? ''} with subscribe key <code>{created.subscribeKey}</code>.
          </p>
        )}
      </div>
      <h2>On this node</h2>
      <ErrorAlert message={error} />
      {keysets === undefined && !error && <p>Loading…</p>}
      {keysets && (
        <div class="table-wrap" role="region" aria-labelledby="keysets-caption" tabIndex={0}>
          <table>
            <caption id="keysets-caption">
              Keysets <span class="hint">(those from the config file are seeded from it; those made here live in the database only)</span>
            </caption>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Subscribe key</th>
                <th scope="col">Publish key</th>
                <th scope="col">Access Manager</th>
                <th scope="col">Source</th>
                <th scope="col">Actions</th>
              </tr>
            </thead>
            <tbody>
              {keysets.map((keyset) => (
                <tr key={keyset.subscribeKey} data-subscribe-key={keyset.subscribeKey}>
                  <td>{keyset.name ?? <span class="hint">(no name)</span>}</td>
                  <td>
                    <code>{keyset.subscribeKey}</code>
                  </td>
                  <td>
                    <code>{keyset.publishKey}</code>
                  </td>
                  <td>{keyset.accessManager ? 'on' : 'off'}</td>
                  <td>{keyset.source}</td>
                  <td>
                    <div class="toolbar">
                      <a href={href('keysets', keyset.subscribeKey)} aria-label={`Manage ${keyset.name ?? keyset.subscribeKey}`}>
                        Manage
                      </a>
                      <button type="button" class="secondary" aria-label={`Open ${keyset.name ?? keyset.subscribeKey}`} onClick={() => void open(keyset)}>
                        Open
                      </button>
                    </div>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </>
  );
}

function CreateKeyset(props: { onCreated: (keyset: KeysetView) => void }): JSX.Element {
  const [name, setName] = useState('');
  const [accessManager, setAccessManager] = useState(true);
  const create = useAction(describeAdminError);

  const submit = (event: Event) => {
    event.preventDefault();
    return create.run(async () => {
      const keyset = await createKeyset({ ...(name.trim() !== '' && { name: name.trim() }), accessManager });
      setName('');
      props.onCreated(keyset);
    });
  };

  return (
    <form onSubmit={submit} aria-labelledby="create-heading">
      <h2 id="create-heading">Create keyset</h2>
      <p class="hint">The node makes fresh publish, subscribe and secret keys.</p>
      <label for="new-keyset-name">Name</label>
      <input id="new-keyset-name" autocomplete="off" value={name} onInput={(event) => setName(event.currentTarget.value)} />
      <label>
        <input type="checkbox" checked={accessManager} onChange={(event) => setAccessManager(event.currentTarget.checked)} /> Access Manager
      </label>
      <SubmitBar label="Create keyset" busy={create.busy} />
      <ErrorAlert message={create.error} />
    </form>
  );
}

function LoadedKeyset(props: { subscribeKey: string }): JSX.Element {
  const [keyset, setKeyset] = useState<KeysetView>();
  const [error, setError] = useState<string>();
  useEffect(() => {
    getKeyset(props.subscribeKey).then(setKeyset, (caught: unknown) => setError(describeAdminError(caught)));
  }, [props.subscribeKey]);
  if (keyset) return <KeysetDetail keyset={keyset} onChange={setKeyset} />;
  return (
    <>
      <p>
        <a href={href('keysets')}>All keysets</a>
      </p>
      <h1>
        Keyset <code>{props.subscribeKey}</code>
      </h1>
      {error ? (
        <>
          <ErrorAlert message={error} />
          <button type="button" class="secondary" onClick={() => navigate(href('keysets'))}>
            Back to all keysets
          </button>
        </>
      ) : (
        <p>Loading…</p>
      )}
    </>
  );
}
