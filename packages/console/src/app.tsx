import type { JSX } from 'preact';
import { useEffect, useRef } from 'preact/hooks';
import { useLiveProblem } from './live.ts';
import { href, useRoute, type Route } from './router.ts';
import { disconnect, setNotice, useSession, type Session } from './session.ts';
import { ConnectPage } from './pages/connect.tsx';
import { KeysetsPage } from './pages/keysets.tsx';
import { RecordPage } from './pages/record.tsx';
import { RecordsPage } from './pages/records.tsx';
import type { RecordKind } from './records.ts';

/**
 * The console: a header with the keyset and the sections, and the page the hash route names.
 * Without a keyset every route but `#/keysets` shows the connect page.
 */
export function App(): JSX.Element {
  const route = useRoute();
  const { session, adminSecret, notice } = useSession();
  const liveProblem = useLiveProblem(session);
  const main = useRef<HTMLElement>(null);
  const firstRoute = useRef(true);
  // After a page change, screen readers and the keyboard start at the new page, not the old link.
  useEffect(() => {
    if (firstRoute.current) firstRoute.current = false;
    else main.current?.focus({ preventScroll: true });
  }, [route.segments.join('/')]);
  return (
    <>
      <a class="skip-link" href="#main">
        Skip to content
      </a>
      <header class="top">
        <span class="brand">Roster console</span>
        <nav aria-label="Sections">
          <ul>
            {session && (
              <>
                <li>
                  <a href={href('users')} aria-current={route.segments[0] === 'users' ? 'page' : undefined}>
                    Users
                  </a>
                </li>
                <li>
                  <a href={href('channels')} aria-current={route.segments[0] === 'channels' ? 'page' : undefined}>
                    Channels
                  </a>
                </li>
              </>
            )}
            {adminSecret !== undefined && (
              <li>
                <a href={href('keysets')} aria-current={route.segments[0] === 'keysets' ? 'page' : undefined}>
                  Keysets
                </a>
              </li>
            )}
            <li>
              <a href={href()}>{session ? 'Change keyset' : 'Connect'}</a>
            </li>
          </ul>
        </nav>
        {session && (
          <p class="keyset">
            Keyset <code>{session.subscribeKey}</code>{' '}
            <button type="button" class="link" onClick={disconnect}>
              Sign out
            </button>
          </p>
        )}
      </header>
      <main id="main" tabIndex={-1} ref={main}>
        <div role="status">
          {notice && (
            <p class="notice">
              {notice}{' '}
              <button type="button" class="link" onClick={() => setNotice(undefined)}>
                Dismiss
              </button>
            </p>
          )}
          {liveProblem && <p class="notice error">Live updates stopped: {liveProblem}</p>}
        </div>
        {page(route, session)}
      </main>
    </>
  );
}

function page(route: Route, session: Session | undefined): JSX.Element {
  const [section, id] = route.segments;
  if (section === 'keysets') return <KeysetsPage route={route} />;
  if (!session || (section !== 'users' && section !== 'channels')) return <ConnectPage />;
  const kind: RecordKind = section === 'users' ? 'user' : 'channel';
  // A new session (another keyset, new credentials) starts its pages afresh.
  const generation = sessionNumber(session);
  if (id === undefined) return <RecordsPage key={`${generation}/${kind}`} kind={kind} session={session} route={route} />;
  return <RecordPage key={`${generation}/${kind}/${id}`} kind={kind} id={id} isNew={route.query.get('new') === '1'} session={session} />;
}

const sessionNumbers = new WeakMap<Session, number>();
let sessions = 0;

function sessionNumber(session: Session): number {
  let number = sessionNumbers.get(session);
  if (number === undefined) sessionNumbers.set(session, (number = ++sessions));
  return number;
}
