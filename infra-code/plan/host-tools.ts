/**
 * The host tools: the zx host scripts (`restart-stacks`, `status`, `backup`, `restore`, `backup-offsite`,
 * `restore-offsite`) and Harbor's installer wrapper, each bundled by esbuild into one self-contained CommonJS file
 * that runs with the host's Node.js 20+.
 *
 * Only `better-sqlite3` stays outside the bundles: it is a native module. The tools folder therefore carries a
 * `package.json` and a `package-lock.json` that pin exactly the version (and integrity) the repository's own
 * `package-lock.json` pins, and the host runs `npm ci --omit=dev` there — only when that lock (or the host's
 * Node ABI) changed since the last install.
 *
 * On the host (base folder `/opt/shagram`):
 * - `incoming/host-tools.tar.gz` — the uploaded archive;
 * - `tools.d/<release>/` — one unpacked release (bundles, `node_modules/better-sqlite3`, `bin/` wrappers);
 * - `tools` — a symlink to the current release, swapped atomically (`mv -T` renames over the old link);
 * - `bin/<script>` — sh wrappers that run `node <base>/tools/<script>.cjs "$@"`.
 *
 * Planning is pure; {@link buildHostTools} and {@link harborInstallerFile} run esbuild and write files.
 */
import { chmodSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { buildSync, type BuildOptions } from 'esbuild';
import { packBundleArchive, type BundleArchive } from './bundle-archive';
import { assertSafePath, shQuote } from './shell';
import type { ExtraFile } from './stack-bundle';
import { HOST_BASE_DIR } from './stack-spec';

export { HOST_BASE_DIR };

/** The host scripts: command name and the repository entry that esbuild bundles into `<name>.cjs`. */
export const HOST_SCRIPTS = [
  { name: 'restart-stacks', entry: 'scripts/src/restart-stacks.ts' },
  { name: 'status', entry: 'scripts/src/status.ts' },
  { name: 'backup', entry: 'scripts/src/backup.ts' },
  { name: 'restore', entry: 'scripts/src/restore.ts' },
  { name: 'backup-offsite', entry: 'scripts/src/backup-offsite.ts' },
  { name: 'restore-offsite', entry: 'scripts/src/restore-offsite.ts' },
] as const;

/** Harbor's installer wrapper: bundled into the Harbor stack folder as `install.cjs`, which `harbor/install` runs. */
export const HARBOR_INSTALLER = { entry: 'harbor/src/install.ts', file: 'install.cjs' } as const;

/** Modules left out of every bundle and installed on the host with npm (native code). */
export const EXTERNAL_MODULES = ['better-sqlite3'] as const;

/** Name of the tools folder's package.json. */
export const TOOLS_PACKAGE_NAME = 'shagram-host-tools';

/** Where things live on a host with base folder `baseDir`. Pure. */
export function hostToolsLayout(baseDir: string = HOST_BASE_DIR) {
  assertSafePath(baseDir);
  return {
    baseDir,
    /** Symlink to the current release: the wrappers run `<toolsDir>/<script>.cjs`. */
    toolsDir: `${baseDir}/tools`,
    /** One folder per unpacked release. */
    releasesDir: `${baseDir}/tools.d`,
    /** The wrappers operators call (add to PATH or call by full path). */
    binDir: `${baseDir}/bin`,
    /** Where `HostTools` uploads the archive. */
    archive: `${baseDir}/incoming/host-tools.tar.gz`,
  };
}

/** The layout of {@link hostToolsLayout}. */
export type HostToolsLayout = ReturnType<typeof hostToolsLayout>;

/**
 * A POSIX sh fragment that exits 1 with one line on stderr (`<prefix>: …`) unless `/usr/bin/env node` runs and is
 * Node.js 20 or later. Meant to be pasted into a `set -e` script (for example the host-ready step). Pure.
 */
export function nodeCheckScript(prefix = 'host'): string {
  const p = prefix.replace(/[^A-Za-z0-9 ._-]/g, '');
  return [
    `shagram_node_version=$(/usr/bin/env node -p 'process.versions.node' 2>/dev/null) || shagram_node_version=''`,
    `case "$shagram_node_version" in`,
    `  '') echo "${p}: node not found on PATH: install Node.js 20 or later (the VPS's cloud-init installs it from NodeSource)" >&2; exit 1 ;;`,
    `  [0-9]*) ;;`,
    `  *) echo "${p}: cannot read the Node.js version (node -p printed: $shagram_node_version)" >&2; exit 1 ;;`,
    `esac`,
    `if [ "\${shagram_node_version%%.*}" -lt 20 ]; then`,
    `  echo "${p}: Node.js $shagram_node_version is too old: the host scripts need Node.js 20 or later" >&2; exit 1`,
    `fi`,
  ].join('\n');
}

/** The parts of an npm lockfile (v2/v3) this module reads and writes. */
export interface PackageLock {
  name?: string;
  version?: string;
  lockfileVersion: number;
  requires?: boolean;
  packages: Record<string, LockEntry>;
}

/** One `packages` entry of a lockfile. */
export interface LockEntry {
  version?: string;
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  peerDependenciesMeta?: Record<string, { optional?: boolean }>;
  dev?: boolean;
  devOptional?: boolean;
  peer?: boolean;
  [key: string]: unknown;
}

/** The lock path a package at `from` (a lock path, '' for the root) resolves `name` to, as Node would. Pure. */
function resolveInLock(lock: PackageLock, from: string, name: string): string | undefined {
  let dir = from;
  for (;;) {
    const candidate = `${dir ? `${dir}/` : ''}node_modules/${name}`;
    if (lock.packages[candidate]) return candidate;
    if (dir === '') return undefined;
    const cut = dir.lastIndexOf('/node_modules/');
    dir = cut === -1 ? '' : dir.slice(0, cut);
  }
}

/**
 * The tools folder's `package.json` and `package-lock.json` (v3): they depend only on `names`, at the exact
 * versions the root lock pins, with every transitive entry (version, integrity, scripts flag, engines…) copied
 * from the root lock at the same tree position, so `npm ci` on the host installs exactly what the repository
 * tested. Throws when a name or a required dependency is missing from the root lock. Pure.
 */
export function pinnedDependencyFiles(rootLock: PackageLock, names: readonly string[] = EXTERNAL_MODULES): { packageJson: string; lock: string } {
  if (!rootLock.packages) throw new Error('the root package-lock.json has no "packages" (lockfileVersion 2 or later is needed)');
  const dependencies: Record<string, string> = {};
  const packages: Record<string, LockEntry> = {};
  const queue: { from: string; name: string; optional: boolean }[] = [];
  for (const name of names) {
    const at = resolveInLock(rootLock, '', name);
    const version = at && rootLock.packages[at]?.version;
    if (!at || !version) throw new Error(`${name} is not in the root package-lock.json`);
    dependencies[name] = version;
    queue.push({ from: '', name, optional: false });
  }
  while (queue.length > 0) {
    const { from, name, optional } = queue.shift() as { from: string; name: string; optional: boolean };
    const at = resolveInLock(rootLock, from, name);
    if (!at) {
      if (optional) continue;
      throw new Error(`${name} (needed by ${from || 'the tools'}) is not in the root package-lock.json`);
    }
    if (packages[at]) continue;
    const { dev: _dev, devOptional: _devOptional, peer: _peer, ...entry } = rootLock.packages[at] as LockEntry;
    packages[at] = entry;
    for (const dep of Object.keys(entry.dependencies ?? {})) queue.push({ from: at, name: dep, optional: false });
    for (const dep of Object.keys(entry.optionalDependencies ?? {})) queue.push({ from: at, name: dep, optional: true });
    for (const dep of Object.keys(entry.peerDependencies ?? {})) {
      queue.push({ from: at, name: dep, optional: entry.peerDependenciesMeta?.[dep]?.optional === true });
    }
  }
  const pkg = {
    name: TOOLS_PACKAGE_NAME,
    version: '0.0.0',
    private: true,
    description: 'Shagram host scripts, bundled; only the native modules are installed with npm',
    license: 'MIT',
    engines: { node: '>=20' },
    dependencies,
    // npm 11's install-script policy: better-sqlite3 must run its install (prebuilt binary or compile).
    allowScripts: Object.fromEntries(Object.keys(dependencies).map((name) => [name, true])),
  };
  const sorted = Object.fromEntries(Object.keys(packages).sort().map((key) => [key, packages[key]]));
  const lock = {
    name: TOOLS_PACKAGE_NAME,
    version: '0.0.0',
    lockfileVersion: 3,
    requires: true,
    packages: { '': { name: TOOLS_PACKAGE_NAME, version: '0.0.0', license: 'MIT', dependencies, engines: { node: '>=20' } }, ...sorted },
  };
  return { packageJson: `${JSON.stringify(pkg, null, 2)}\n`, lock: `${JSON.stringify(lock, null, 2)}\n` };
}

/** The sh wrapper `<bin>/<name>`: runs `node <toolsDir>/<name>.cjs "$@"`, or one line when node is missing. Pure. */
export function wrapperScript(name: string, toolsDir: string = hostToolsLayout().toolsDir): string {
  assertSafePath(toolsDir);
  if (!/^[a-z][a-z0-9-]*$/.test(name)) throw new Error(`bad script name ${JSON.stringify(name)}`);
  return [
    '#!/bin/sh',
    `# Shagram host script ${name} (bundled; docs/operating.md). Installed by the deploy into ${dirname(toolsDir)}/bin.`,
    `command -v node >/dev/null 2>&1 || { echo "${name}: node not found on PATH: install Node.js 20 or later" >&2; exit 1; }`,
    `exec node ${shQuote(`${toolsDir}/${name}.cjs`)} "$@"`,
    '',
  ].join('\n');
}

/** esbuild's options for one entry: one CommonJS file for Node 20, native modules external. Pure. */
export function bundleOptions(repoRoot: string, entry: string): BuildOptions {
  return {
    absWorkingDir: repoRoot,
    entryPoints: [entry],
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    external: [...EXTERNAL_MODULES],
    write: false,
    outfile: 'out.cjs',
    logLevel: 'silent',
    legalComments: 'eof',
    banner: { js: `// Bundled from ${entry} by infra-code/plan/host-tools.ts (esbuild); edit the source, not this file.` },
  };
}

/** Bundles one entry and answers the file's text; throws one line naming the entry and esbuild's first error. */
export function bundleEntry(repoRoot: string, entry: string): string {
  try {
    const result = buildSync(bundleOptions(repoRoot, entry));
    const file = result.outputFiles?.[0];
    if (!file) throw new Error('esbuild wrote nothing');
    return file.text;
  } catch (error) {
    const first = (error as { errors?: { text: string }[] }).errors?.[0]?.text ?? (error as Error).message;
    throw new Error(`bundling ${entry} failed: ${first.split('\n')[0]}`, { cause: error });
  }
}

/** One file of the tools folder. */
export interface ToolsFile {
  path: string;
  content: string;
  mode: 0o644 | 0o755;
}

/**
 * Everything in the tools folder except the bundles' text: package.json, package-lock.json and the `bin/`
 * wrappers (the bundles are `<name>.cjs` for every {@link HOST_SCRIPTS} entry). Pure.
 */
export function planToolsFiles(rootLock: PackageLock, layout: HostToolsLayout = hostToolsLayout()): ToolsFile[] {
  const { packageJson, lock } = pinnedDependencyFiles(rootLock);
  return [
    { path: 'package.json', content: packageJson, mode: 0o644 },
    { path: 'package-lock.json', content: lock, mode: 0o644 },
    ...HOST_SCRIPTS.map((s) => ({ path: `bin/${s.name}`, content: wrapperScript(s.name, layout.toolsDir), mode: 0o755 as const })),
  ];
}

/** The tools folder written and its archive. */
export interface HostToolsBuild extends BundleArchive {
  /** The folder the archive was packed from. */
  dir: string;
  /** Paths inside the archive, sorted. */
  files: string[];
}

/**
 * Builds the tools folder into a fresh `<workDir>/host-tools/` (one `.cjs` per host script plus
 * {@link planToolsFiles}) and packs it deterministically into `<workDir>/host-tools.tar.gz` — what `HostTools`
 * uploads. `workDir` is a git-ignored build folder such as `.stacks-tmp/`.
 */
export function buildHostTools(repoRoot: string, workDir: string, baseDir: string = HOST_BASE_DIR): HostToolsBuild {
  const layout = hostToolsLayout(baseDir);
  const rootLock = JSON.parse(readFileSync(join(repoRoot, 'package-lock.json'), 'utf8')) as PackageLock;
  const files: ToolsFile[] = [
    ...HOST_SCRIPTS.map((s) => ({ path: `${s.name}.cjs`, content: bundleEntry(repoRoot, s.entry), mode: 0o644 as const })),
    ...planToolsFiles(rootLock, layout),
  ];
  const dir = join(workDir, 'host-tools');
  rmSync(dir, { recursive: true, force: true });
  for (const file of files) {
    const abs = join(dir, file.path);
    mkdirSync(dirname(abs), { recursive: true });
    writeFileSync(abs, file.content);
    chmodSync(abs, file.mode);
  }
  const paths = files.map((f) => f.path).sort();
  return { dir, files: paths, ...packBundleArchive(dir, paths, join(workDir, 'host-tools.tar.gz')) };
}

/**
 * Harbor's installer wrapper bundled into one file, as an extra file of the Harbor stack bundle
 * (`buildStackBundle(…, extras)`): `harbor/install` runs it with node when it sits beside it.
 */
export function harborInstallerFile(repoRoot: string): ExtraFile {
  return { path: HARBOR_INSTALLER.file, content: Buffer.from(bundleEntry(repoRoot, HARBOR_INSTALLER.entry)), executable: false };
}

/** Writes {@link harborInstallerFile} into `outDir` (mode 0644) and answers its path. */
export function writeHarborInstaller(repoRoot: string, outDir: string): string {
  const file = harborInstallerFile(repoRoot);
  const abs = join(outDir, file.path);
  mkdirSync(outDir, { recursive: true });
  writeFileSync(abs, file.content);
  chmodSync(abs, 0o644);
  return abs;
}

/** What the install script needs. */
export interface InstallScriptInput {
  /** sha256 of the uploaded archive: checked before anything is unpacked. */
  archiveSha256: string;
  /** Base folder on the host (tests use a temporary one). */
  baseDir?: string;
}

/**
 * The POSIX sh script the host runs after the archive is uploaded (`HostTools`' install command):
 * checks Node 20+ and the archive's sha256, unpacks into a fresh `tools.d/` release, reuses the current release's
 * `node_modules` when the lock and the Node ABI are unchanged (else `npm ci --omit=dev`), proves the bundles and
 * better-sqlite3 load, then swaps the `tools` symlink atomically, installs the `bin/` wrappers (each by rename) and
 * removes older releases. Any failure: one line `host-tools: …` on stderr, exit 1, the current tools untouched. Pure.
 */
export function installHostToolsScript(input: InstallScriptInput): string {
  const layout = hostToolsLayout(input.baseDir);
  if (!/^[0-9a-f]{64}$/.test(input.archiveSha256)) throw new Error(`not a sha256: ${JSON.stringify(input.archiveSha256)}`);
  const q = shQuote;
  const names = HOST_SCRIPTS.map((s) => s.name).join(' ');
  return `#!/bin/sh
# Installs the Shagram host tools from ${layout.archive} (generated by infra-code/plan/host-tools.ts).
set -eu
umask 022
fail() { echo "host-tools: $*" >&2; exit 1; }
${nodeCheckScript('host-tools')}
command -v npm >/dev/null 2>&1 || fail "npm not found on PATH (NodeSource's nodejs package provides it)"
archive=${q(layout.archive)}
tools=${q(layout.toolsDir)}
releases=${q(layout.releasesDir)}
bin=${q(layout.binDir)}
[ -f "$archive" ] || fail "no archive at $archive"
actual=$(sha256sum "$archive" | cut -d' ' -f1)
[ "$actual" = ${q(input.archiveSha256)} ] || fail "archive $archive has sha256 $actual, expected ${input.archiveSha256} (incomplete upload?)"
if [ -e "$tools" ] && [ ! -L "$tools" ]; then fail "$tools exists and is not the symlink this script manages; move it away"; fi
mkdir -p "$releases" "$bin" || fail "cannot create $releases and $bin"
new=$(mktemp -d "$releases/new.XXXXXX") || fail "cannot create a folder in $releases"
chmod 0755 "$new"
log="$new.log"
trap 'rm -rf "$new" "$log"' EXIT
tar -xzf "$archive" -C "$new" 2>"$log" || fail "cannot unpack $archive: $(tail -n 1 "$log")"
[ -f "$new/package-lock.json" ] || fail "the archive has no package-lock.json"
key="$(sha256sum "$new/package-lock.json" | cut -d' ' -f1) node-abi-$(node -p 'process.versions.modules + "-" + process.platform + "-" + process.arch')"
if [ -L "$tools" ] && [ -d "$tools/node_modules" ] && [ "$(cat "$tools/.deps-key" 2>/dev/null || true)" = "$key" ]; then
  cp -a "$tools/node_modules" "$new/node_modules" || fail "cannot copy $tools/node_modules"
  echo "host-tools: dependencies unchanged, reusing $(readlink "$tools")/node_modules"
else
  echo "host-tools: installing dependencies (npm ci --omit=dev)"
  (cd "$new" && npm ci --omit=dev --no-audit --no-fund --loglevel=error) >"$log" 2>&1 || fail "npm ci failed in $new: $(grep -v '^[[:space:]]*$' "$log" | tail -n 1)"
fi
printf '%s\\n' "$key" > "$new/.deps-key"
for name in ${names}; do
  [ -f "$new/$name.cjs" ] && [ -f "$new/bin/$name" ] || fail "the archive lacks $name.cjs or bin/$name"
  node "$new/$name.cjs" --help >"$log" 2>&1 || fail "$name.cjs --help failed: $(tail -n 1 "$log")"
done
(cd "$new" && node -e 'const D = require("better-sqlite3"); new D(":memory:").prepare("select 1").get()') >"$log" 2>&1 || fail "better-sqlite3 does not load: $(grep -v '^[[:space:]]*$' "$log" | tail -n 1)"
release="$releases/$(date -u +%Y%m%dT%H%M%SZ)-$(echo "$actual" | cut -c1-12)-\${new##*.}"
mv -T "$new" "$release" || fail "cannot move $new to $release"
trap 'rm -f "$log"' EXIT
ln -s "$release" "$tools.new" || fail "cannot create $tools.new"
mv -T "$tools.new" "$tools" || { rm -f "$tools.new"; fail "cannot swap $tools to $release"; }
for name in ${names}; do
  cp "$release/bin/$name" "$bin/.$name.new" && chmod 0755 "$bin/.$name.new" && mv -f "$bin/.$name.new" "$bin/$name" || fail "cannot install $bin/$name"
done
for old in "$releases"/*; do
  [ "$old" = "$release" ] || rm -rf "$old"
done
echo "host-tools: installed $release as $tools; scripts in $bin: ${names}"
`;
}
