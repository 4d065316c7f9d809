/**
 * Documents and code comments speak only of the project: no pointers to planning documents or folders outside the
 * repository, no machine-specific absolute paths of a checkout, no tracker numbers.
 */
import { execFileSync } from 'node:child_process';
import { readRepoFile, REPO_ROOT } from './markdown';

const TEXT_FILE = /\.(md|ts|js|mjs|cjs|sh|groovy|ya?ml|conf|template|json|sql|toml|properties)$|(^|\/)(Jenkinsfile|Dockerfile)$/;

/** What must not appear, and why. */
const FORBIDDEN: Array<{ pattern: RegExp; why: string }> = [
  { pattern: /\bDESIGN\.md\b/, why: 'a planning document outside the repository' },
  { pattern: /\.\.\/shared\b/, why: 'a folder outside the repository' },
  { pattern: /(^|[\s(`'"=])\/work\//, why: "an absolute path of one machine's checkout" },
  { pattern: /\bissue\s+#?\d+/i, why: 'a tracker number (say what the change does instead)' },
];

/** This file names the patterns it forbids. */
const SELF = 'test/docs/outside-references.test.ts';

function trackedTextFiles(): string[] {
  return execFileSync('git', ['ls-files', '-z'], { cwd: REPO_ROOT, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 })
    .split('\0')
    .filter((file) => file !== '' && file !== SELF && file !== 'package-lock.json' && TEXT_FILE.test(file));
}

/** For code, only comment lines are read (a test may build such strings on purpose); documents are read whole. */
function textToCheck(file: string, content: string): Array<[number, string]> {
  const lines = content.split('\n').map((line, i) => [i + 1, line] as [number, string]);
  if (file.endsWith('.md')) return lines;
  return lines.filter(([, line]) => /^\s*(\/\/|\/\*|\*|#)/.test(line) || /\s\/\/\s/.test(line));
}

describe('no references outside the repository', () => {
  test('in README.md, docs/ and every code comment', () => {
    const files = trackedTextFiles();
    expect(files).toEqual(expect.arrayContaining(['README.md', 'app/src/server.ts']));
    const problems: string[] = [];
    for (const file of files) {
      let content: string;
      try {
        content = readRepoFile(file);
      } catch {
        continue; // listed by git but removed from the working tree
      }
      for (const [line, text] of textToCheck(file, content)) {
        for (const { pattern, why } of FORBIDDEN) if (pattern.test(text)) problems.push(`${file}:${line}: ${why}: ${text.trim().slice(0, 120)}`);
      }
    }
    expect(problems).toEqual([]);
  });

  test('the patterns catch what they are for', () => {
    const hits = (text: string) => FORBIDDEN.filter(({ pattern }) => pattern.test(text)).map(({ why }) => why);
    expect(hits('see DESIGN.md')).toHaveLength(1);
    expect(hits('copied from ../shared/schemas')).toHaveLength(1);
    expect(hits('run it in /work/main')).toHaveLength(1);
    expect(hits('fixed in issue 20')).toHaveLength(1);
    expect(hits('the private folder /opt/shagram/backup/work/x')).toEqual([]);
    expect(hits('no issues found; 20 tests')).toEqual([]);
  });
});
