import { useEffect, useState } from 'preact/hooks';

/**
 * Hash routes (`#/users/alice?filter=…`): the server serves one `index.html` and never sees the
 * route, so a reload or a shared link opens the same page, and nothing of it reaches server logs.
 */
export interface Route {
  /** The path's segments, decoded: `#/users/a%2Fb` → `['users', 'a/b']`. */
  segments: string[];
  /** The part after `?`. */
  query: URLSearchParams;
}

export function currentRoute(): Route {
  const hash = location.hash.replace(/^#/, '') || '/';
  const [path = '/', search = ''] = hash.split('?', 2);
  const segments = path
    .split('/')
    .filter((part) => part !== '')
    .map((part) => decodeURIComponent(part));
  return { segments, query: new URLSearchParams(search) };
}

/** The hash for a route: `href('users', 'a/b')` → `#/users/a%2Fb`. */
export function href(...segments: string[]): string {
  return `#/${segments.map((part) => encodeURIComponent(part)).join('/')}`;
}

export function navigate(to: string): void {
  location.hash = to.replace(/^#/, '');
}

/** The current route, re-rendering on every hash change. */
export function useRoute(): Route {
  const [route, setRoute] = useState(currentRoute);
  useEffect(() => {
    const update = () => setRoute(currentRoute());
    addEventListener('hashchange', update);
    return () => removeEventListener('hashchange', update);
  }, []);
  return route;
}
