import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { download, sha256File, verifyChecksum } from '../src/checksum';
import { loadPin, runInstall } from '../src/install';
import { startFakeHarbor, type FakeHarbor } from './fake-harbor';

const ADMIN = 'Admin-Passw0rd';
let work: string;
let harbor: FakeHarbor;
let files: http.Server;
let filesUrl: string;
const originalPath = process.env.PATH;

/** A stand-in offline installer: harbor/install.sh writes docker-compose.yml, harbor/prepare logs itself. */
function makeInstallerTarball(dir: string): string {
  const src = path.join(dir, 'src', 'harbor');
  fs.mkdirSync(src, { recursive: true });
  fs.writeFileSync(path.join(src, 'install.sh'), '#!/bin/sh\nset -e\ntest -f harbor.yml\necho "services: {}" > docker-compose.yml\necho install.sh >> calls.log\n', { mode: 0o755 });
  fs.writeFileSync(path.join(src, 'prepare'), '#!/bin/sh\necho prepare >> calls.log\n', { mode: 0o755 });
  fs.writeFileSync(path.join(src, 'harbor.yml.tmpl'), 'hostname: reg.mydomain.com\n');
  const tarball = path.join(dir, 'installer.tgz');
  execFileSync('tar', ['-czf', tarball, '-C', path.join(dir, 'src'), 'harbor']);
  return tarball;
}

beforeEach(async () => {
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'harbor-install-'));
  harbor = await startFakeHarbor(ADMIN);
  const tarball = makeInstallerTarball(work);
  files = http.createServer((req, res) => {
    if (req.url === '/harbor.tgz') fs.createReadStream(tarball).pipe(res.writeHead(200));
    else res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => files.listen(0, '127.0.0.1', resolve));
  filesUrl = `http://127.0.0.1:${(files.address() as AddressInfo).port}`;
  // A fake docker on PATH: `docker compose ...` is logged in the stack folder's calls.log.
  const bin = path.join(work, 'bin');
  fs.mkdirSync(bin);
  fs.writeFileSync(path.join(bin, 'docker'), '#!/bin/sh\n[ "$1 $2" = "compose version" ] && exit 0\necho "docker $*" >> calls.log\n', { mode: 0o755 });
  process.env.PATH = `${bin}:${originalPath}`;
});
afterEach(async () => {
  process.env.PATH = originalPath;
  await harbor.close();
  await new Promise<void>((resolve) => files.close(() => resolve()));
  fs.rmSync(work, { recursive: true, force: true });
});

describe('checksum and download', () => {
  it('computes the SHA-256 of a real file and accepts only the right digest', async () => {
    const file = path.join(work, 'blob');
    const content = crypto.randomBytes(300_000);
    fs.writeFileSync(file, content);
    const digest = crypto.createHash('sha256').update(content).digest('hex');
    expect(await sha256File(file)).toBe(digest);
    await expect(verifyChecksum(file, digest.toUpperCase())).resolves.toBeUndefined();
    await expect(verifyChecksum(file, 'b'.repeat(64))).rejects.toThrow(`checksum mismatch for ${file}: expected ${'b'.repeat(64)}, got ${digest}`);
    await expect(verifyChecksum(file, 'not-a-digest')).rejects.toThrow(/not a SHA-256/);
  });

  it('downloads over HTTP into the file, and fails readably on a 404', async () => {
    const dest = path.join(work, 'downloaded.tgz');
    await download(`${filesUrl}/harbor.tgz`, dest);
    expect(fs.readFileSync(dest)).toEqual(fs.readFileSync(path.join(work, 'installer.tgz')));
    await expect(download(`${filesUrl}/missing.tgz`, path.join(work, 'x'))).rejects.toThrow(/answered 404/);
    expect(fs.existsSync(path.join(work, 'x'))).toBe(false);
  });
});

