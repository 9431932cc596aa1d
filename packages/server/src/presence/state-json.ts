import type { PresenceState } from './store.ts';

/**
 * A state as the stores keep it: JSON with every object's keys sorted, so that one state sent
 * with its keys in another order is the same state (no `state-change`). `{}` is no state.
 */
export function stateJson(state: PresenceState): string {
  return JSON.stringify(state, (_key, value: unknown) => (isPlainObject(value) ? sortedKeys(value) : value));
}

/** The state a stored JSON text holds: a fresh object each time, so callers may change it. */
export function parseState(json: string): PresenceState {
  return JSON.parse(json) as PresenceState;
}

/** What `stateJson` gives for an empty state: setting it clears the state. */
export const NO_STATE = '{}';

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** `fromEntries` defines each key as an own property, so a `__proto__` key stays a key. */
function sortedKeys(value: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(
    Object.keys(value)
      .sort()
      .map((key) => [key, value[key]]),
  );
}
