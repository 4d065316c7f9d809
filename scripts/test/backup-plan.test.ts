import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { locateHostStack } from '../src/ops/app-database';
import { chooseCompose, locateStack } from '../src/ops/compose';
import type { ContainerInfo } from '../src/ops/health';
import {
  backupFileName,
  backupsNewestFirst,
  databaseFileFromContainers,
  fileStamp,
  formatRestorePlan,
  parseBackupArgs,
  parseRestoreArgs,
  planRestore,
  planRetention,
} from '../src/backup-plan';

describe('backup arguments', () => {
  test('defaults: the shagram stack, /opt/shagram/backups, keep 14', () => {
    expect(parseBackupArgs([])).toEqual({
      source: { kind: 'stack', stacksRoot: '/opt/shagram/stacks', service: 'app' }, outDir: '/opt/shagram/backups', keep: 14, dryRun: false,
    });
  });
  test('--db, --out, --keep, --dry-run', () => {
    expect(parseBackupArgs(['--db', '/d/shagram.db', '--out', '/b', '--keep', '3', '--dry-run'])).toEqual({
      source: { kind: 'file', file: '/d/shagram.db' }, outDir: '/b', keep: 3, dryRun: true,
    });
  });
  test('bad values are one line', () => {
    expect(() => parseBackupArgs(['--keep', '0'])).toThrow('--keep must be at least 1');
    expect(() => parseBackupArgs(['--db', 'x', '--service', 'web'])).toThrow('--db cannot be combined with --stacks-root or --service');
    expect(parseBackupArgs(['--help'])).toBe('help');
  });
});

describe('restore arguments', () => {
  test('a file or --latest, exactly one', () => {
    expect(parseRestoreArgs(['/b/shagram-20261125T010203Z.db.gz', '--stacks-root', '/s'])).toEqual({
      source: { kind: 'stack', stacksRoot: '/s', service: 'app' }, backup: '/b/shagram-20261125T010203Z.db.gz',
      outDir: '/opt/shagram/backups', dryRun: false, timeoutSeconds: 120,
    });
    expect(parseRestoreArgs(['--latest', '--out', '/b', '--db', '/d/x.db', '--timeout', '9'])).toMatchObject({ backup: 'latest', outDir: '/b', source: { kind: 'file', file: '/d/x.db' }, timeoutSeconds: 9 });
    expect(() => parseRestoreArgs([])).toThrow('which backup? give a .db.gz file or --latest (see --help)');
    expect(() => parseRestoreArgs(['a.gz', '--latest'])).toThrow('give a backup file or --latest, not both');
    expect(() => parseRestoreArgs(['a.gz', 'b.gz'])).toThrow('give one backup file, not 2');
  });
});

describe('names and retention', () => {
  const at = new Date('2026-11-25T08:44:06.789Z');
  test('timestamped names in UTC; a second backup in the same second gets a suffix', () => {
    expect(fileStamp(at)).toBe('20261125T084406Z');
    expect(backupFileName(at, [])).toBe('shagram-20261125T084406Z.db.gz');
    expect(backupFileName(at, ['shagram-20261125T084406Z.db.gz'])).toBe('shagram-20261125T084406Z-2.db.gz');
    expect(backupFileName(at, ['shagram-20261125T084406Z.db.gz', 'shagram-20261125T084406Z-2.db.gz'])).toBe('shagram-20261125T084406Z-3.db.gz');
  });
  test('newest first, other files ignored; retention deletes all but the newest N', () => {
    const names = [
      'shagram-20261123T000000Z.db.gz', 'notes.txt', 'shagram-20261125T084406Z.db.gz', 'shagram-20261125T084406Z-2.db.gz',
      'shagram-20261124T000000Z.db.gz', 'shagram-20261124T000000Z.db.gz.partial', 'shagram-2026.db.gz',
    ];
    expect(backupsNewestFirst(names)).toEqual([
      'shagram-20261125T084406Z-2.db.gz', 'shagram-20261125T084406Z.db.gz', 'shagram-20261124T000000Z.db.gz', 'shagram-20261123T000000Z.db.gz',
    ]);
    expect(planRetention(names, 2)).toEqual(['shagram-20261124T000000Z.db.gz', 'shagram-20261123T000000Z.db.gz']);
    expect(planRetention(names, 10)).toEqual([]);
  });
});

