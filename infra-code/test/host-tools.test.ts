/**
 * The host tools (plan/host-tools.ts): the Node check, the pinned lock, the wrappers, the install script, and the
 * real bundles — built by esbuild, installed from the archive by the install script into a temporary base folder
 * under os.tmpdir() (no repository node_modules above it), then run: restart-stacks --dry-run on a PATH without
 * Docker, a real backup of a SQLite file, and Harbor's bundled installer against a loopback Harbor API.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import Database from 'better-sqlite3';
import S3rver from 's3rver';
import { parse } from 'yaml';
import { openDatabase } from '../../app/src/db/sqlite-database';
import { startFakeHarbor } from '../../harbor/test/fake-harbor';
import { STACK_ORDER } from '../../scripts/src/ops/compose';
import { NODESOURCE_KEYRING, NODESOURCE_LIST, cloudInitDocument } from '../plan/cloud-init';
import {
  EXTERNAL_MODULES,
  HOST_SCRIPTS,
  buildHostTools,
  hostToolsLayout,
  installHostToolsScript,
  nodeCheckScript,
  pinnedDependencyFiles,
  wrapperScript,
  writeHarborInstaller,
  type HostToolsBuild,
  type PackageLock,
} from '../plan/host-tools';

const REPO = path.resolve(__dirname, '../..');
const ROOT_LOCK = JSON.parse(fs.readFileSync(path.join(REPO, 'package-lock.json'), 'utf8')) as PackageLock;
const ROOT_SQLITE_VERSION = ROOT_LOCK.packages['node_modules/better-sqlite3']?.version as string;

interface Ran {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a program (async, so a server in this process can answer it); never throws on exit codes. */
function run(file: string, args: readonly string[], options: { cwd?: string; env?: NodeJS.ProcessEnv; input?: string } = {}): Promise<Ran> {
  return new Promise((resolve) => {
    const child = execFile(file, args, { cwd: options.cwd ?? os.tmpdir(), env: options.env ?? process.env, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      const code = error ? (typeof (error as { code?: unknown }).code === 'number' ? ((error as { code: number }).code) : 1) : 0;
      resolve({ code, stdout, stderr });
    });
    child.stdin?.on('error', () => undefined); // a program that exits without reading its stdin
    child.stdin?.end(options.input ?? '');
  });
}

/** A folder whose only programs are symlinks to `names` (resolved on the current PATH). */
function pathWith(dir: string, names: readonly string[]): string {
  fs.mkdirSync(dir, { recursive: true });
  for (const name of names) {
    const found = (process.env.PATH ?? '').split(':').map((d) => path.join(d, name)).find((p) => fs.existsSync(p));
    if (!found) throw new Error(`${name} is not on PATH`);
    fs.symlinkSync(found, path.join(dir, name));
  }
  return dir;
}

let tmp: string;
beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'shagram-host-tools-'));
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe('cloud-init installs Node.js 20 from NodeSource', () => {
  const doc = parse(cloudInitDocument({ deployUser: 'deploy', sshPublicKey: 'ssh-ed25519 AAAAkey me@host', baseDir: '/opt/shagram' }));
  const runcmd: string[] = doc.runcmd;

  test('key dearmored into the keyring, a source signed by it, nodejs installed after apt-get update', () => {
    expect(NODESOURCE_LIST).toBe('deb [signed-by=/etc/apt/keyrings/nodesource.gpg] https://deb.nodesource.com/node_20.x nodistro main');
    const key = runcmd.findIndex((c) => c === `curl -fsSL https://deb.nodesource.com/gpgkey/nodesource-repo.gpg.key | gpg --dearmor --yes -o ${NODESOURCE_KEYRING}`);
    const source = runcmd.findIndex((c) => c === `echo "${NODESOURCE_LIST}" > /etc/apt/sources.list.d/nodesource.list`);
    const update = runcmd.indexOf('apt-get update');
    const install = runcmd.indexOf('DEBIAN_FRONTEND=noninteractive apt-get install -y nodejs');
    expect(runcmd.indexOf('install -m 0755 -d /etc/apt/keyrings')).toBeLessThan(key);
    expect(key).toBeGreaterThan(-1);
    expect(source).toBeGreaterThan(key);
    expect(update).toBeGreaterThan(source);
    expect(install).toBeGreaterThan(update);
  });

  test('gpg for the key, and a compiler toolchain for a native module without a prebuilt binary', () => {
    expect(doc.packages).toEqual(expect.arrayContaining(['gnupg', 'build-essential', 'python3', 'curl', 'ca-certificates']));
  });
});

