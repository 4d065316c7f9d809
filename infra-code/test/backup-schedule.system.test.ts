/**
 * The backup schedule's systemd units, checked by systemd's own parser (systemd-analyze, installed by
 * scripts/setup.d/64-systemd-analyze.sh): `verify` accepts the service and the timer as generated and refuses a
 * service whose command is missing; `calendar` reads the timer's OnCalendar as a daily time in UTC.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { BACKUP_SERVICE, BACKUP_TIMER, backupServiceUnit, backupTimerUnit } from '../plan/backup-schedule';

function analyze(args: readonly string[], cwd: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile('systemd-analyze', args, { cwd, env: { ...process.env, SYSTEMD_LOG_COLOR: '0', TZ: 'UTC' } }, (error, stdout, stderr) => {
      resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'shagram-units-'));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

test('systemd-analyze verify accepts the generated service and timer', async () => {
  const base = path.join(dir, 'opt');
  fs.mkdirSync(path.join(base, 'bin'), { recursive: true });
  fs.writeFileSync(path.join(base, 'bin', 'backup-offsite'), '#!/bin/sh\n', { mode: 0o755 });
  fs.writeFileSync(path.join(dir, BACKUP_SERVICE), backupServiceUnit(base));
  fs.writeFileSync(path.join(dir, BACKUP_TIMER), backupTimerUnit('03:15'));
  const ok = await analyze(['verify', `./${BACKUP_SERVICE}`, `./${BACKUP_TIMER}`], dir);
  expect(ok.stderr).toBe('');
  expect(ok.code).toBe(0);

  fs.rmSync(path.join(base, 'bin', 'backup-offsite'));
  const missing = await analyze(['verify', `./${BACKUP_SERVICE}`], dir);
  expect(missing.code).not.toBe(0);
  expect(missing.stderr).toContain('backup-offsite');
});

test("the timer's calendar expression is a daily time in UTC", async () => {
  const onCalendar = /^OnCalendar=(.*)$/m.exec(backupTimerUnit('03:15'))?.[1] as string;
  const r = await analyze(['calendar', '--iterations=2', onCalendar], dir);
  expect(r.code).toBe(0);
  expect(r.stdout).toContain('Normalized form: *-*-* 03:15:00 UTC');
  const elapses = [...r.stdout.matchAll(/(?:Next elapse|Iter\. #2): \w+ (\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}) UTC/g)].map((m) => Date.parse(`${m[1]?.replace(' ', 'T')}Z`));
  expect(elapses).toHaveLength(2);
  expect((elapses[1] as number) - (elapses[0] as number)).toBe(24 * 3600 * 1000);
});
