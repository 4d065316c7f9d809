/**
 * The app image compiles app/src with only the compile-time tools app/Dockerfile lists (production dependencies
 * plus typescript and named @types packages, read from the lock). A new import of a package that ships no types
 * of its own needs its @types package in that list, or the image build fails at `tsc` (the unit lane, with every
 * dev dependency installed, would not notice).
 */
import fs from 'node:fs';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '..', '..');

function sources(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? sources(path.join(dir, e.name)) : e.name.endsWith('.ts') ? [path.join(dir, e.name)] : []));
}

/** Bare package names imported by the server's sources. */
function importedPackages(): Set<string> {
  const names = new Set<string>();
  for (const file of sources(path.join(ROOT, 'app', 'src'))) {
    for (const m of fs.readFileSync(file, 'utf8').matchAll(/(?:from|import|require\()\s*['"]([^'".][^'"]*)['"]/g)) {
      const spec = m[1] as string;
      if (spec.startsWith('node:')) continue;
      names.add(spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : (spec.split('/')[0] as string));
    }
  }
  return names;
}

function shipsTypes(pkg: string): boolean {
  const manifest = JSON.parse(fs.readFileSync(path.join(ROOT, 'node_modules', pkg, 'package.json'), 'utf8')) as Record<string, unknown>;
  if (manifest.types || manifest.typings) return true;
  const exportsText = JSON.stringify(manifest.exports ?? '');
  return exportsText.includes('"types"') || fs.existsSync(path.join(ROOT, 'node_modules', pkg, 'index.d.ts'));
}

test('every package app/src imports either ships its types or has its @types in the Dockerfile tool list', () => {
  const dockerfile = fs.readFileSync(path.join(ROOT, 'app', 'Dockerfile'), 'utf8');
  const listed = /\[('typescript'[^\]]*)\]\.forEach\(visit\)/.exec(dockerfile)?.[1];
  expect(listed).toBeDefined();
  const tools = new Set([...(listed as string).matchAll(/'([^']+)'/g)].map((m) => m[1] as string));
  const missing = [...importedPackages()]
    .filter((pkg) => !shipsTypes(pkg))
    .map((pkg) => `@types/${pkg.replace(/^@([^/]+)\//, '$1__')}`)
    .filter((types) => !tools.has(types));
  expect(missing).toEqual([]);
  expect(tools.has('@types/node')).toBe(true);
});
