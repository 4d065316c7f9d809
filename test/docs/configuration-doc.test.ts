/**
 * docs/configuration.md against the code: every environment variable the server reads and every Pulumi key the
 * programs read is documented in its section, and every name documented there is still read.
 */
import fs from 'node:fs';
import path from 'node:path';
import { PLATFORM_KEY } from '../../infra-code/common/platform-kind';
import { codeNames, firstCells, readRepoFile, REPO_ROOT, section } from './markdown';

const DOC = 'docs/configuration.md';
const ENV_NAME = /^[A-Z][A-Z0-9_]*$/;
const CONFIG_KEY = /^[a-z][a-z0-9]*:[A-Za-z0-9]+$/;

/** name → the files that read it */
type Reads = Map<string, Set<string>>;

function add(reads: Reads, name: string, file: string): void {
  if (!reads.has(name)) reads.set(name, new Set());
  reads.get(name)!.add(file);
}

function sourceFiles(folder: string): string[] {
  const out: string[] = [];
  for (const entry of fs.readdirSync(path.join(REPO_ROOT, folder), { withFileTypes: true })) {
    const relative = path.posix.join(folder, entry.name);
    if (entry.isDirectory()) out.push(...sourceFiles(relative));
    else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts')) out.push(relative);
  }
  return out;
}

function scan(files: string[], patterns: RegExp[]): Reads {
  const reads: Reads = new Map();
  for (const file of files) {
    const text = readRepoFile(file);
    for (const pattern of patterns) for (const match of text.matchAll(pattern)) add(reads, match[1]!, file);
  }
  return reads;
}

/** Environment variables the server reads: `env.NAME`, `env['NAME']`, and helpers called as `helper(env, 'NAME', ...)`. */
const serverEnv = scan(sourceFiles('app/src'), [
  /\benv\.([A-Z][A-Z0-9_]*)\b/g,
  /\benv\[\s*['"]([A-Z][A-Z0-9_]*)['"]\s*\]/g,
  /\(\s*env\s*,\s*['"]([A-Z][A-Z0-9_]*)['"]/g,
]);

/** Pulumi keys a program reads: its accessors are called as `read(src, 'ns:key', ...)`, `readOptional(...)`, `ciValue(...)`. */
const KEY_ACCESSORS = /\b(?:read|readOptional|ciValue)\(\s*src\s*,\s*'([a-z][a-z0-9]*:[A-Za-z0-9]+)'/g;
const vpsKeys = scan(['infra-code/vps/config.ts'], [KEY_ACCESSORS]);
const k8sKeys = scan(['infra-code/k8s/config.ts'], [KEY_ACCESSORS]);
add(k8sKeys, PLATFORM_KEY, 'infra-code/common/platform-kind.ts');

/** Environment the programs read besides the configuration: `src.env.NAME` and `ciValue(src, key, 'NAME')`. */
const pulumiEnv = scan(
  ['infra-code/vps/config.ts', 'infra-code/k8s/config.ts'],
  [/\bsrc\.env\.([A-Z][A-Z0-9_]*)\b/g, /\bciValue\(\s*src\s*,\s*'[^']+'\s*,\s*'([A-Z][A-Z0-9_]*)'/g],
);

const doc = readRepoFile(DOC);

function documented(title: string, pattern: RegExp): Set<string> {
  const body = section(doc, title);
  if (body === undefined) throw new Error(`${DOC} has no section "${title}"`);
  return new Set(firstCells(body).flatMap((cell) => codeNames(cell, pattern)));
}

/** Both directions: read but not documented, documented but not read. */
function mismatches(title: string, pattern: RegExp, reads: Reads): string[] {
  const names = documented(title, pattern);
  const problems: string[] = [];
  for (const [name, files] of reads) {
    if (!names.has(name)) problems.push(`${name} is read in ${[...files].join(', ')} but missing from ${DOC}, section "${title}"`);
  }
  for (const name of names) {
    if (!reads.has(name)) problems.push(`${name} is documented in ${DOC}, section "${title}", but the code no longer reads it`);
  }
  return problems.sort();
}

describe('docs/configuration.md matches the code', () => {
  test('the scans find what the code is known to read (the patterns still match the code)', () => {
    expect([...serverEnv.keys()]).toEqual(expect.arrayContaining(['NODE_ENV', 'JWT_SECRET', 'PORT', 'DATABASE_URL', 'MESSAGE_RATE_LIMIT']));
    expect([...vpsKeys.keys()]).toEqual(expect.arrayContaining(['shagram:target', 'yandex:folderId', 'shagram:vmCores', 'shagram:ciAwsAccessKeyId']));
    expect([...k8sKeys.keys()]).toEqual(expect.arrayContaining(['shagram:platform', 'shagram:replicas', 'shagram:redisUrl']));
    expect([...pulumiEnv.keys()]).toEqual(expect.arrayContaining(['SHAGRAM_IMAGE_TAG', 'PULUMI_ACCESS_TOKEN']));
  });

  test('every server environment variable', () => {
    expect(mismatches('Server environment variables', ENV_NAME, serverEnv)).toEqual([]);
  });

  test('every key of the VPS / existing-host program', () => {
    expect(mismatches('VPS and existing host (stacks `prod`, `dev`)', CONFIG_KEY, vpsKeys)).toEqual([]);
  });

  test('every key of the Kubernetes program', () => {
    expect(mismatches('Kubernetes (stack `k8s`)', CONFIG_KEY, k8sKeys)).toEqual([]);
  });

  test('every environment variable the Pulumi programs read', () => {
    expect(mismatches('Environment of `pulumi up`', ENV_NAME, pulumiEnv)).toEqual([]);
  });

  test('keys listed as read by the providers are not read by the programs (else they belong in a program table)', () => {
    const providerKeys = [...documented('Keys the providers read', CONFIG_KEY)];
    expect(providerKeys.length).toBeGreaterThan(0);
    expect(providerKeys.filter((key) => vpsKeys.has(key) || k8sKeys.has(key))).toEqual([]);
  });

  test('the checker itself reports a missing and a stale name, by name and section', () => {
    const reads: Reads = new Map([['NOT_DOCUMENTED_ANYWHERE', new Set(['app/src/example.ts'])]]);
    const problems = mismatches('Server environment variables', ENV_NAME, reads);
    expect(problems).toContain(`NOT_DOCUMENTED_ANYWHERE is read in app/src/example.ts but missing from ${DOC}, section "Server environment variables"`);
    expect(problems).toContain(`JWT_SECRET is documented in ${DOC}, section "Server environment variables", but the code no longer reads it`);
  });
});
