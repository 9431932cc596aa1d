import { isPubNubException } from '@roster/sdk';
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { describeError } from '../errors.ts';

/** How long a row stays marked after a live change: a little longer than the 1.5 s `flash` animation (styles.css). */
const FLASH_MS = 2000;

/** A list page being loaded, and what went wrong with the last load. */
export interface PageLoad {
  loading: boolean;
  /** Any failure but a refused filter, in words. */
  error: string | undefined;
  /** The server's words about the `filter` parameter, when that is what it refused, for the filter box. */
  filterError: string | undefined;
}

/** What a 400 said about the filter (an unknown field, a bad value), or undefined when it refused something else. */
function filterRefusal(error: unknown): string | undefined {
  if (!isPubNubException(error) || error.statusCode !== 400) return undefined;
  const details = (error.status.errorData?.details ?? []).filter((detail) => detail.location === 'filter');
  return details.length === 0 ? undefined : details.map((detail) => detail.message).join(' — ');
}

/**
 * Calls `load` whenever `deps` change and hands the page to `onPage`, or runs `onFail` when it
 * failed; an answer that a newer load overtook is dropped.
 */
export function usePageLoad<T>(load: () => Promise<T>, deps: readonly unknown[], onPage: (page: T) => void, onFail?: () => void): PageLoad {
  const [state, setState] = useState<PageLoad>({ loading: true, error: undefined, filterError: undefined });
  useEffect(() => {
    let current = true;
    setState((previous) => ({ ...previous, loading: true }));
    load().then(
      (page) => {
        if (!current) return;
        onPage(page);
        setState({ loading: false, error: undefined, filterError: undefined });
      },
      (caught: unknown) => {
        if (!current) return;
        const filterError = filterRefusal(caught);
        onFail?.();
        setState({ loading: false, error: filterError === undefined ? describeError(caught) : undefined, filterError });
      },
    );
    return () => void (current = false);
  }, deps);
  return state;
}

/** Rows marked for `FLASH_MS` after a live change, and the call that marks one. */
export function useFlash(): [ReadonlySet<string>, (id: string) => void] {
  const [flashing, setFlashing] = useState<ReadonlySet<string>>(new Set());
  const timers = useRef(new Map<string, ReturnType<typeof setTimeout>>());
  useEffect(() => () => timers.current.forEach((timer) => clearTimeout(timer)), []);
  const flash = useCallback((id: string) => {
    clearTimeout(timers.current.get(id));
    setFlashing((current) => new Set(current).add(id));
    const timer = setTimeout(() => {
      timers.current.delete(id);
      setFlashing((current) => new Set([...current].filter((item) => item !== id)));
    }, FLASH_MS);
    timers.current.set(id, timer);
  }, []);
  return [flashing, flash];
}
