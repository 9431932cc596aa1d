import type { Command } from 'commander';
import { loadConfig, unknownEnvWarnings, type Config } from '../config.ts';
import { flagValues } from '../config/options.ts';
import { DEFAULT_LIMITS } from '../model/keyset.ts';
import type { LimitsOf } from '../transfer/parse-line.ts';

/** Writes one line to stderr: the commands' progress and problems, never their data. */
export function note(line: string): void {
  process.stderr.write(`${line}\n`);
}

/** The settings of a command's flags, variables and config file, warning on stderr of unknown `ROSTER_*` variables first. */
export function commandConfig(command: Command): Config {
  for (const warning of unknownEnvWarnings(process.env)) note(warning);
  return loadConfig(flagValues(command));
}

/**
 * The limits an imported record of a keyset is checked against: those the config file gives the
 * keyset; with no keysets declared, any keyset with the default limits. A keyset the config file
 * does not declare is refused, as no node of that config would serve it.
 */
export function limitsOf(config: Config): LimitsOf {
  const declared = new Map(config.keysets.map((keyset) => [keyset.subscribeKey, keyset.limits]));
  return (keyset) => {
    const limits = declared.get(keyset);
    if (limits !== undefined) return limits;
    if (config.demoKeyset) return DEFAULT_LIMITS;
    return { refused: `${keyset} is not a keyset of the config file ${config.configFile ?? ''}` };
  };
}
