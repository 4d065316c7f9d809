/**
 * The host tools installed over SSH as `HostTools` installs them: the archive copied the way `remote.CopyToRemote`
 * copies a file, the generated install script run as one SSH exec request (as `remote.Command` runs `create`), into
 * a base folder under the system temp folder. The first install runs the real `npm ci --omit=dev` of the generated
 * lock (packages from the npm registry); the operator then runs the installed commands over SSH.
 *
 * better-sqlite3's install step downloads a prebuilt binary from GitHub, which this machine cannot reach; the SSH
 * session is given prebuild-install's own offline source instead (test/system-helpers/better-sqlite3-prebuild.ts:
 * the release tarball made from the binary the repository's `npm ci` built). Everything else is the real path: npm resolves and installs the pinned tree, prebuild-install unpacks the binary, the script checks it loads.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openDatabase } from '../../app/src/db/sqlite-database';
import { buildHostTools, hostToolsLayout, installHostToolsScript, HOST_SCRIPTS, type HostToolsBuild } from '../plan/host-tools';
import { localPrebuildEnv, writeLocalPrebuild } from '../../test/system-helpers/better-sqlite3-prebuild';
import { startSshd, type SshServer } from '../../test/system-helpers/sshd';

const REPO = path.resolve(__dirname, '../..');
const SQLITE = JSON.parse(fs.readFileSync(path.join(REPO, 'node_modules/better-sqlite3/package.json'), 'utf8')) as { version: string };

let tmp: string;
let server: SshServer;
let built: HostToolsBuild;
let layout: ReturnType<typeof hostToolsLayout>;

beforeAll(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'shagram-host-tools-ssh-'));
  fs.chmodSync(tmp, 0o755);
  layout = hostToolsLayout(path.join(tmp, 'opt-shagram'));
  // as cloud-init leaves it: the base folder and incoming/ exist
  fs.mkdirSync(path.dirname(layout.archive), { recursive: true });
  built = buildHostTools(REPO, path.join(tmp, 'build'), layout.baseDir);
  const prebuilds = path.join(tmp, 'prebuilds');
  writeLocalPrebuild(REPO, prebuilds);
  server = await startSshd({ sessionEnv: localPrebuildEnv(prebuilds) });
}, 120_000);

afterAll(async () => {
  await server?.stop();
  fs.rmSync(tmp, { recursive: true, force: true });
});

async function upload(file: string): Promise<void> {
  fs.rmSync(layout.archive, { force: true });
  await server.copy({ kind: 'asset', path: file }, layout.archive);
}

test('first install: npm ci of the pinned lock, tools link and wrappers in place', async () => {
  await upload(built.file);
  const r = await server.exec(installHostToolsScript({ archiveSha256: built.sha256, baseDir: layout.baseDir }));
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  expect(r.stdout).toContain('host-tools: installing dependencies (npm ci --omit=dev)');
  expect(r.stdout).toContain(`host-tools: installed ${layout.releasesDir}/`);
  const installed = JSON.parse(fs.readFileSync(path.join(layout.toolsDir, 'node_modules/better-sqlite3/package.json'), 'utf8')) as { version: string };
  expect(installed.version).toBe(SQLITE.version);
  // --omit=dev with only better-sqlite3 in the lock: no toolchain of the repository came along
  expect(fs.existsSync(path.join(layout.toolsDir, 'node_modules/zx'))).toBe(false);
  expect(fs.readdirSync(layout.binDir).sort()).toEqual(HOST_SCRIPTS.map((s) => s.name).sort());
}, 300_000);

test('the operator runs the installed commands over SSH: a dry run and a real backup', async () => {
  const stacks = path.join(tmp, 'stacks');
  fs.mkdirSync(path.join(stacks, 'shagram'), { recursive: true });
  fs.writeFileSync(path.join(stacks, 'shagram', 'compose.yaml'), 'services: {}\n');
  const dry = await server.exec(`${layout.binDir}/restart-stacks --dry-run --only shagram --stacks-root ${stacks}`);
  expect(dry.code).toBe(0);
  expect(dry.stdout).toMatch(/^# compose: /);
  expect(dry.stdout).toContain(`cd ${stacks}/shagram && `);

  const db = path.join(tmp, 'chat.db');
  const made = openDatabase(db, path.join(REPO, 'app/migrations'));
  made.prepare("INSERT INTO messages(room_id, user, text, created_at) VALUES ('general', 'ops', 'over ssh', '2026-12-01T00:00:00.000Z')").run();
  made.close();
  const out = path.join(tmp, 'backups');
  const backup = await server.exec(`${layout.binDir}/backup --db ${db} --out ${out}`);
  expect(backup.stderr).toBe('');
  expect(backup.code).toBe(0);
  expect(fs.readdirSync(out)).toEqual([expect.stringMatching(/^shagram-.*\.db\.gz$/)]);
}, 120_000);

test('second install of the same lock reuses node_modules; a damaged upload changes nothing', async () => {
  const before = fs.readlinkSync(layout.toolsDir);
  const again = await server.exec(installHostToolsScript({ archiveSha256: built.sha256, baseDir: layout.baseDir }));
  expect(again.code).toBe(0);
  expect(again.stdout).toContain('host-tools: dependencies unchanged, reusing');
  const current = fs.readlinkSync(layout.toolsDir);
  expect(current).not.toBe(before);
  expect(fs.readdirSync(layout.releasesDir)).toEqual([path.basename(current)]);

  const damaged = path.join(tmp, 'damaged.tar.gz');
  fs.writeFileSync(damaged, fs.readFileSync(built.file).subarray(0, 1000));
  await upload(damaged);
  const broken = await server.exec(installHostToolsScript({ archiveSha256: built.sha256, baseDir: layout.baseDir }));
  expect(broken.code).toBe(1);
  expect(broken.stderr.trim().split('\n')).toEqual([expect.stringMatching(/^host-tools: archive .* has sha256 [0-9a-f]{64}, expected [0-9a-f]{64} \(incomplete upload\?\)$/)]);
  expect(fs.readlinkSync(layout.toolsDir)).toBe(current);
  expect(fs.readdirSync(layout.releasesDir)).toEqual([path.basename(current)]);
  const status = await server.exec(`${layout.binDir}/status --help`);
  expect(status.code).toBe(0);
}, 300_000);
