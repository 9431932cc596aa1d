import type { JSX } from 'preact';
import { useRef, useState } from 'preact/hooks';
import { AdminError, describeAdminError, getKeyset, KEYSET_FLAGS, rotateSecret, updateKeyset, type KeysetSettings, type KeysetView } from '../admin.ts';
import { ErrorAlert, SubmitBar, useAction } from '../components/form-parts.tsx';
import { formatDate } from '../dates.ts';
import { href } from '../router.ts';
import { connect, currentSession } from '../session.ts';
import { connectionOf, openKeyset } from './connect.tsx';

const FLAG_LABELS: Record<string, string> = {
  accessManager: 'Access Manager (requests need a token or the secret key)',
  referentialIntegrity: 'Referential integrity (memberships need both ends to exist)',
  disallowGetAllUuids: 'Disallow listing all users (unless signed with the secret key)',
  disallowGetAllChannels: 'Disallow listing all channels (unless signed with the secret key)',
  userEvents: 'User events',
  channelEvents: 'Channel events',
  membershipEvents: 'Membership events',
  userEventsToMemberChannels: "User events also on the user's channels",
  presenceDeltas: 'Presence deltas (interval events list who joined and left)',
};

/** `maxIdLength` → `Max id length`. */
const words = (name: string): string => {
  const spaced = name.replace(/([A-Z])/g, ' $1').toLowerCase();
  return spaced.charAt(0).toUpperCase() + spaced.slice(1);
};

/** One keyset: its keys (the secret masked), open it, rotate its secret, change its settings. */
export function KeysetDetail(props: { keyset: KeysetView; onChange: (keyset: KeysetView) => void }): JSX.Element {
  const { keyset } = props;
  const [status, setStatus] = useState<string>();
  const [error, setError] = useState<string>();
  const title = keyset.name ?? keyset.subscribeKey;

  const rotated = (next: KeysetView) => {
    props.onChange(next);
    const session = currentSession();
    // The console's own connection signs with the old secret: carry it over to the new one.
    if (session?.subscribeKey === keyset.subscribeKey && session.secretKey !== undefined && next.secretKey !== undefined) {
      connect(connectionOf(next));
      setStatus('Secret rotated. The console now signs with the new secret key; the old one is refused.');
    } else {
      setStatus('Secret rotated. The old secret key is refused from now on.');
    }
  };

  return (
    <>
      <p>
        <a href={href('keysets')}>All keysets</a>
      </p>
      <h1>Keyset {title}</h1>
      <dl class="keys">
        <dt>Subscribe key</dt>
        <dd>
          <code>{keyset.subscribeKey}</code>
        </dd>
        <dt>Publish key</dt>
        <dd>
          <code>{keyset.publishKey}</code>
        </dd>
        <dt>Secret key</dt>
        <dd>{keyset.secretKey === undefined ? 'none' : <SecretKey secret={keyset.secretKey} onCopied={setStatus} />}</dd>
        <dt>Source</dt>
        <dd>{keyset.source === 'config' ? "the node's config file" : 'created in the console'}</dd>
        <dt>Updated</dt>
        <dd>
          <time dateTime={keyset.updated}>{formatDate(keyset.updated)}</time>
        </dd>
      </dl>
      <div class="toolbar">
        <button type="button" onClick={() => void openKeyset(connectionOf(keyset)).then(setError)}>
          Open
        </button>
        <RotateSecret keyset={keyset} onRotated={rotated} onError={setError} />
      </div>
      <div role="status">{status && <p class="ok">{status}</p>}</div>
      <ErrorAlert message={error} />
      <SettingsForm
        key={keyset.version}
        keyset={keyset}
        onSaved={(next) => {
          props.onChange(next);
          setStatus('Settings saved.');
        }}
        onReloaded={props.onChange}
      />
    </>
  );
}

function SecretKey(props: { secret: string; onCopied: (message: string) => void }): JSX.Element {
  const [shown, setShown] = useState(false);
  const copy = () =>
    // `navigator.clipboard` exists on https and localhost only: elsewhere this refuses, and says so.
    Promise.resolve()
      .then(() => navigator.clipboard.writeText(props.secret))
      .then(
        () => props.onCopied('Secret key copied to the clipboard.'),
        () => props.onCopied('The browser refused the clipboard: press Show and copy the secret key by hand.'),
      );
  return (
    <>
      <code id="secret-key">{shown ? props.secret : '•'.repeat(16)}</code>{' '}
      <button type="button" class="secondary" aria-pressed={shown} aria-controls="secret-key" onClick={() => setShown(!shown)}>
        Show
      </button>{' '}
      <button type="button" class="secondary" onClick={() => void copy()}>
        Copy
      </button>
    </>
  );
}

function RotateSecret(props: { keyset: KeysetView; onRotated: (keyset: KeysetView) => void; onError: (message: string) => void }): JSX.Element {
  const dialog = useRef<HTMLDialogElement>(null);
  const [busy, setBusy] = useState(false);
  const confirm = async () => {
    setBusy(true);
    try {
      props.onRotated(await rotateSecret(props.keyset.subscribeKey, props.keyset.version));
    } catch (caught) {
      props.onError(describeAdminError(caught));
    } finally {
      setBusy(false);
      dialog.current?.close();
    }
  };
  return (
    <>
      <button type="button" class="danger" onClick={() => dialog.current?.showModal()}>
        Rotate secret
      </button>
      <dialog ref={dialog} aria-labelledby="rotate-heading" aria-describedby="rotate-text">
        <h2 id="rotate-heading">Rotate the secret key?</h2>
        <p id="rotate-text">
          Keyset <code>{props.keyset.subscribeKey}</code> gets a new secret key. Servers signing with the old one, and tokens granted with it, are refused from
          now on.
        </p>
        <div class="toolbar">
          <button type="button" class="danger" disabled={busy} onClick={() => void confirm()}>
            Rotate
          </button>
          <button type="button" class="secondary" onClick={() => dialog.current?.close()}>
            Cancel
          </button>
        </div>
      </dialog>
    </>
  );
}

