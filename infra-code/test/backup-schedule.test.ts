/**
 * The off-host backup in the Pulumi program: its configuration keys (validated, errors name the key), the settings
 * file and systemd units (plan/backup-schedule.ts), the install script run for real against a temporary root with
 * stand-ins for sudo and systemctl, and the program registering it only when configured (Pulumi mocks).
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseEnvFile, parseSettings } from '../../scripts/src/offsite-plan';
import { ConfigError } from '../common/config-fields';
import { SECRET_KEYS, parseConfig, type BackupConfig } from '../vps/config';
import { runVpsProgram } from '../vps/program';
import { BACKUP_SERVICE, BACKUP_TIMER, backupServiceUnit, backupTimerUnit, installBackupScheduleScript, offsiteSettingsFile } from '../plan/backup-schedule';
import { HOST_SCRIPTS } from '../plan/host-tools';
import { devConfig, fixtureStackDirs, isSecretEnvelope, runMocked, tmpBundleRoot } from './harness';

const KEY = '0f'.repeat(32);
const BACKUP_VALUES = {
  'shagram:backupBucket': 'shagram-backups',
  'shagram:backupAccessKeyId': 'YCAJEabcdefgh12345',
  'shagram:backupSecretAccessKey': 'YCsecretsecretsecret0123',
  'shagram:backupEncryptionKey': KEY,
};
const parse = (values: Record<string, string | undefined>, secrets: readonly string[] = SECRET_KEYS) => parseConfig({ values, secretKeys: new Set(secrets), env: {} });
function errorOf(values: Record<string, string | undefined>, secrets?: readonly string[]): string {
  try {
    parse(values, secrets);
  } catch (e) {
    if (e instanceof ConfigError) return e.message;
    throw e;
  }
  throw new Error('expected a ConfigError');
}

describe('configuration', () => {
  test('no backup keys: no off-host backup', () => {
    expect(parse(devConfig()).backup).toBeUndefined();
  });

  test('the bucket and its keys, with defaults for the rest', () => {
    expect(parse({ ...devConfig(), ...BACKUP_VALUES }).backup).toEqual({
      bucket: 'shagram-backups',
      endpoint: 'https://storage.yandexcloud.net',
      region: 'ru-central1',
      prefix: 'shagram',
      accessKeyId: 'YCAJEabcdefgh12345',
      secretAccessKey: 'YCsecretsecretsecret0123',
      encryptionKey: KEY,
      keepDaily: 7,
      keepWeekly: 4,
      time: '03:15',
    });
    expect(SECRET_KEYS).toEqual(expect.arrayContaining(['shagram:backupSecretAccessKey', 'shagram:backupEncryptionKey']));
  });

  test.each([
    ['shagram:backupAccessKeyId: is required (pulumi config set shagram:backupAccessKeyId <value>): the off-host backup', { 'shagram:backupAccessKeyId': undefined }],
    ['shagram:backupEncryptionKey: is required (pulumi config set shagram:backupEncryptionKey --secret <value>)', { 'shagram:backupEncryptionKey': undefined }],
    ['shagram:backupEncryptionKey: must be 64 hex digits (a 256-bit key: openssl rand -hex 32)', { 'shagram:backupEncryptionKey': 'abc' }],
    ['shagram:backupSecretAccessKey: must be at least 16 characters', { 'shagram:backupSecretAccessKey': 'short' }],
    ['shagram:backupBucket: must be a bucket name', { 'shagram:backupBucket': 'Not_A_Bucket' }],
    ['shagram:backupEndpoint: must be an http(s):// URL without a path', { 'shagram:backupEndpoint': 'storage.yandexcloud.net' }],
    ['shagram:backupKeepDaily: must be at least 1', { 'shagram:backupKeepDaily': '0' }],
    ['shagram:backupTime: must be a UTC time of day HH:MM', { 'shagram:backupTime': '3am' }],
    ['shagram:backupPrefix: must be letters', { 'shagram:backupPrefix': '/lead' }],
  ])('refused, naming the key: %s', (message, change) => {
    expect(errorOf({ ...devConfig(), ...BACKUP_VALUES, ...change })).toContain(message);
  });

  test('the secret keys must be set as secrets; a backup key without the bucket is refused', () => {
    expect(errorOf({ ...devConfig(), ...BACKUP_VALUES }, ['shagram:sshPrivateKey', 'shagram:backupSecretAccessKey'])).toBe(
      'shagram:backupEncryptionKey: is a secret: set it with pulumi config set --secret shagram:backupEncryptionKey',
    );
    expect(errorOf({ ...devConfig(), 'shagram:backupKeepDaily': '14' })).toBe('shagram:backupBucket: is required with shagram:backupKeepDaily (the off-host backup\'s bucket)');
  });
});

const BACKUP: BackupConfig = {
  bucket: 'shagram-backups',
  endpoint: 'https://storage.yandexcloud.net',
  region: 'ru-central1',
  prefix: 'prod/shagram',
  accessKeyId: 'YCAJEabcdefgh12345',
  secretAccessKey: 'YCsecretsecretsecret0123',
  encryptionKey: KEY,
  keepDaily: 10,
  keepWeekly: 6,
  time: '02:30',
};

describe('settings file and units', () => {
  test('the settings file is what backup-offsite reads', () => {
    const text = offsiteSettingsFile(BACKUP);
    const settings = parseSettings(parseEnvFile(text), () => '');
    expect(settings).toMatchObject({ bucket: 'shagram-backups', prefix: 'prod/shagram', keepDaily: 10, keepWeekly: 6, metricsFile: '/opt/shagram/metrics/backup.prom', secretAccessKey: 'YCsecretsecretsecret0123' });
    expect(settings.key.toString('hex')).toBe(KEY);
    expect(() => offsiteSettingsFile({ ...BACKUP, secretAccessKey: "has'quote" })).toThrow('SHAGRAM_BACKUP_SECRET_ACCESS_KEY: an empty value, a space, a quote or a backslash cannot go into the settings file');
  });

  test('daily timer with a randomized delay, persistent; a oneshot service running the host tool', () => {
    expect(backupTimerUnit('02:30')).toContain('[Timer]\nOnCalendar=*-*-* 02:30:00 UTC\nRandomizedDelaySec=45min\nPersistent=true\nUnit=shagram-backup.service\n');
    expect(backupTimerUnit('02:30')).toContain('[Install]\nWantedBy=timers.target\n');
    const service = backupServiceUnit();
    expect(service).toContain('Type=oneshot\nExecStart=/opt/shagram/bin/backup-offsite\n');
    expect(service).toContain('ConditionPathExists=/opt/shagram/backup/offsite.env\n');
    expect(() => backupTimerUnit('25:00')).toThrow('not a time of day HH:MM');
  });

  test('the host tools ship backup-offsite and restore-offsite', () => {
    expect(HOST_SCRIPTS).toEqual(
      expect.arrayContaining([
        { name: 'backup-offsite', entry: 'scripts/src/backup-offsite.ts' },
        { name: 'restore-offsite', entry: 'scripts/src/restore-offsite.ts' },
      ]),
    );
  });
});

interface Ran {
  code: number;
  stdout: string;
  stderr: string;
}
function run(file: string, args: readonly string[], env: NodeJS.ProcessEnv, input: string): Promise<Ran> {
  return new Promise((resolve) => {
    const child = execFile(file, args, { env }, (error, stdout, stderr) => {
      resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
    child.stdin?.end(input);
  });
}

describe('the install script, run against a temporary root', () => {
  let root: string;
  let env: NodeJS.ProcessEnv;
  let calls: string;
  beforeEach(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'shagram-backup-schedule-'));
    const bin = path.join(root, 'fakebin');
    fs.mkdirSync(bin);
    calls = path.join(root, 'systemctl.calls');
    // sudo -n <cmd>: runs <cmd> (the test runs as root or owns the temporary root); chown to root is skipped when not root.
    fs.writeFileSync(path.join(bin, 'sudo'), '#!/bin/sh\n[ "$1" = -n ] && shift\nif [ "$1" = chown ] && [ "$(id -u)" != 0 ]; then exit 0; fi\nexec "$@"\n', { mode: 0o755 });
    fs.writeFileSync(path.join(bin, 'systemctl'), `#!/bin/sh\necho "$*" >> '${calls}'\n`, { mode: 0o755 });
    fs.mkdirSync(path.join(root, 'opt', 'bin'), { recursive: true });
    fs.writeFileSync(path.join(root, 'opt', 'bin', 'backup-offsite'), '#!/bin/sh\n', { mode: 0o755 });
    fs.mkdirSync(path.join(root, 'systemd'));
    env = { PATH: `${bin}:/usr/bin:/bin` };
  });
  afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

  test('writes the settings from stdin (0600), both units, reloads systemd and enables the timer', async () => {
    const base = path.join(root, 'opt');
    const script = installBackupScheduleScript('02:30', base, path.join(root, 'systemd'));
    const settings = offsiteSettingsFile(BACKUP, base);
    expect(script).not.toContain(BACKUP.secretAccessKey);
    expect(script).not.toContain(KEY);
    const r = await run('/bin/sh', ['-c', script], env, settings);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(`offsite-backup: ${BACKUP_TIMER} enabled: daily at 02:30 UTC (+ up to 45min); settings in ${base}/backup/offsite.env\n`);
    expect(fs.readFileSync(path.join(base, 'backup', 'offsite.env'), 'utf8')).toBe(settings);
    expect(fs.statSync(path.join(base, 'backup', 'offsite.env')).mode & 0o777).toBe(0o600);
    expect(fs.statSync(path.join(base, 'backup')).mode & 0o777).toBe(0o700);
    expect(fs.readFileSync(path.join(root, 'systemd', BACKUP_SERVICE), 'utf8')).toBe(backupServiceUnit(base));
    expect(fs.readFileSync(path.join(root, 'systemd', BACKUP_TIMER), 'utf8')).toBe(backupTimerUnit('02:30'));
    expect(fs.readFileSync(calls, 'utf8')).toBe(`daemon-reload\nenable --now ${BACKUP_TIMER}\n`);
    expect(fs.readdirSync(path.join(root, 'systemd')).sort()).toEqual([BACKUP_SERVICE, BACKUP_TIMER]); // no temporary files left
  });

  test('fails with one line when the host tools are not installed, or the settings are missing', async () => {
    const base = path.join(root, 'opt');
    fs.rmSync(path.join(base, 'bin', 'backup-offsite'));
    const missing = await run('/bin/sh', ['-c', installBackupScheduleScript('02:30', base, path.join(root, 'systemd'))], env, '');
    expect(missing).toMatchObject({ code: 1, stderr: `offsite-backup: ${base}/bin/backup-offsite is missing (the host tools install it)\n` });
    fs.writeFileSync(path.join(base, 'bin', 'backup-offsite'), '#!/bin/sh\n', { mode: 0o755 });
    const empty = await run('/bin/sh', ['-c', installBackupScheduleScript('02:30', base, path.join(root, 'systemd'))], env, '');
    expect(empty).toMatchObject({ code: 1, stderr: 'offsite-backup: the settings on stdin have no SHAGRAM_BACKUP_BUCKET\n' });
    expect(fs.existsSync(calls)).toBe(false);
  });
});

describe('the program', () => {
  test('registers the schedule after the host tools, with the settings as a secret stdin, only when configured', async () => {
    const secrets = ['shagram:sshPrivateKey', 'shagram:backupSecretAccessKey', 'shagram:backupEncryptionKey'];
    const { platform, run: mock } = await runMocked({ ...devConfig(), ...BACKUP_VALUES }, secrets, () => runVpsProgram({ bundleRoot: tmpBundleRoot(), stackDirs: fixtureStackDirs() }));
    const install = mock.resources.find((r) => r.name === 'offsite-backup-install');
    expect(install).toBeDefined();
    expect(platform.offsiteBackup).toBeDefined();
    expect(isSecretEnvelope(install?.raw.stdin)).toBe(true);
    expect(install?.inputs.stdin).toContain(`SHAGRAM_BACKUP_ENCRYPTION_KEY=${KEY}\n`);
    expect(install?.inputs.create).not.toContain(KEY);
    expect(install?.inputs.connection).toMatchObject({ host: '192.0.2.10', port: 2222, user: 'ops' });
    const toolsInstall = mock.resources.find((r) => r.name === 'host-tools-install');
    expect(install?.dependencies).toContain(toolsInstall?.urn); // backup-offsite is on the host before the timer

    const without = await runMocked(devConfig(), ['shagram:sshPrivateKey'], () => runVpsProgram({ bundleRoot: tmpBundleRoot(), stackDirs: fixtureStackDirs() }));
    expect(without.run.resources.filter((r) => r.name.startsWith('offsite-backup'))).toEqual([]);
  }, 120_000);
});