describe('nodeCheckScript', () => {
  const check = `set -e\n${nodeCheckScript('host-ready')}\necho node-ok`;

  test('passes with this machine’s Node.js (20+)', async () => {
    const r = await run('sh', ['-c', check]);
    expect(r).toMatchObject({ code: 0, stdout: 'node-ok\n', stderr: '' });
  });

  test('fails with one line when node is not on PATH', async () => {
    const empty = fs.mkdtempSync(path.join(tmp, 'empty-path-'));
    const r = await run('/bin/sh', ['-c', check], { env: { PATH: empty } });
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe("host-ready: node not found on PATH: install Node.js 20 or later (the VPS's cloud-init installs it from NodeSource)\n");
  });

  test('fails with one line naming the version when node is older than 20', async () => {
    const dir = fs.mkdtempSync(path.join(tmp, 'old-node-'));
    // a program named node that answers like Node 18 does to `node -p process.versions.node`
    fs.writeFileSync(path.join(dir, 'node'), '#!/bin/sh\necho 18.19.1\n', { mode: 0o755 });
    const r = await run('/bin/sh', ['-c', check], { env: { PATH: `${dir}:/usr/bin:/bin` } });
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('host-ready: Node.js 18.19.1 is too old: the host scripts need Node.js 20 or later\n');
  });
});

describe('pinnedDependencyFiles', () => {
  const { packageJson, lock } = pinnedDependencyFiles(ROOT_LOCK);
  const pkg = JSON.parse(packageJson);
  const tools = JSON.parse(lock) as PackageLock;

  test('depends only on better-sqlite3 at the exact version and integrity of the root lock', () => {
    expect(EXTERNAL_MODULES).toEqual(['better-sqlite3']);
    expect(ROOT_SQLITE_VERSION).toMatch(/^\d+\.\d+\.\d+$/);
    expect(pkg.dependencies).toEqual({ 'better-sqlite3': ROOT_SQLITE_VERSION });
    expect(pkg.allowScripts).toEqual({ 'better-sqlite3': true });
    expect(tools.lockfileVersion).toBe(3);
    expect(tools.packages['']?.dependencies).toEqual({ 'better-sqlite3': ROOT_SQLITE_VERSION });
    expect(tools.packages['node_modules/better-sqlite3']?.version).toBe(ROOT_SQLITE_VERSION);
    expect(tools.packages['node_modules/better-sqlite3']?.integrity).toBe(ROOT_LOCK.packages['node_modules/better-sqlite3']?.integrity);
  });

  test('holds the whole dependency tree of better-sqlite3 and nothing else, copied from the root lock', () => {
    const paths = Object.keys(tools.packages).filter((p) => p !== '');
    expect(paths).toEqual(expect.arrayContaining(['node_modules/better-sqlite3', 'node_modules/bindings', 'node_modules/file-uri-to-path', 'node_modules/prebuild-install']));
    expect(paths).not.toContain('node_modules/express');
    expect(paths).not.toContain('node_modules/esbuild');
    for (const p of paths) {
      const { dev: _d, devOptional: _o, peer: _p, ...expected } = ROOT_LOCK.packages[p] as Record<string, unknown>;
      expect(tools.packages[p]).toEqual(expected);
      for (const dep of Object.keys(tools.packages[p]?.dependencies ?? {})) {
        // resolvable the way Node resolves it: nested first, then hoisted
        const nested = `${p}/node_modules/${dep}`;
        expect(tools.packages[nested] ?? tools.packages[`node_modules/${dep}`]).toBeDefined();
      }
    }
  });

  test('resolves a nested copy before the hoisted one, skips a missing optional dependency, refuses a missing one', () => {
    const synthetic: PackageLock = {
      lockfileVersion: 3,
      packages: {
        '': {},
        'node_modules/a': { version: '1.0.0', dependencies: { b: '^2' }, optionalDependencies: { gone: '1' } },
        'node_modules/a/node_modules/b': { version: '2.0.0', dev: true },
        'node_modules/b': { version: '1.0.0' },
        'node_modules/c': { version: '1.0.0', dependencies: { missing: '1' } },
      },
    };
    const out = JSON.parse(pinnedDependencyFiles(synthetic, ['a']).lock) as PackageLock;
    expect(Object.keys(out.packages)).toEqual(['', 'node_modules/a', 'node_modules/a/node_modules/b']);
    expect(out.packages['node_modules/a/node_modules/b']).toEqual({ version: '2.0.0' });
    expect(() => pinnedDependencyFiles(synthetic, ['c'])).toThrow('missing (needed by node_modules/c) is not in the root package-lock.json');
    expect(() => pinnedDependencyFiles(synthetic, ['nope'])).toThrow('nope is not in the root package-lock.json');
  });
});