describe('restore plan', () => {
  const cli = chooseCompose({ plugin: false, standalone: true });
  const location = locateStack('/s', 'shagram', ['compose.yaml']);
  const edge = locateStack('/s', 'edge', ['compose.yaml']);
  const app: ContainerInfo = {
    id: '1', name: 'shagram_app_1', service: 'app', image: 'i', status: 'running', exitCode: 0, health: 'healthy',
    volumes: [{ name: 'shagram_app-data', source: '/var/lib/v/_data', destination: '/app/data' }],
  };
  test('the database is shagram.db in the volume mounted at /app/data', () => {
    expect(databaseFileFromContainers([app], 'app')).toBe('/var/lib/v/_data/shagram.db');
    expect(() => databaseFileFromContainers([app], 'web')).toThrow('the shagram stack has no "web" container (is it up? see scripts/status)');
    expect(() => databaseFileFromContainers([{ ...app, volumes: [] }], 'app')).toThrow('container shagram_app_1 has no volume at /app/data');
  });
  test('verify before anything stops; then stop, swap, start the app (shagram stack), restart the edge (edge stack), wait for both', () => {
    const steps = planRestore('/b/x.db.gz', '/v/shagram.db', '20261125T000000Z', { cli, location, service: 'app', edge, timeoutSeconds: 60 });
    expect(steps).toEqual([
      { kind: 'verify', backup: '/b/x.db.gz', workDir: '/v' },
      { kind: 'exec', what: 'stop app', command: { argv: ['docker-compose', '-f', 'compose.yaml', 'stop', 'app'], cwd: '/s/shagram' } },
      { kind: 'swap', target: '/v/shagram.db', stamp: '20261125T000000Z', keptAs: '/v/shagram.db.replaced-20261125T000000Z' },
      { kind: 'exec', what: 'start app', command: { argv: ['docker-compose', '-f', 'compose.yaml', 'start', 'app'], cwd: '/s/shagram' } },
      { kind: 'exec', what: 'restart nginx in the edge stack', command: { argv: ['docker-compose', '-f', 'compose.yaml', 'restart', 'nginx'], cwd: '/s/edge' } },
      { kind: 'wait', location, services: ['app'], timeoutSeconds: 60 },
      { kind: 'wait', location: edge, services: ['nginx'], timeoutSeconds: 60 },
    ]);
    expect(formatRestorePlan(steps)).toBe(
      [
        '# verify: gunzip /b/x.db.gz into /v, PRAGMA integrity_check = ok, Shagram tables present',
        'cd /s/shagram && docker-compose -f compose.yaml stop app',
        '# swap: mv /v/shagram.db /v/shagram.db.replaced-20261125T000000Z (with -wal/-shm); mv <verified copy> /v/shagram.db',
        'cd /s/shagram && docker-compose -f compose.yaml start app',
        'cd /s/edge && docker-compose -f compose.yaml restart nginx',
        '# wait up to 60 s until app in the shagram stack is healthy',
        '# wait up to 60 s until nginx in the edge stack is healthy',
      ].join('\n'),
    );
  });
  test('the edge stack is its own folder under the stacks root; a missing one is one line (restore finds it before stopping anything)', () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'shagram-stacks-'));
    try {
      fs.mkdirSync(path.join(root, 'shagram'));
      fs.writeFileSync(path.join(root, 'shagram', 'compose.yaml'), 'services: {}\n');
      expect(locateHostStack(root, 'shagram')).toEqual({ stack: 'shagram', dir: path.join(root, 'shagram'), file: 'compose.yaml' });
      expect(() => locateHostStack(root, 'edge')).toThrow(`edge: stack folder ${path.join(root, 'edge')} does not exist`);
      fs.mkdirSync(path.join(root, 'edge'));
      fs.writeFileSync(path.join(root, 'edge', 'compose.yaml'), 'services: {}\n');
      expect(locateHostStack(root, 'edge')).toEqual({ stack: 'edge', dir: path.join(root, 'edge'), file: 'compose.yaml' });
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
    }
  });
  test('--db: verify and swap only', () => {
    expect(planRestore('/b/x.db.gz', '/d/shagram.db', 's', undefined).map((step) => step.kind)).toEqual(['verify', 'swap']);
  });
});
