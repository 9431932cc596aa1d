/**
 * What a Node command line says to V8, read without changing anything (heap-tuning.ts applies
 * the node's own choice).
 */

/**
 * V8's spellings of allocation-site pretenuring on a command line, once `_` is read as `-`:
 * `--allocation-site-pretenuring`, `--no-…` or `--no…`, and the same with one leading dash.
 */
const NAMES_PRETENURING = /^--?(no-?)?allocation-site-pretenuring$/;

/** Whether a process's own command line (`process.execArgv`) says whether V8 pretenures. */
export const pretenuringChosen = (execArgv: readonly string[]): boolean => execArgv.some((arg) => NAMES_PRETENURING.test(arg.replace(/_/g, '-')));
