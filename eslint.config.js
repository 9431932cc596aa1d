// @ts-check
// Type-aware lint for the house rules a compiler does not check; style is Prettier's (.prettierrc.json).
import { defineConfig } from 'eslint/config';
import { createNodeResolver, importX } from 'eslint-plugin-import-x';
import tseslint from 'typescript-eslint';

/** Tests, their helpers and the reliability suite: the code that reads answers loosely and checks them with expect(). */
const TESTS = ['**/*.test.ts', 'packages/*/test/**/*.ts', 'packages/*/reliability/**/*.ts'];

export default defineConfig(
  { ignores: ['**/node_modules/**', '**/dist/**', 'docs/**', '.vitest-*/**'] },
  { linterOptions: { reportUnusedDisableDirectives: 'error' } },
  {
    files: ['**/*.ts', '**/*.tsx'],
    extends: [tseslint.configs.base],
    plugins: { 'import-x': importX },
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    settings: {
      // Without these import-x parses no .ts file, and no-cycle sees no graph at all.
      'import-x/extensions': ['.ts', '.tsx', '.js'],
      'import-x/parsers': { '@typescript-eslint/parser': ['.ts', '.tsx'] },
      'import-x/resolver-next': [createNodeResolver({ extensions: ['.ts', '.tsx', '.js', '.json'] })],
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      // Handlers that return a promise are fine where a void callback is expected (Fastify, vitest, timers).
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: false }],
      '@typescript-eslint/switch-exhaustiveness-check': ['error', { considerDefaultExhaustiveForUnions: true }],
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      // Value imports only: import-x does not follow `import type`, which TypeScript erases.
      'import-x/no-cycle': 'error',
    },
  },
  {
    // "No `any` at module boundaries" binds the code the packages ship and the bench; a test may read
    // a JSON answer as `any`, since its expect() calls are the check.
    files: TESTS,
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
  {
    // Library and server code report through return values and the injected logger, never the console.
    files: ['packages/*/src/**/*.ts', 'packages/*/src/**/*.tsx'],
    ignores: ['**/*.test.ts'],
    rules: { 'no-console': 'error' },
  },
  {
    // The CLI entry talks to the terminal by design: its output is the command's answer.
    files: ['packages/server/src/main.ts'],
    rules: { 'no-console': 'off' },
  },
);
