import { checkFilter } from '@roster/sdk';
import type { JSX, TargetedEvent, TargetedKeyboardEvent } from 'preact';
import { useEffect, useId, useRef, useState } from 'preact/hooks';

/** Which list the filter is for: its fields differ (users, channels, a user's memberships, a channel's members). */
export type FilterResource = 'uuid' | 'channel' | 'membership' | 'member';

/** How long typing must pause before a filter that parses is applied, in milliseconds. */
const PAUSE_MS = 600;

const FIELDS: Record<FilterResource, string> = {
  uuid: 'id, name, externalId, profileUrl, email, status, type, updated, custom.<key>',
  channel: 'id, name, description, status, type, updated, custom.<key>',
  membership: 'channel.id, channel.name, channel.<field>, status, type, updated, custom.<key>',
  member: 'uuid.id, uuid.name, uuid.<field>, status, type, updated, custom.<key>',
};

const EXAMPLES: Record<FilterResource, string> = {
  uuid: `name LIKE "a*" && status == "active"`,
  channel: `name LIKE "a*" && status == "active"`,
  membership: `channel.name LIKE "a*" && status == "active"`,
  member: `uuid.name LIKE "a*" && status == "active"`,
};

interface FilterProblem {
  message: string;
  /** 0-based offset in the text; -1 when the message names none. */
  position: number;
  length: number;
}

/** The filter as sent: whitespace alone is no filter. */
const normalized = (text: string): string => (text.trim() === '' ? '' : text);

function syntaxProblem(text: string): FilterProblem | undefined {
  if (normalized(text) === '') return undefined;
  const result = checkFilter(text);
  return result.ok ? undefined : { message: result.message, position: result.position, length: result.length };
}

/** The server names the place of a refused filter as "at position N" (0-based), as checkFilter does. */
function serverProblem(message: string): FilterProblem {
  const match = /at position (\d+)/.exec(message);
  return { message, position: match ? Number(match[1]) : -1, length: 1 };
}

/**
 * A search box for PubNub's filter language: as you type, a syntax error is shown inline at its
 * position; `onCommit` gets the filter (`''` for none) once it parses (Enter, or a pause in typing).
 * A refusal from the server (an unknown field) is passed back in as `serverError`.
 */
export function FilterInput(props: {
  resource: FilterResource;
  value: string;
  serverError?: string | undefined;
  onCommit: (filter: string) => void;
}): JSX.Element {
  const id = useId();
  const [text, setText] = useState(props.value);
  const timer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  // The pause timer fires after later renders: it reads the latest props through this.
  const latest = useRef(props);
  latest.current = props;

  useEffect(() => {
    // A new value from outside (back, forward, a link) replaces what was typed.
    if (props.value !== normalized(text)) setText(props.value);
  }, [props.value]);
  useEffect(() => () => clearTimeout(timer.current), []);

  const commit = (value: string) => {
    clearTimeout(timer.current);
    const filter = normalized(value);
    if (syntaxProblem(filter) === undefined && filter !== latest.current.value) latest.current.onCommit(filter);
  };
  const onInput = (event: TargetedEvent<HTMLInputElement>) => {
    const value = event.currentTarget.value;
    setText(value);
    clearTimeout(timer.current);
    if (syntaxProblem(value) === undefined) timer.current = setTimeout(() => commit(value), PAUSE_MS);
  };
  const onKeyDown = (event: TargetedKeyboardEvent<HTMLInputElement>) => {
    if (event.key !== 'Enter') return;
    event.preventDefault();
    commit(event.currentTarget.value);
  };

  const problem = syntaxProblem(text) ?? (normalized(text) === props.value && props.serverError ? serverProblem(props.serverError) : undefined);
  return (
    <div class="filter">
      <label for={`${id}-input`}>Filter</label>
      <input
        id={`${id}-input`}
        type="search"
        value={text}
        onInput={onInput}
        onKeyDown={onKeyDown}
        autocomplete="off"
        spellcheck={false}
        aria-invalid={problem ? 'true' : undefined}
        aria-describedby={`${id}-error ${id}-hint`}
      />
      <div id={`${id}-error`} class="filter-error error" aria-live="polite">
        {problem && <FilterError text={text} problem={problem} />}
      </div>
      <p id={`${id}-hint`} class="hint">
        Fields: {FIELDS[props.resource]}. Example: <code>{EXAMPLES[props.resource]}</code>. Applied on Enter or when you pause.
      </p>
    </div>
  );
}

/** The message, then the text with a caret under the fault (for sighted users: the message says where). */
function FilterError(props: { text: string; problem: FilterProblem }): JSX.Element {
  const { position, length } = props.problem;
  return (
    <>
      <p class="filter-message">{props.problem.message}</p>
      {position >= 0 && (
        <pre class="caret" aria-hidden="true">
          {props.text}
          {'\n'}
          {' '.repeat(position)}
          {'^'.repeat(Math.max(1, length))}
        </pre>
      )}
    </>
  );
}