describe('wrappers and the install script text', () => {
  test('a wrapper execs node on the bundle in the tools folder', () => {
    expect(wrapperScript('backup')).toBe(
      [
        '#!/bin/sh',
        '# Shagram host script backup (bundled; docs/operating.md). Installed by the deploy into /opt/shagram/bin.',
        'command -v node >/dev/null 2>&1 || { echo "backup: node not found on PATH: install Node.js 20 or later" >&2; exit 1; }',
        "exec node '/opt/shagram/tools/backup.cjs' \"$@\"",
        '',
      ].join('\n'),
    );
    expect(() => wrapperScript('backup', '/opt/x y')).toThrow('unsafe remote path');
    expect(() => wrapperScript('../x')).toThrow('bad script name');
  });

  test('the layout under the base folder', () => {
    expect(hostToolsLayout()).toEqual({
      baseDir: '/opt/shagram',
      toolsDir: '/opt/shagram/tools',
      releasesDir: '/opt/shagram/tools.d',
      binDir: '/opt/shagram/bin',
      archive: '/opt/shagram/incoming/host-tools.tar.gz',
    });
  });

  test('install script: valid sh, checks node and the archive digest, npm ci only in the dependency branch, atomic swap', async () => {
    const sha = 'a'.repeat(64);
    const script = installHostToolsScript({ archiveSha256: sha });
    expect((await run('sh', ['-n', '-c', script])).code).toBe(0);
    expect(script).toContain(nodeCheckScript('host-tools'));
    expect(script).toContain(`archive='/opt/shagram/incoming/host-tools.tar.gz'`);
    expect(script).toContain(`[ "$actual" = '${sha}' ]`);
    expect(script.match(/npm ci --omit=dev --no-audit --no-fund/g)).toHaveLength(1);
    expect(script).toContain('mv -T "$tools.new" "$tools"');
    expect(() => installHostToolsScript({ archiveSha256: 'abc' })).toThrow('not a sha256');
    expect(() => installHostToolsScript({ archiveSha256: sha, baseDir: 'relative' })).toThrow('unsafe remote path');
  });
});

