/**
 * vitest global setup: builds the console (and the SDK it bundles) when `dist/` is missing or
 * older than a source file, so the browser tests run what `npm install` would have built.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const CONSOLE = fileURLToPath(new URL('..', import.meta.url));
const SOURCES = [
  join(CONSOLE, 'src'),
  join(CONSOLE, 'index.html'),
  join(CONSOLE, 'vite.config.ts'),
  join(CONSOLE, '../sdk/src'),
  join(CONSOLE, '../protocol/src'),
];

function newest(path: string): number {
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return Math.max(0, ...readdirSync(path).map((name) => newest(join(path, name))));
}

export default function setup(): void {
  const built = join(CONSOLE, 'dist', 'index.html');
  if (existsSync(built) && statSync(built).mtimeMs >= Math.max(...SOURCES.map(newest))) return;
  execFileSync('npm', ['run', 'build', '-w', '@roster/console'], { cwd: join(CONSOLE, '../..'), stdio: 'inherit' });
}