describe('harbor/install end to end (stand-in installer, fake docker, loopback Harbor API)', () => {
  const env = () => ({
    HARBOR_HOSTNAME: 'registry.example.com',
    HARBOR_EXTERNAL_URL: 'https://registry.example.com',
    HARBOR_HTTP_PORT: '8085',
    HARBOR_DATA_VOLUME: '/opt/shagram/data/harbor',
    HARBOR_ADMIN_PASSWORD: ADMIN,
    HARBOR_DB_PASSWORD: 'Db-Passw0rd',
    HARBOR_ROBOT_SECRET: 'Robot-Secret-123',
  });

  it('installs, leaves docker-compose.yml in the stack folder, creates project and robot; a second run creates nothing', async () => {
    const stackDir = path.join(work, 'stack');
    fs.mkdirSync(stackDir);
    const sha256 = await sha256File(path.join(work, 'installer.tgz'));
    const pin = { version: 'v2.13.2', url: `${filesUrl}/harbor.tgz`, sha256 };
    const lines: string[] = [];
    const first = await runInstall({ stackDir, env: env(), pin, apiUrl: harbor.url, log: (line) => lines.push(line) });
    expect(first).toEqual({ project: 'created', robot: 'created', robotName: 'robot$shagram+ci' });
    expect(fs.existsSync(path.join(stackDir, 'docker-compose.yml'))).toBe(true);
    expect(fs.statSync(path.join(stackDir, 'harbor.yml')).mode & 0o777).toBe(0o600);
    expect(fs.readFileSync(path.join(stackDir, 'harbor.yml'), 'utf8')).toContain('external_url: https://registry.example.com');
    expect(fs.readFileSync(path.join(stackDir, '.installed-version'), 'utf8')).toBe('v2.13.2\n');
    expect(fs.existsSync(path.join(stackDir, 'harbor-offline-installer-v2.13.2.tgz'))).toBe(false);
    expect(lines).toContain(`checksum ok: harbor-offline-installer-v2.13.2.tgz`);

    const postsBefore = harbor.seen.filter((request) => request.method === 'POST').length;
    const second = await runInstall({ stackDir, env: env(), pin, apiUrl: harbor.url, log: () => undefined });
    expect(second).toEqual({ project: 'exists', robot: 'updated', robotName: 'robot$shagram+ci' });
    expect(harbor.seen.filter((request) => request.method === 'POST').length).toBe(postsBefore);
    expect(harbor.robots).toHaveLength(1);
    // First run: the installer; second run: only compose up (no download, no reinstall, no prepare).
    const calls = fs.readFileSync(path.join(stackDir, 'calls.log'), 'utf8').trim().split('\n');
    expect(calls).toEqual(['install.sh', 'docker compose up -d --remove-orphans']);
  });

  it('refuses a tarball whose checksum does not match, before unpacking anything', async () => {
    const stackDir = path.join(work, 'stack');
    fs.mkdirSync(stackDir);
    const pin = { version: 'v2.13.2', url: `${filesUrl}/harbor.tgz`, sha256: 'c'.repeat(64) };
    await expect(runInstall({ stackDir, env: env(), pin, apiUrl: harbor.url, log: () => undefined })).rejects.toThrow(/checksum mismatch/);
    expect(fs.existsSync(path.join(stackDir, 'install.sh'))).toBe(false);
    expect(harbor.seen).toHaveLength(0);
  });

  it('refuses placeholder secrets and a missing stack folder', async () => {
    const pin = { version: 'v', url: '', sha256: 'a'.repeat(64) };
    await expect(runInstall({ stackDir: work, env: { ...env(), HARBOR_ROBOT_SECRET: 'change-me' }, pin, apiOnly: true })).rejects.toThrow(/HARBOR_ROBOT_SECRET/);
    await expect(runInstall({ stackDir: path.join(work, 'nope'), env: env(), pin })).rejects.toThrow(/does not exist/);
  });

  it('gives up after a bounded number of health checks', async () => {
    harbor.healthy = false;
    const pin = { version: 'v', url: '', sha256: 'a'.repeat(64) };
    await expect(runInstall({ stackDir: work, env: env(), pin, apiOnly: true, apiUrl: harbor.url, healthAttempts: 3, healthIntervalMs: 10 })).rejects.toThrow(
      'Harbor did not report healthy after 3 checks',
    );
  });

  it('reads the pin, applies HARBOR_INSTALLER_SHA256, and fails readably while no digest is pinned', () => {
    const file = path.join(work, 'installer.json');
    fs.writeFileSync(file, JSON.stringify({ version: 'v2.13.2', url: 'https://x/h.tgz', sha256: null }));
    expect(() => loadPin({}, file)).toThrow(/no SHA-256 pinned for the Harbor v2.13.2 installer/);
    expect(loadPin({ HARBOR_INSTALLER_SHA256: 'D'.repeat(64) }, file)).toEqual({ version: 'v2.13.2', url: 'https://x/h.tgz', sha256: 'd'.repeat(64) });
    const real = JSON.parse(fs.readFileSync(path.join(__dirname, '..', 'installer.json'), 'utf8'));
    expect(real.version).toMatch(/^v2\.\d+\.\d+$/);
    expect(real.url).toBe(`https://github.com/goharbor/harbor/releases/download/${real.version}/harbor-offline-installer-${real.version}.tgz`);
  });
});

describe('the command line (the scripts\' kit)', () => {
  const wrapper = path.join(__dirname, '..', 'install');
  const fails = (args: string[]) => {
    try {
      execFileSync(wrapper, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    } catch (error) {
      const e = error as { status: number; stderr: string };
      return { status: e.status, stderr: e.stderr };
    }
    throw new Error(`harbor/install ${args.join(' ')} succeeded`);
  };
  test.each([
    [['--bogus'], 'harbor/install: unknown option --bogus (see --help)\n'],
    [['--stack-dir'], 'harbor/install: --stack-dir needs a value\n'],
    [['--api-only', 'extra'], 'harbor/install: unexpected argument "extra" (see --help)\n'],
    [['--stack-dir', '/no/such/stack', '--api-only'], 'harbor/install: stack folder /no/such/stack does not exist\n'],
  ])('%j: one line, exit 1', (args, line) => {
    expect(fails(args)).toEqual({ status: 1, stderr: line });
  });
  test('--help prints the usage and succeeds', () => {
    expect(execFileSync(wrapper, ['--help'], { encoding: 'utf8' })).toMatch(/^Usage: harbor\/install /);
  });
});
