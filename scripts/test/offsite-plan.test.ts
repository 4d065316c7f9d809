/** The off-host backup's pure plans: settings, object keys, retention, the metric, and each target's command lists. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import type { ComposeCli, StackLocation } from '../src/ops/compose';
import type { ContainerInfo } from '../src/ops/health';
import { decodeHeader, encodeHeader } from '../src/ops/backup-crypto';
import { loadSettings } from '../src/ops/offsite';
import {
  METRIC_NAME,
  chooseBackup,
  formatBackupPlan,
  formatOffsiteRestorePlan,
  isoWeek,
  jenkinsHomeFromContainers,
  objectKey,
  parseEnvFile,
  parseObjectKey,
  parseOffsiteBackupArgs,
  parseOffsiteRestoreArgs,
  parseSettings,
  planChatBackup,
  planChatRestore,
  planHarborBackup,
  planHarborRestore,
  planJenkinsBackup,
  planJenkinsRestore,
  planOffsiteRetention,
  renderMetrics,
  type StoredBackup,
} from '../src/offsite-plan';

const KEY_HEX = 'ab'.repeat(32);
const BASE_ENV = {
  SHAGRAM_BACKUP_BUCKET: 'shagram-backups',
  SHAGRAM_BACKUP_ACCESS_KEY_ID: 'YCAJE-id',
  SHAGRAM_BACKUP_SECRET_ACCESS_KEY: 'YCP-secret',
  SHAGRAM_BACKUP_ENCRYPTION_KEY: KEY_HEX,
};
const noFile = () => {
  throw new Error('no such file');
};

describe('settings', () => {
  test('defaults: Yandex Object Storage, prefix shagram, 7 daily + 4 weekly, the node-exporter textfile', () => {
    const s = parseSettings(BASE_ENV, noFile);
    expect(s).toMatchObject({
      bucket: 'shagram-backups',
      endpoint: 'https://storage.yandexcloud.net',
      region: 'ru-central1',
      prefix: 'shagram',
      keepDaily: 7,
      keepWeekly: 4,
      metricsFile: '/opt/shagram/metrics/backup.prom',
    });
    expect(s.key.toString('hex')).toBe(KEY_HEX);
  });

  test('the key from a key file', () => {
    const { SHAGRAM_BACKUP_ENCRYPTION_KEY: _k, ...rest } = BASE_ENV;
    const s = parseSettings({ ...rest, SHAGRAM_BACKUP_ENCRYPTION_KEY_FILE: '/etc/k' }, (file) => (file === '/etc/k' ? `${'cd'.repeat(32)}\n` : ''));
    expect(s.key.toString('hex')).toBe('cd'.repeat(32));
  });

  test.each([
    ['SHAGRAM_BACKUP_BUCKET is not set', { SHAGRAM_BACKUP_BUCKET: '' }],
    ['SHAGRAM_BACKUP_BUCKET must be a bucket name', { SHAGRAM_BACKUP_BUCKET: 'Bad_Bucket' }],
    ['SHAGRAM_BACKUP_SECRET_ACCESS_KEY is not set', { SHAGRAM_BACKUP_SECRET_ACCESS_KEY: undefined }],
    ['SHAGRAM_BACKUP_ENCRYPTION_KEY must be 64 hex digits', { SHAGRAM_BACKUP_ENCRYPTION_KEY: 'short' }],
    ['SHAGRAM_BACKUP_ENCRYPTION_KEY (or SHAGRAM_BACKUP_ENCRYPTION_KEY_FILE) is not set', { SHAGRAM_BACKUP_ENCRYPTION_KEY: undefined }],
    ['SHAGRAM_BACKUP_ENCRYPTION_KEY_FILE: cannot read /nope', { SHAGRAM_BACKUP_ENCRYPTION_KEY: undefined, SHAGRAM_BACKUP_ENCRYPTION_KEY_FILE: '/nope' }],
    ['SHAGRAM_BACKUP_KEEP_DAILY must be a whole number of at least 1', { SHAGRAM_BACKUP_KEEP_DAILY: '0' }],
    ['SHAGRAM_BACKUP_KEEP_WEEKLY must be a whole number of at least 0', { SHAGRAM_BACKUP_KEEP_WEEKLY: 'four' }],
    ['SHAGRAM_BACKUP_ENDPOINT must be an http(s):// URL', { SHAGRAM_BACKUP_ENDPOINT: 'storage.yandexcloud.net' }],
    ['SHAGRAM_BACKUP_PREFIX must be letters', { SHAGRAM_BACKUP_PREFIX: 'a b' }],
  ])('refused, naming the variable: %s', (message, change) => {
    expect(() => parseSettings({ ...BASE_ENV, ...change }, noFile)).toThrow(message);
  });

  test('the settings file (systemd EnvironmentFile lines) with the environment overriding it', () => {
    expect(parseEnvFile('# comment\n\nA=1\nB="two words"\nC=\'x\'\n')).toEqual({ A: '1', B: 'two words', C: 'x' });
    expect(() => parseEnvFile('A=1\nnot a line\n')).toThrow('line 2 of the settings file is not KEY=VALUE');
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'shagram-offsite-settings-'));
    try {
      const file = path.join(dir, 'offsite.env');
      fs.writeFileSync(file, Object.entries({ ...BASE_ENV, SHAGRAM_BACKUP_PREFIX: 'from-file' }).map(([k, v]) => `${k}=${v}`).join('\n'));
      expect(loadSettings(file, true, { SHAGRAM_BACKUP_KEEP_DAILY: '3' })).toMatchObject({ prefix: 'from-file', keepDaily: 3 });
      expect(() => loadSettings(path.join(dir, 'missing.env'), true, BASE_ENV)).toThrow(/settings file .*missing\.env does not exist/);
      expect(loadSettings(path.join(dir, 'missing.env'), false, BASE_ENV).bucket).toBe('shagram-backups');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('command lines', () => {
  test('backup: every target by default, --only narrows, unknown targets refused', () => {
    expect(parseOffsiteBackupArgs([])).toMatchObject({ targets: ['chat', 'jenkins', 'harbor'], settingsFile: '/opt/shagram/backup/offsite.env', workDir: '/opt/shagram/backup/work', dryRun: false });
    expect(parseOffsiteBackupArgs(['--only', 'harbor,chat'])).toMatchObject({ targets: ['chat', 'harbor'] });
    expect(() => parseOffsiteBackupArgs(['--only', 'redis'])).toThrow('unknown target "redis" for --only (targets: chat, jenkins, harbor)');
  });

  test('restore: one target, --backup, --list', () => {
    expect(parseOffsiteRestoreArgs(['chat', '--db', '/d/shagram.db'])).toMatchObject({ list: false, target: 'chat', backup: 'latest', sources: { db: '/d/shagram.db' }, timeoutSeconds: 300 });
    expect(parseOffsiteRestoreArgs(['--backup', '20261205T031500Z', 'jenkins'])).toMatchObject({ target: 'jenkins', backup: '20261205T031500Z' });
    expect(parseOffsiteRestoreArgs(['--list'])).toMatchObject({ list: true });
    expect(parseOffsiteRestoreArgs(['--list', 'harbor'])).toMatchObject({ list: true, target: 'harbor' });
    expect(() => parseOffsiteRestoreArgs([])).toThrow('which target? give one of chat, jenkins, harbor, or --list');
    expect(() => parseOffsiteRestoreArgs(['chat', 'jenkins'])).toThrow('give one target, not 2');
    expect(() => parseOffsiteRestoreArgs(['gitlab'])).toThrow('unknown target "gitlab"');
  });
});

describe('object keys', () => {
  test('<prefix>/<target>/<UTC stamp>.tar.gz.enc, numbered within one second', () => {
    const at = new Date('2026-12-05T03:15:09.123Z');
    expect(objectKey('shagram', 'harbor', at)).toBe('shagram/harbor/20261205T031509Z.tar.gz.enc');
    expect(objectKey('p/q', 'chat', at, ['p/q/chat/20261205T031509Z.tar.gz.enc'])).toBe('p/q/chat/20261205T031509Z-2.tar.gz.enc');
  });

  test('keys read back to their target and time; other keys are ignored', () => {
    expect(parseObjectKey('shagram', 'shagram/jenkins/20261205T031509Z-2.tar.gz.enc')).toMatchObject({
      target: 'jenkins',
      stamp: '20261205T031509Z',
      seq: 2,
      time: new Date('2026-12-05T03:15:09Z'),
    });
    for (const other of ['shagram/jenkins/latest.tar.gz.enc', 'other/chat/20261205T031509Z.tar.gz.enc', 'shagram/redis/20261205T031509Z.tar.gz.enc', 'shagram/chat/20261305T031509Z.tar.gz']) {
      expect(parseObjectKey('shagram', other)).toBeUndefined();
    }
  });

  test('property: every key made is read back as made', () => {
    fc.assert(
      fc.property(fc.date({ min: new Date('2000-01-01'), max: new Date('2099-12-31'), noInvalidDate: true }), fc.constantFrom('chat' as const, 'jenkins' as const, 'harbor' as const), (date, target) => {
        const parsed = parseObjectKey('shagram', objectKey('shagram', target, date));
        expect(parsed?.target).toBe(target);
        expect(parsed?.time.getTime()).toBe(Math.floor(date.getTime() / 1000) * 1000);
      }),
    );
  });

  test('chooseBackup: latest, a stamp, a key; none is one line', () => {
    const backups = ['20261203T031500Z', '20261205T031500Z', '20261204T031500Z'].map((s) => parseObjectKey('p', `p/chat/${s}.tar.gz.enc`) as StoredBackup);
    expect(chooseBackup(backups, 'chat', 'latest').stamp).toBe('20261205T031500Z');
    expect(chooseBackup(backups, 'chat', '20261203T031500Z').key).toBe('p/chat/20261203T031500Z.tar.gz.enc');
    expect(chooseBackup(backups, 'chat', 'p/chat/20261204T031500Z.tar.gz.enc').stamp).toBe('20261204T031500Z');
    expect(() => chooseBackup(backups, 'jenkins', 'latest')).toThrow('no jenkins backups in the bucket');
    expect(() => chooseBackup(backups, 'chat', '20261101T000000Z')).toThrow('no chat backup "20261101T000000Z" in the bucket (newest: 20261205T031500Z.tar.gz.enc');
  });
});

describe('retention', () => {
  const at = (iso: string): StoredBackup => parseObjectKey('p', objectKey('p', 'chat', new Date(iso))) as StoredBackup;

  test('ISO weeks: Monday first, the year of the Thursday', () => {
    expect(isoWeek(new Date('2026-11-30T00:00:00Z'))).toBe('2026-W49'); // Monday
    expect(isoWeek(new Date('2026-12-06T23:59:59Z'))).toBe('2026-W49'); // Sunday
    expect(isoWeek(new Date('2026-01-01T12:00:00Z'))).toBe('2026-W01'); // a Thursday
    expect(isoWeek(new Date('2027-01-01T12:00:00Z'))).toBe('2026-W53'); // a Friday: still 2026's last week
    expect(isoWeek(new Date('2024-12-30T12:00:00Z'))).toBe('2025-W01'); // a Monday in 2025's first week
  });

  test('the newest of each of the last N days with a backup and of the last M weeks', () => {
    const backups = [
      at('2026-12-05T03:00:00Z'),
      at('2026-12-05T01:00:00Z'), // an earlier run the same day: not the day's newest
      at('2026-12-04T03:00:00Z'),
      at('2026-12-01T03:00:00Z'), // days without backups are skipped, not counted
      at('2026-11-26T03:00:00Z'),
      at('2026-11-20T03:00:00Z'),
      at('2026-11-10T03:00:00Z'),
    ];
    const plan = planOffsiteRetention(backups, 3, 2);
    expect(plan.keep.map((k) => [k.backup.stamp, k.reasons])).toEqual([
      ['20261205T030000Z', ['daily 2026-12-05', 'weekly 2026-W49']],
      ['20261204T030000Z', ['daily 2026-12-04']],
      ['20261201T030000Z', ['daily 2026-12-01']],
      ['20261126T030000Z', ['weekly 2026-W48']],
    ]);
    expect(plan.remove.map((b) => b.stamp)).toEqual(['20261205T010000Z', '20261120T030000Z', '20261110T030000Z']);
  });

  test('keep-weekly 0 keeps only days; keep-daily must be at least 1', () => {
    expect(planOffsiteRetention([at('2026-12-05T03:00:00Z'), at('2026-11-05T03:00:00Z')], 1, 0).remove.map((b) => b.stamp)).toEqual(['20261105T030000Z']);
    expect(() => planOffsiteRetention([], 0, 4)).toThrow('keep-daily must be at least 1');
  });

  test('property: the newest backup is always kept, nothing is both kept and removed, kept ≤ daily + weekly', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.integer({ min: 0, max: 400 * 24 }), { minLength: 1, maxLength: 60 }),
        fc.integer({ min: 1, max: 10 }),
        fc.integer({ min: 0, max: 8 }),
        (hours, daily, weekly) => {
          const backups = hours.map((h) => at(new Date(Date.UTC(2026, 0, 1) + h * 3600_000).toISOString()));
          const plan = planOffsiteRetention(backups, daily, weekly);
          const newest = backups.reduce((a, b) => (b.time > a.time ? b : a));
          expect(plan.keep.map((k) => k.backup.key)).toContain(newest.key);
          expect(plan.keep.length + plan.remove.length).toBe(backups.length);
          expect(plan.keep.length).toBeLessThanOrEqual(daily + weekly);
          expect(plan.keep.length).toBeGreaterThanOrEqual(Math.min(daily, new Set(backups.map((b) => b.stamp.slice(0, 8))).size));
        },
      ),
    );
  });
});

describe('the textfile metric', () => {
  test('one gauge per target; a run of some targets keeps the others', () => {
    const first = renderMetrics(undefined, { chat: 1764904500.7, harbor: 1764904600 });
    expect(first).toBe(
      [
        `# HELP ${METRIC_NAME} Unix time of the last successful off-host backup of each target (scripts/backup-offsite).`,
        `# TYPE ${METRIC_NAME} gauge`,
        `${METRIC_NAME}{target="chat"} 1764904500`,
        `${METRIC_NAME}{target="harbor"} 1764904600`,
        '',
      ].join('\n'),
    );
    const second = renderMetrics(first, { jenkins: 1764990000, chat: 1764990001 });
    expect(second.split('\n').filter((l) => !l.startsWith('#') && l !== '')).toEqual([
      `${METRIC_NAME}{target="chat"} 1764990001`,
      `${METRIC_NAME}{target="harbor"} 1764904600`,
      `${METRIC_NAME}{target="jenkins"} 1764990000`,
    ]);
    expect(METRIC_NAME).toBe('shagram_backup_last_success_timestamp_seconds');
  });
});

describe('the encrypted object header', () => {
  test('magic, version, algorithm, nonce and target round trip; other bytes are refused', () => {
    const nonce = Buffer.alloc(12, 7);
    const header = encodeHeader({ version: 1, nonce, target: 'harbor' });
    expect(header.subarray(0, 10)).toEqual(Buffer.from('SHGBAKUP\x01\x01', 'latin1'));
    expect(header.length).toBe(23 + 'harbor'.length);
    expect(decodeHeader(Buffer.concat([header, Buffer.alloc(40)]))).toEqual({ version: 1, nonce, target: 'harbor', length: 29 });
    const v2 = Buffer.from(header);
    v2[8] = 2;
    expect(() => decodeHeader(v2)).toThrow('backup format version 2 is not supported (this tool reads version 1)');
    expect(() => decodeHeader(Buffer.from('PK\x03\x04'))).toThrow('not a Shagram backup');
  });
});

const cli: ComposeCli = { argv: ['docker', 'compose'], reason: 'test' };
const loc = (stack: 'jenkins' | 'harbor' | 'shagram' | 'edge', file = 'compose.yaml'): StackLocation => ({ stack, dir: `/opt/shagram/stacks/${stack}`, file });
const argvs = (steps: readonly { kind: string; command?: { argv: string[] } }[]) => steps.filter((s) => s.command).map((s) => s.command?.argv.join(' '));

describe('target plans', () => {
  test('chat: the SQLite snapshot, then tar of the one file', () => {
    const plan = planChatBackup('/var/lib/docker/volumes/shagram_app-data/_data/shagram.db', '/w/chat-1');
    expect(plan.steps[0]).toEqual({ kind: 'sqlite', source: '/var/lib/docker/volumes/shagram_app-data/_data/shagram.db' });
    expect(argvs(plan.steps)).toEqual(['tar --create --gzip --file=- --numeric-owner -C /w/chat-1 shagram.db']);
    expect(formatBackupPlan(plan, 'b/shagram/chat/20261205T031500Z.tar.gz.enc').split('\n')).toEqual([
      '# chat: SQLite online backup of /var/lib/docker/volumes/shagram_app-data/_data/shagram.db, integrity_check, into the staging folder as shagram.db',
      'cd / && tar --create --gzip --file=- --numeric-owner -C /w/chat-1 shagram.db | encrypt (AES-256-GCM) > <work>/20261205T031500Z.tar.gz.enc',
      '# upload to b/shagram/chat/20261205T031500Z.tar.gz.enc (sha256 in the metadata), then retention of chat',
    ]);
  });

  test('jenkins: the controller is stopped while its home is packed and started again, also on failure', () => {
    const plan = planJenkinsBackup('/var/lib/docker/volumes/jenkins_jenkins-home/_data', { cli, location: loc('jenkins') });
    expect(argvs(plan.steps)).toEqual([
      'docker compose -f compose.yaml stop controller',
      'tar --create --gzip --file=- --numeric-owner --exclude=./war --exclude=./caches --exclude=./.cache -C /var/lib/docker/volumes/jenkins_jenkins-home/_data .',
      'docker compose -f compose.yaml start controller',
    ]);
    expect(plan.onFailure.map((c) => c.command.argv.join(' '))).toEqual(['docker compose -f compose.yaml start controller']);
    expect(argvs(planJenkinsBackup('/srv/jh', undefined).steps)).toEqual(['tar --create --gzip --file=- --numeric-owner --exclude=./war --exclude=./caches --exclude=./.cache -C /srv/jh .']);
  });

  test('jenkins home is found through the controller container', () => {
    const controller: ContainerInfo = {
      id: '1', name: 'jenkins-controller-1', service: 'controller', image: 'x', status: 'running', exitCode: 0, health: 'healthy',
      volumes: [{ name: 'jenkins_jenkins-home', source: '/var/lib/docker/volumes/jenkins_jenkins-home/_data', destination: '/var/jenkins_home' }],
    };
    expect(jenkinsHomeFromContainers([controller])).toBe('/var/lib/docker/volumes/jenkins_jenkins-home/_data');
    expect(() => jenkinsHomeFromContainers([])).toThrow('the jenkins stack has no "controller" container');
    expect(() => jenkinsHomeFromContainers([{ ...controller, volumes: [] }])).toThrow('has no volume at /var/jenkins_home');
  });

  test('harbor: pg_dump in harbor-db first, then the secret keys and the registry as files', () => {
    const plan = planHarborBackup('/opt/shagram/data/harbor', '/w/harbor-1', '/opt/shagram/data/harbor');
    expect(argvs(plan.steps)).toEqual([
      'docker exec harbor-db pg_dump -U postgres --format=custom --file=/tmp/shagram-registry.dump registry',
      'docker cp harbor-db:/tmp/shagram-registry.dump /w/harbor-1/registry.dump',
      'docker exec harbor-db rm -f /tmp/shagram-registry.dump',
      'tar --create --gzip --file=- --numeric-owner -C /w/harbor-1 registry.dump -C /opt/shagram/data/harbor secret registry',
    ]);
    expect(plan.onFailure.map((c) => c.command.argv.join(' '))).toEqual(['docker exec harbor-db rm -f /tmp/shagram-registry.dump']);
  });

  test('chat restore: prepare (nothing stopped yet), stop, swap, start, restart the edge, wait', () => {
    const plan = planChatRestore('p/chat/S.tar.gz.enc', '/v/_data/shagram.db', 'R', { cli, location: loc('shagram'), edge: loc('edge'), timeoutSeconds: 60 });
    expect(plan.steps.map((s) => s.kind)).toEqual(['prepare', 'exec', 'swap-db', 'exec', 'exec', 'wait', 'wait']);
    expect(plan.steps[0]).toEqual({ kind: 'prepare', key: 'p/chat/S.tar.gz.enc', dir: '/v/_data/.shagram-offsite-R' });
    expect(argvs(plan.steps)).toEqual(['docker compose -f compose.yaml stop app', 'docker compose -f compose.yaml start app', 'docker compose -f compose.yaml restart nginx']);
    expect(planChatRestore('k', '/d/shagram.db', 'R', undefined).steps.map((s) => s.kind)).toEqual(['prepare', 'swap-db']);
  });

  test('jenkins restore: prepare beside the volume folder, stop, swap the folder, start, wait', () => {
    const plan = planJenkinsRestore('k', '/var/lib/docker/volumes/jenkins_jenkins-home/_data', 'R', { cli, location: loc('jenkins'), timeoutSeconds: 60 });
    expect(formatOffsiteRestorePlan(plan).split('\n')).toEqual([
      '# prepare: download k into /var/lib/docker/volumes/jenkins_jenkins-home/.shagram-offsite-R, check its sha256, decrypt, unpack, check jenkins_home/config.xml',
      'cd /opt/shagram/stacks/jenkins && docker compose -f compose.yaml stop controller',
      '# swap: mv /var/lib/docker/volumes/jenkins_jenkins-home/_data /var/lib/docker/volumes/jenkins_jenkins-home/_data.replaced-R; mv /var/lib/docker/volumes/jenkins_jenkins-home/.shagram-offsite-R/jenkins_home /var/lib/docker/volumes/jenkins_jenkins-home/_data',
      'cd /opt/shagram/stacks/jenkins && docker compose -f compose.yaml start controller',
      '# wait up to 60 s until controller in the jenkins stack is healthy',
    ]);
  });

  test('harbor restore: everything stopped, the database alone started, the dump loaded in one transaction, folders swapped, Harbor started', () => {
    const plan = planHarborRestore('k', '/opt/shagram/data/harbor', 'R', { cli, location: loc('harbor', 'docker-compose.yml'), timeoutSeconds: 600 });
    expect(plan.steps.map((s) => (s.kind === 'exec' ? s.command.argv.join(' ') : s.kind === 'swap-dir' ? `swap ${s.target}` : s.kind))).toEqual([
      'prepare',
      'docker compose -f docker-compose.yml stop',
      'docker compose -f docker-compose.yml start postgresql',
      'wait',
      'docker cp /opt/shagram/data/harbor/.shagram-offsite-R/registry.dump harbor-db:/tmp/shagram-registry.dump',
      'docker exec harbor-db pg_restore -U postgres --dbname registry --clean --if-exists --single-transaction --no-owner /tmp/shagram-registry.dump',
      'docker exec harbor-db rm -f /tmp/shagram-registry.dump',
      'swap /opt/shagram/data/harbor/secret',
      'swap /opt/shagram/data/harbor/registry',
      'docker compose -f docker-compose.yml start',
      'wait',
    ]);
    expect(plan.restart.map((r) => r.command.argv.join(' '))).toEqual(['docker compose -f docker-compose.yml start']);
  });
});
