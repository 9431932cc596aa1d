/**
 * What a Node command line says to V8, read without changing anything (heap-tuning.ts applies
 * the node's own choice).
 */

/**
 * V8's spellings of allocation-site pretenuring on a command line, once `_` is read as `-`:
 * `--allocation-site-pretenuring`, `--no-…` or `--no…`, and the same with one leading dash.
 */
const NAMES_PRETENURING = /^--?(no-?)?allocation-site-pretenuring$/;

/** Whether a process's command line (`process.execArgv`) turns V8's pretenuring on or off (the last flag wins, as in V8), or `undefined` when it does not say. */
export function pretenuringFromCommandLine(execArgv: readonly string[]): boolean | undefined {
  let on: boolean | undefined;
  for (const arg of execArgv) {
    const match = NAMES_PRETENURING.exec(arg.replace(/_/g, '-'));
    if (match) on = match[1] === undefined;
  }
  return on;
}

/** Whether a process's own command line (`process.execArgv`) says whether V8 pretenures. */
export const pretenuringChosen = (execArgv: readonly string[]): boolean => pretenuringFromCommandLine(execArgv) !== undefined;

/** The startup line on the heap's tuning (heap-tuning.ts), for a node started with `execArgv`. */
export function heapSummary(execArgv: readonly string[]): string {
  const chosen = pretenuringFromCommandLine(execArgv);
  if (chosen === undefined) return "heap: V8's allocation-site pretenuring off (node --allocation-site-pretenuring keeps V8's default)";
  return `heap: V8's allocation-site pretenuring ${chosen ? 'on' : 'off'}, as the node's command line says`;
}
