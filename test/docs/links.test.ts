/**
 * Every relative link and `#anchor` in README.md and docs/*.md resolves: the file exists, and an anchor matches a
 * heading of the target as GitHub renders it.
 */
import fs from 'node:fs';
import path from 'node:path';
import { githubSlug, headingSlugs, links, readRepoFile, REPO_ROOT } from './markdown';

const PAGES = ['README.md', ...fs.readdirSync(path.join(REPO_ROOT, 'docs')).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`)].sort();

/** Problems with the links of one page, each naming the page, the line and the link. */
function brokenLinks(page: string): string[] {
  const problems: string[] = [];
  for (const { target, line, malformed } of links(readRepoFile(page))) {
    if (malformed) {
      problems.push(`${page}:${line}: a link whose target does not end with ")": ](${target}…`);
      continue;
    }
    if (/^[a-z][a-z0-9+.-]*:/i.test(target) || target.startsWith('//')) continue; // http:, https:, mailto: ...
    const [file, anchor] = target.split('#', 2) as [string, string | undefined];
    const resolved = file === '' ? page : path.posix.normalize(path.posix.join(path.posix.dirname(page), decodeURIComponent(file)));
    const where = `${page}:${line}: (${target})`;
    if (resolved.startsWith('..')) {
      problems.push(`${where} points outside the repository`);
      continue;
    }
    const absolute = path.join(REPO_ROOT, resolved);
    if (!fs.existsSync(absolute)) {
      problems.push(`${where} ${resolved} does not exist`);
      continue;
    }
    if (anchor === undefined || anchor === '') continue;
    if (!resolved.endsWith('.md')) {
      problems.push(`${where} has an anchor, but ${resolved} is not a Markdown page`);
      continue;
    }
    if (!headingSlugs(fs.readFileSync(absolute, 'utf8')).has(decodeURIComponent(anchor))) {
      problems.push(`${where} ${resolved} has no heading with the anchor #${anchor}`);
    }
  }
  return problems;
}

describe('links in README.md and docs/*.md', () => {
  test.each(PAGES)('%s: every relative link and anchor resolves', (page) => {
    expect(brokenLinks(page)).toEqual([]);
  });
});

describe('the link checker', () => {
  test('GitHub heading slugs', () => {
    expect(githubSlug('Two replicas (`shagram-2x`)')).toBe('two-replicas-shagram-2x');
    expect(githubSlug('Scale-out: several replicas')).toBe('scale-out-several-replicas');
    expect(githubSlug('VPS or Kubernetes?')).toBe('vps-or-kubernetes');
    expect(githubSlug('`scripts/restart-stacks`')).toBe('scriptsrestart-stacks');
    expect(githubSlug('Jenkins, Harbor and the pipeline')).toBe('jenkins-harbor-and-the-pipeline');
    expect(githubSlug('Прочее и snake_case')).toBe('прочее-и-snake_case');
    expect([...headingSlugs('# A\n## A\n```\n# not a heading\n```\n### A\n')]).toEqual(['a', 'a-1', 'a-2']);
  });

  test('reports a missing file and a missing anchor, and passes a good link', () => {
    const dir = fs.mkdtempSync(path.join(REPO_ROOT, 'docs', '.links-test-'));
    const page = path.posix.join('docs', path.basename(dir), 'page.md');
    try {
      fs.writeFileSync(
        path.join(REPO_ROOT, page),
        '# Title\n\n## Real heading\n\n[ok](#real-heading) [gone](missing.md) [bad](#no-such-heading) [up](../api.md#http-api) `[code](nowhere.md)`\n[cut](api.md and more) text\n',
      );
      expect(brokenLinks(page)).toEqual([
        `${page}:5: (missing.md) ${path.posix.join(path.posix.dirname(page), 'missing.md')} does not exist`,
        `${page}:5: (#no-such-heading) ${page} has no heading with the anchor #no-such-heading`,
        `${page}:6: a link whose target does not end with ")": ](api.md and more) text…`,
      ]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