describe('the built tools, installed from the archive into a base folder with no repository above it', () => {
  let base: string;
  let built: HostToolsBuild;
  let layout: ReturnType<typeof hostToolsLayout>;

  /** Copies what better-sqlite3 needs at run time from the repository's node_modules (no network). */
  function seedNodeModules(into: string): void {
    const from = path.join(REPO, 'node_modules');
    const to = path.join(into, 'node_modules');
    for (const rel of ['better-sqlite3/package.json', 'better-sqlite3/lib', 'better-sqlite3/build/Release/better_sqlite3.node', 'bindings', 'file-uri-to-path']) {
      fs.cpSync(path.join(from, rel), path.join(to, rel), { recursive: true });
    }
  }

  /** The key the install script stores for a release's dependencies: lock digest + Node ABI. */
  function depsKey(lockText: string): string {
    return `${createHash('sha256').update(lockText).digest('hex')} node-abi-${process.versions.modules}-${process.platform}-${process.arch}`;
  }

  async function install(sha = built.sha256): Promise<Ran> {
    fs.mkdirSync(path.dirname(layout.archive), { recursive: true });
    fs.copyFileSync(built.file, layout.archive);
    return run('sh', ['-c', installHostToolsScript({ archiveSha256: sha, baseDir: base })]);
  }

  beforeAll(() => {
    base = path.join(tmp, 'base');
    layout = hostToolsLayout(base);
    built = buildHostTools(REPO, path.join(tmp, 'work'), base);
    // A previous release with the same lock, as an earlier install leaves it: this install reuses its
    // node_modules instead of running npm ci (the npm ci branch runs in host-tools.system.test.ts).
    const previous = path.join(layout.releasesDir, 'previous');
    seedNodeModules(previous);
    fs.writeFileSync(path.join(previous, '.deps-key'), `${depsKey(fs.readFileSync(path.join(built.dir, 'package-lock.json'), 'utf8'))}\n`);
    fs.symlinkSync(previous, layout.toolsDir);
  }, 120_000);

  test('the archive: one bundle per script, package files, executable wrappers', async () => {
    expect(built.files).toEqual(
      [...HOST_SCRIPTS.flatMap((s) => [`${s.name}.cjs`, `bin/${s.name}`]), 'package-lock.json', 'package.json'].sort(),
    );
    const listing = await run('tar', ['-tzvf', built.file]);
    expect(listing.code).toBe(0);
    for (const s of HOST_SCRIPTS) {
      expect(listing.stdout).toMatch(new RegExp(`^-rwxr-xr-x .* bin/${s.name}$`, 'm'));
      expect(listing.stdout).toMatch(new RegExp(`^-rw-r--r-- .* ${s.name}\\.cjs$`, 'm'));
    }
    expect(fs.readFileSync(path.join(built.dir, 'bin/restore'), 'utf8')).toBe(wrapperScript('restore', layout.toolsDir));
  });

  test('each entry is bundled with better-sqlite3 left external', () => {
    for (const s of HOST_SCRIPTS) {
      const text = fs.readFileSync(path.join(built.dir, `${s.name}.cjs`), 'utf8');
      expect(text.split('\n')[0]).toContain(`Bundled from ${s.entry}`);
      // the scripts' shared kit and zx, its runner, are inside the bundle; better-sqlite3's own code is not
      expect(text).toContain('scripts/lib/command.ts');
      expect(text).toContain('node_modules/zx/');
      expect(text).not.toMatch(/require\("zx"\)/);
      expect(text).not.toContain('node_modules/better-sqlite3/');
    }
    for (const name of ['backup', 'restore']) {
      expect(fs.readFileSync(path.join(built.dir, `${name}.cjs`), 'utf8')).toContain('require("better-sqlite3")');
    }
  });

  test('building again gives the same archive bytes', () => {
    const again = buildHostTools(REPO, path.join(tmp, 'work-again'), base);
    expect(again.sha256).toBe(built.sha256);
  }, 60_000);

  test('install: a wrong digest changes nothing and says so in one line', async () => {
    const r = await install('0'.repeat(64));
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`host-tools: archive ${layout.archive} has sha256 ${built.sha256}, expected ${'0'.repeat(64)} (incomplete upload?)\n`);
    expect(fs.readlinkSync(layout.toolsDir)).toBe(path.join(layout.releasesDir, 'previous'));
    expect(fs.readdirSync(layout.releasesDir)).toEqual(['previous']);
  });

  test('install: unchanged dependencies are reused, the tools link swaps to the new release, wrappers land in bin', async () => {
    const r = await install();
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('host-tools: dependencies unchanged, reusing');
    const release = fs.readlinkSync(layout.toolsDir);
    expect(path.dirname(release)).toBe(layout.releasesDir);
    expect(path.basename(release)).toMatch(new RegExp(`^\\d{8}T\\d{6}Z-${built.sha256.slice(0, 12)}-`));
    expect(fs.readdirSync(layout.releasesDir)).toEqual([path.basename(release)]);
    expect(fs.readdirSync(layout.binDir).sort()).toEqual(HOST_SCRIPTS.map((s) => s.name).sort());
    expect(fs.statSync(path.join(layout.binDir, 'backup')).mode & 0o777).toBe(0o755);
    expect(fs.statSync(release).mode & 0o777).toBe(0o755);
    expect(fs.readFileSync(path.join(release, '.deps-key'), 'utf8').trim()).toBe(depsKey(fs.readFileSync(path.join(release, 'package-lock.json'), 'utf8')));
  }, 60_000);

  test('restart-stacks --dry-run plans on a PATH without docker, stating the assumed compose CLI', async () => {
    const root = path.join(tmp, 'stacks');
    for (const stack of STACK_ORDER) {
      fs.mkdirSync(path.join(root, stack), { recursive: true });
      fs.writeFileSync(path.join(root, stack, stack === 'harbor' ? 'docker-compose.yml' : 'compose.yaml'), 'services: {}\n');
    }
    const bin = pathWith(path.join(tmp, 'path-without-docker'), ['node', 'bash', 'sh']);
    const r = await run(path.join(layout.binDir, 'restart-stacks'), ['--dry-run', '--stacks-root', root, '--no-pull'], { env: { PATH: bin } });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines[0]).toBe('# compose: docker compose (assumed: neither `docker compose` nor `docker-compose` answers on this machine)');
    for (const stack of STACK_ORDER) {
      const file = stack === 'harbor' ? 'docker-compose.yml' : 'compose.yaml';
      expect(lines).toContain(`cd ${root}/${stack} && docker compose -f ${file} up -d --force-recreate --remove-orphans`);
    }
  });

  test('backup: a real backup of a SQLite file, restorable and intact', async () => {
    const db = path.join(tmp, 'chat.db');
    const made = openDatabase(db, path.join(REPO, 'app/migrations'));
    made.prepare("INSERT INTO messages(room_id, user, text, created_at) VALUES ('general', 'ops', 'hello from the host', '2026-12-01T00:00:00.000Z')").run();
    made.close();
    const out = path.join(tmp, 'backups');
    const r = await run(path.join(layout.binDir, 'backup'), ['--db', db, '--out', out]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const [file, ...more] = fs.readdirSync(out);
    expect(more).toEqual([]);
    expect(file).toMatch(/^shagram-.*\.db\.gz$/);
    const copy = path.join(tmp, 'restored.db');
    fs.writeFileSync(copy, zlib.gunzipSync(fs.readFileSync(path.join(out, file as string))));
    const check = new Database(copy, { readonly: true });
    expect(check.prepare('SELECT text FROM messages').all()).toEqual([{ text: 'hello from the host' }]);
    check.close();
  });

  test('backup-offsite and restore-offsite: a round trip through an S3 server on loopback, from the installed bundles', async () => {
    const s3 = new S3rver({ port: 0, address: '127.0.0.1', silent: true, directory: path.join(tmp, 's3'), configureBuckets: [{ name: 'offsite', configs: [] }] });
    const { port } = await s3.run();
    try {
      const db = path.join(tmp, 'offsite', 'shagram.db');
      fs.mkdirSync(path.dirname(db), { recursive: true });
      const made = openDatabase(db, path.join(REPO, 'app/migrations'));
      made.prepare("INSERT INTO messages(room_id, user, text, created_at) VALUES ('general', 'ops', 'kept off the host', '2026-12-01T00:00:00.000Z')").run();
      made.close();
      const env = {
        PATH: process.env.PATH,
        SHAGRAM_BACKUP_BUCKET: 'offsite',
        SHAGRAM_BACKUP_ENDPOINT: `http://127.0.0.1:${port}`,
        SHAGRAM_BACKUP_ACCESS_KEY_ID: 'S3RVER',
        SHAGRAM_BACKUP_SECRET_ACCESS_KEY: 'S3RVER',
        SHAGRAM_BACKUP_ENCRYPTION_KEY: '5a'.repeat(32),
        SHAGRAM_BACKUP_METRICS_FILE: path.join(tmp, 'offsite', 'metrics', 'backup.prom'),
      };
      const backup = await run(path.join(layout.binDir, 'backup-offsite'), ['--only', 'chat', '--db', db, '--work-dir', path.join(tmp, 'offsite-work')], { env });
      expect(backup.stderr).toBe('');
      expect(backup.code).toBe(0);
      expect(backup.stdout).toMatch(/^backup-offsite: chat: ok in /m);
      expect(fs.readFileSync(env.SHAGRAM_BACKUP_METRICS_FILE, 'utf8')).toMatch(/^shagram_backup_last_success_timestamp_seconds\{target="chat"\} \d+$/m);
      const later = new Database(db);
      later.prepare("INSERT INTO messages(room_id, user, text, created_at) VALUES ('general', 'ops', 'after the backup', '2026-12-02T00:00:00.000Z')").run();
      later.close();
      const restore = await run(path.join(layout.binDir, 'restore-offsite'), ['chat', '--db', db], { env });
      expect(restore.stderr).toBe('');
      expect(restore.code).toBe(0);
      const check = new Database(db, { readonly: true });
      expect(check.prepare('SELECT text FROM messages').all()).toEqual([{ text: 'kept off the host' }]);
      check.close();
    } finally {
      await s3.close();
    }
  }, 60_000);

  test('status and restore answer --help through their wrappers', async () => {
    for (const name of ['status', 'restore']) {
      const r = await run(path.join(layout.binDir, name), ['--help']);
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(/^Usage: /);
    }
  });

  test('a wrapper without node on PATH fails with one line', async () => {
    const r = await run('/bin/sh', [path.join(layout.binDir, 'status'), '--help'], { env: { PATH: fs.mkdtempSync(path.join(tmp, 'no-node-')) } });
    expect(r).toMatchObject({ code: 1, stdout: '', stderr: 'status: node not found on PATH: install Node.js 20 or later\n' });
  });
});

