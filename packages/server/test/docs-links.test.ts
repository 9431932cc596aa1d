/**
 * Every relative link in the repository's Markdown resolves: the file or directory it names
 * exists, and a `#fragment` names a heading of the Markdown file it points into (GitHub's
 * heading ids). Links to other sites are not fetched. Files cited as code (`bench/http.ts`)
 * must exist too, relative to the citing file, the repository root or a package's `src/`.
 */
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/** Every `.md` file of the repository outside `node_modules` and hidden directories. */
function markdownFiles(directory = ROOT): string[] {
  return readdirSync(directory, { withFileTypes: true }).flatMap((entry) => {
    if (entry.name.startsWith('.') || entry.name === 'node_modules') return [];
    const path = join(directory, entry.name);
    if (entry.isDirectory()) return markdownFiles(path);
    return entry.name.endsWith('.md') ? [path] : [];
  });
}

/** The text outside fenced code blocks and inline code spans, where links are links. */
function prose(markdown: string): string {
  return markdown.replace(/^(```|~~~)[^\n]*\n[\s\S]*?^\1[^\n]*$/gm, '').replace(/(`+)[\s\S]*?\1/g, '');
}

/** Targets of inline links and images `[text](target "title")` and of reference definitions `[id]: target`. */
function linkTargets(markdown: string): string[] {
  const text = prose(markdown);
  const inline = [...text.matchAll(/!?\[(?:[^\]\\]|\\.)*\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)].map((match) => match[1]!);
  const references = [...text.matchAll(/^ {0,3}\[[^\]]+\]:\s*<?(\S+?)>?(?:\s+.*)?$/gm)].map((match) => match[1]!);
  return [...inline, ...references];
}

/** GitHub's id for a heading: lower case, punctuation dropped, spaces as hyphens; repeats get `-1`, `-2`, … */
function headingIds(markdown: string): Set<string> {
  const ids = new Set<string>();
  const seen = new Map<string, number>();
  const withoutFences = markdown.replace(/^(```|~~~)[^\n]*\n[\s\S]*?^\1[^\n]*$/gm, '');
  for (const match of withoutFences.matchAll(/^ {0,3}#{1,6}\s+(.*?)\s*#*\s*$/gm)) {
    const text = match[1]!
      .replace(/!?\[([^\]]*)\]\([^)]*\)/g, '$1')
      .replace(/<[^>]+>/g, '')
      .replace(/[`*_~]/g, (ch) => (ch === '_' ? '_' : ''));
    const base = text
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\p{M}\s_-]/gu, '')
      .replace(/\s/g, '-');
    const count = seen.get(base) ?? 0;
    seen.set(base, count + 1);
    ids.add(count === 0 ? base : `${base}-${count}`);
  }
  return ids;
}

/** Code spans that name a file by a path with a directory, e.g. `packages/testing/src/server.ts`. */
function citedPaths(markdown: string): string[] {
  const withoutFences = markdown.replace(/^(```|~~~)[^\n]*\n[\s\S]*?^\1[^\n]*$/gm, '');
  return [...withoutFences.matchAll(/`([\w.-]+(?:\/[\w.-]+)+\.(?:md|ts|js|mjs|json|svg|ya?ml))`/g)].map((match) => match[1]!);
}

function packageSources(): string[] {
  const packages = join(ROOT, 'packages');
  return readdirSync(packages).map((name) => join(packages, name, 'src'));
}

/** What is wrong with a path cited in `file`, or `undefined` when it names an existing file. */
function citationProblem(file: string, cited: string): string | undefined {
  // A package's build output (`npm run build`, `npm pack`) is not in the repository.
  if (cited.startsWith('dist/')) return undefined;
  const bases = [dirname(file), ROOT, ...packageSources()];
  return bases.some((base) => existsSync(join(base, cited)))
    ? undefined
    : `\`${cited}\` names no file (from ${relative(ROOT, dirname(file)) || '.'}, the root or packages/*/src)`;
}

const isExternal = (target: string) => /^[a-z][a-z0-9+.-]*:/i.test(target) || target.startsWith('//');

/** What is wrong with one link of `file`, or `undefined` when it resolves. */
function problemWith(file: string, target: string): string | undefined {
  if (isExternal(target)) return undefined;
  const hash = target.indexOf('#');
  const pathPart = (hash < 0 ? target : target.slice(0, hash)).replace(/\?.*$/, '');
  const fragment = hash < 0 ? undefined : decodeURIComponent(target.slice(hash + 1));
  const resolved = pathPart === '' ? file : join(pathPart.startsWith('/') ? ROOT : dirname(file), decodeURIComponent(pathPart));
  if (!existsSync(resolved)) return `${target}: ${relative(ROOT, resolved)} does not exist`;
  if (fragment === undefined || fragment === '' || !resolved.endsWith('.md') || statSync(resolved).isDirectory()) return undefined;
  if (!headingIds(readFileSync(resolved, 'utf8')).has(fragment)) return `${target}: ${relative(ROOT, resolved)} has no heading #${fragment}`;
  return undefined;
}

describe('Markdown links', () => {
  const files = markdownFiles();

  it('covers the READMEs and docs/', () => {
    const names = files.map((file) => relative(ROOT, file).split('\\').join('/'));
    expect(names).toEqual(expect.arrayContaining(['README.md', 'packages/sdk/README.md', 'docs/decisions.md', 'docs/benchmarks.md']));
  });

  for (const file of files) {
    it(`every relative link in ${relative(ROOT, file)} resolves`, () => {
      const markdown = readFileSync(file, 'utf8');
      const problems = linkTargets(markdown).flatMap((target) => problemWith(file, target) ?? []);
      expect(problems).toEqual([]);
    });

    it(`every file cited as code in ${relative(ROOT, file)} exists`, () => {
      const markdown = readFileSync(file, 'utf8');
      expect(citedPaths(markdown).flatMap((cited) => citationProblem(file, cited) ?? [])).toEqual([]);
    });
  }

  it('reads links the way GitHub renders them', () => {
    const sample = [
      '# Use it from the `pubnub` SDK',
      'See [the docs](docs/decisions.md#sdk-request-defaults "Decisions") and ![chart](a b.svg).',
      '`[not a link](nowhere.md)`',
      '```md',
      '[also not](nowhere.md)',
      '```',
      '[ref]: ../x.md',
      '## Use it from the `pubnub` SDK',
    ].join('\n');
    expect(linkTargets(sample)).toEqual(['docs/decisions.md#sdk-request-defaults', '../x.md']);
    expect([...headingIds(sample)]).toEqual(['use-it-from-the-pubnub-sdk', 'use-it-from-the-pubnub-sdk-1']);
    expect(problemWith(join(ROOT, 'README.md'), 'docs/decisions.md#sdk-request-defaults')).toBeUndefined();
    expect(problemWith(join(ROOT, 'README.md'), 'docs/decisions.md#no-such-heading')).toMatch(/has no heading/);
    expect(problemWith(join(ROOT, 'README.md'), 'spec/decisions.md')).toMatch(/does not exist/);
    expect(citedPaths('as `spec/decisions.md` "Events" says; see `query/filter/compile.ts`, not `npm test`')).toEqual([
      'spec/decisions.md',
      'query/filter/compile.ts',
    ]);
    expect(citationProblem(join(ROOT, 'README.md'), 'spec/decisions.md')).toMatch(/names no file/);
    expect(citationProblem(join(ROOT, 'docs/benchmarks.md'), 'query/filter/compile.ts')).toBeUndefined();
  });
});
