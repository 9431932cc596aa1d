import type { JSX } from 'preact';
import { useState } from 'preact/hooks';
import { describeAdminError, listKeysets } from '../admin.ts';
import { ErrorAlert, SubmitBar, useAction } from '../components/form-parts.tsx';
import { setAdminSecret, useSession } from '../session.ts';

/**
 * Sign in with the node's admin secret (`--admin-secret`), checked by listing the keysets before
 * it is kept (in memory only), or sign out of admin.
 */
export function AdminSignIn(): JSX.Element {
  const { adminSecret } = useSession();
  const [secret, setSecret] = useState('');
  const signIn = useAction(describeAdminError);

  if (adminSecret !== undefined) {
    return (
      <section aria-labelledby="admin-heading">
        <h2 id="admin-heading">Admin</h2>
        <p>
          Signed in as admin: <a href="#/keysets">manage keysets</a>.{' '}
          <button type="button" class="secondary" onClick={() => setAdminSecret(undefined)}>
            Sign out of admin
          </button>
        </p>
      </section>
    );
  }

  const submit = (event: Event) => {
    event.preventDefault();
    return signIn.run(async () => {
      await listKeysets(secret);
      setSecret('');
      setAdminSecret(secret);
    });
  };

  return (
    <section aria-labelledby="admin-heading">
      <h2 id="admin-heading">Admin sign-in</h2>
      <form onSubmit={submit}>
        <p class="hint" id="admin-hint">
          The admin secret from the node's configuration lets you list, create and change keysets. It is kept in this tab's memory only.
        </p>
        <label for="admin-secret">Admin secret</label>
        <input
          id="admin-secret"
          type="password"
          autocomplete="off"
          required
          aria-describedby="admin-hint"
          value={secret}
          onInput={(event) => setSecret(event.currentTarget.value)}
        />
        <SubmitBar label="Sign in as admin" busy={signIn.busy} />
        <ErrorAlert message={signIn.error} />
      </form>
    </section>
  );
}