describe("Harbor's installer bundled beside harbor/install", () => {
  test('harbor/install runs install.cjs with node from a stack folder with no repository around it', async () => {
    const stack = path.join(tmp, 'stacks-harbor', 'harbor');
    fs.mkdirSync(stack, { recursive: true });
    for (const file of ['install', 'harbor.yml.template', 'installer.json']) fs.copyFileSync(path.join(REPO, 'harbor', file), path.join(stack, file));
    fs.chmodSync(path.join(stack, 'install'), 0o755);
    expect(writeHarborInstaller(REPO, stack)).toBe(path.join(stack, 'install.cjs'));

    const help = await run(path.join(stack, 'install'), ['--help'], { cwd: stack });
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^Usage: harbor\/install/);

    const harbor = await startFakeHarbor('Admin-Passw0rd');
    try {
      fs.writeFileSync(
        path.join(stack, '.env'),
        [
          'HARBOR_HOSTNAME=registry.example.com',
          'HARBOR_EXTERNAL_URL=https://registry.example.com',
          'HARBOR_HTTP_PORT=8085',
          'HARBOR_DATA_VOLUME=/opt/shagram/data/harbor',
          'HARBOR_ADMIN_PASSWORD=Admin-Passw0rd',
          'HARBOR_DB_PASSWORD=Db-Passw0rd',
          'HARBOR_ROBOT_SECRET=Robot-Secret-123',
          '',
        ].join('\n'),
      );
      // --api-only renders harbor.yml.template from the stack folder first, then talks to the API
      const r = await run(path.join(stack, 'install'), ['--api-only', '--api-url', harbor.url], { cwd: os.tmpdir() });
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      expect(r.stdout).toContain('harbor/install: project shagram: created');
      expect([...harbor.projects.keys()]).toEqual(['shagram']);
      expect(harbor.robots.map((robot) => robot.name)).toEqual(['robot$shagram+ci']);
    } finally {
      await harbor.close();
    }
  }, 60_000);
});
