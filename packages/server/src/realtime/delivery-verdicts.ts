import { subjectOf, type FilterSubject, type LoggedMessage } from './channel-log.ts';
import { envelopeChars } from './envelope.ts';
import type { MessageFilter } from './message-filter.ts';

/** A message being delivered: its parsed form, and each distinct filter expression's verdict on it. */
interface Fresh {
  subject: FilterSubject;
  verdicts: Map<string, boolean>;
}

function evaluate(filter: MessageFilter, subject: FilterSubject): boolean {
  try {
    return filter(subject);
  } catch {
    return false; // a filter never fails a publish
  }
}

/**
 * Whether filters let log entries through. The messages of the batch being delivered come with
 * their parsed form and are evaluated once per distinct filter however many polls hold it; a
 * kept message is parsed again from its text.
 */
export class FilterVerdicts {
  readonly #fresh = new Map<LoggedMessage, Fresh>();

  /** `entry` is being delivered, and `subject` is what filters read from it. */
  note(entry: LoggedMessage, subject: FilterSubject): void {
    this.#fresh.set(entry, { subject, verdicts: new Map() });
  }

  /** Forgets the batch delivered. */
  clear(): void {
    // V8 gives a cleared Map a new table even when it was empty: most batches noted nothing.
    if (this.#fresh.size > 0) this.#fresh.clear();
  }

  /** Whether `filter` lets `entry` through; the text of kept entries parsed again is added to `parsed`. */
  passes(filter: MessageFilter | undefined, entry: LoggedMessage, parsed?: { chars: number }): boolean {
    if (!filter || !entry.filtered) return true;
    const fresh = this.#fresh.get(entry);
    if (!fresh) {
      if (parsed) parsed.chars += envelopeChars(entry.json);
      return evaluate(filter, subjectOf(entry.json));
    }
    let verdict = fresh.verdicts.get(filter.text);
    if (verdict === undefined) fresh.verdicts.set(filter.text, (verdict = evaluate(filter, fresh.subject)));
    return verdict;
  }
}
