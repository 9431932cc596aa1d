/**
 * A configuration the node refuses to start with. Each problem names where it is (the config
 * file and JSON path, the flag or the environment variable) and what was expected.
 */
export class ConfigError extends Error {
  readonly problems: readonly string[];

  constructor(problems: readonly string[]) {
    const header = problems.length === 1 ? 'Invalid configuration:' : `Invalid configuration (${problems.length} problems):`;
    super([header, ...problems.map((problem) => `  ${problem}`)].join('\n'));
    this.name = 'ConfigError';
    this.problems = problems;
  }
}
