import { execFileSync } from 'node:child_process';

/**
 * Why a test cannot use `command` here (`missing`, when running it with `args` fails), or
 * undefined when it can: for `describe.skipIf` and its one-line reason.
 */
export function commandMissing(command: string, args: readonly string[], missing: string): string | undefined {
  try {
    execFileSync(command, args, { stdio: 'ignore' });
    return undefined;
  } catch {
    return missing;
  }
}