/**
 * The settings the form edits, by type: switches (the known ones first, then any other the node
 * reports), numbers (retention, presence, …) and the limits.
 */
function editableSettings(keyset: KeysetView): { flags: string[]; top: string[]; limits: string[] } {
  const others = Object.keys(keyset).filter((name) => typeof keyset[name] === 'boolean' && !(KEYSET_FLAGS as readonly string[]).includes(name));
  const top = Object.keys(keyset).filter((name) => name !== 'version' && typeof keyset[name] === 'number');
  return { flags: [...KEYSET_FLAGS, ...others], top, limits: Object.keys(keyset.limits) };
}

/** The settings, as a form; a new `keyset.version` (saved, reloaded) needs a fresh form (`key`). */
function SettingsForm(props: { keyset: KeysetView; onSaved: (keyset: KeysetView) => void; onReloaded: (keyset: KeysetView) => void }): JSX.Element {
  const { keyset } = props;
  const editable = editableSettings(keyset);
  const [name, setName] = useState(keyset.name ?? '');
  const [flags, setFlags] = useState(() => Object.fromEntries(editable.flags.map((flag) => [flag, keyset[flag] === true])));
  const [numbers, setNumbers] = useState(() => Object.fromEntries(editable.top.map((field) => [field, String(keyset[field])])));
  const [limits, setLimits] = useState(() => Object.fromEntries(editable.limits.map((field) => [field, String(keyset.limits[field])])));
  const [conflict, setConflict] = useState(false);
  const save = useAction(describeAdminError);

  const submit = (event: Event) => {
    event.preventDefault();
    const changes = changedSettings(keyset, name, flags, numbers, limits);
    if (typeof changes === 'string') return save.setError(changes);
    if (Object.keys(changes).length === 0) return save.setError('Nothing changed.');
    return save.run(async () => {
      try {
        props.onSaved(await updateKeyset(keyset.subscribeKey, changes, keyset.version));
      } catch (caught) {
        setConflict(caught instanceof AdminError && caught.status === 412);
        throw caught;
      }
    });
  };
  const reload = () => getKeyset(keyset.subscribeKey).then(props.onReloaded, (caught: unknown) => save.setError(describeAdminError(caught)));

  return (
    <form onSubmit={submit} aria-labelledby="settings-heading">
      <h2 id="settings-heading">Settings</h2>
      <label for="keyset-name">Name</label>
      <input id="keyset-name" autocomplete="off" value={name} onInput={(event) => setName(event.currentTarget.value)} />
      <fieldset>
        <legend>Switches</legend>
        {editable.flags.map((flag) => (
          <label key={flag}>
            <input type="checkbox" name={flag} checked={flags[flag]} onChange={(event) => setFlags({ ...flags, [flag]: event.currentTarget.checked })} />{' '}
            {FLAG_LABELS[flag] ?? words(flag)}
          </label>
        ))}
      </fieldset>
      <NumberFields legend="Settings" values={numbers} onChange={setNumbers} />
      <NumberFields legend="Limits" values={limits} onChange={setLimits} />
      <SubmitBar label="Save settings" busy={save.busy}>
        {conflict && (
          <button type="button" class="secondary" onClick={() => void reload()}>
            Reload keyset
          </button>
        )}
      </SubmitBar>
      <ErrorAlert message={save.error} />
    </form>
  );
}

function NumberFields(props: { legend: string; values: Record<string, string>; onChange: (values: Record<string, string>) => void }): JSX.Element | null {
  const fields = Object.keys(props.values);
  if (fields.length === 0) return null;
  return (
    <fieldset>
      <legend>{props.legend}</legend>
      <div class="side-by-side">
        {fields.map((field) => (
          <div key={field}>
            <label for={`setting-${field}`}>{words(field)}</label>
            <input
              id={`setting-${field}`}
              name={field}
              type="number"
              inputMode="numeric"
              min={0}
              step={1}
              required
              value={props.values[field]}
              onInput={(event) => props.onChange({ ...props.values, [field]: event.currentTarget.value })}
            />
          </div>
        ))}
      </div>
    </fieldset>
  );
}

/** The settings that differ from `keyset`, or what is wrong with one of them. */
function changedSettings(
  keyset: KeysetView,
  name: string,
  flags: Record<string, boolean>,
  numbers: Record<string, string>,
  limits: Record<string, string>,
): KeysetSettings | string {
  const changes: KeysetSettings = {};
  if (name.trim() !== (keyset.name ?? '')) changes.name = name.trim() === '' ? null : name.trim();
  for (const [flag, value] of Object.entries(flags)) if (value !== keyset[flag]) changes[flag] = value;
  for (const [field, text] of Object.entries(numbers)) {
    const value = Number(text);
    if (text.trim() === '' || !Number.isInteger(value) || value < 0) return `${words(field)} must be a whole number, 0 or more.`;
    if (value !== keyset[field]) changes[field] = value;
  }
  const changedLimits: Record<string, number> = {};
  for (const [field, text] of Object.entries(limits)) {
    const value = Number(text);
    if (text.trim() === '' || !Number.isInteger(value) || value < 0) return `${words(field)} must be a whole number, 0 or more.`;
    if (value !== keyset.limits[field]) changedLimits[field] = value;
  }
  if (Object.keys(changedLimits).length > 0) changes.limits = changedLimits;
  return changes;
}
