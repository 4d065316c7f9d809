/**
 * The daily off-host backup on the host: its settings file and a systemd service + timer that run the host tool
 * `backup-offsite` (scripts/src/backup-offsite.ts). Pure: the texts and the install script; `OffsiteBackup`
 * (components/offsite-backup.ts) runs the script over SSH.
 *
 * On the host:
 * - `/opt/shagram/backup/offsite.env` — the settings (KEY=VALUE, mode 0600, root's): bucket, access key,
 *   encryption key, retention; `backup-offsite` and `restore-offsite` read it by default;
 * - `/etc/systemd/system/shagram-backup.service` — one run of `/opt/shagram/bin/backup-offsite`;
 * - `/etc/systemd/system/shagram-backup.timer` — daily at the configured UTC time plus a random delay of up to
 *   45 minutes, `Persistent=true` (a run missed while the host was off happens at the next boot).
 */
import type { BackupConfig } from '../vps/config';
import { assertSafePath, shQuote } from './shell';
import { HOST_BASE_DIR } from './stack-spec';

/** The unit names. */
export const BACKUP_SERVICE = 'shagram-backup.service';
export const BACKUP_TIMER = 'shagram-backup.timer';
/** Where the units go. */
export const SYSTEMD_DIR = '/etc/systemd/system';
/** Random delay after the timer's time, so many hosts do not hit the storage at the same second. */
export const RANDOMIZED_DELAY = '45min';

/** Where things are on a host with base folder `baseDir`. Pure. */
export function backupLayout(baseDir: string = HOST_BASE_DIR) {
  assertSafePath(baseDir);
  return {
    settingsDir: `${baseDir}/backup`,
    settingsFile: `${baseDir}/backup/offsite.env`,
    metricsDir: `${baseDir}/metrics`,
    metricsFile: `${baseDir}/metrics/backup.prom`,
    command: `${baseDir}/bin/backup-offsite`,
  };
}

/** The settings file's text (the variables scripts/src/offsite-plan.ts reads). Values are checked by parseConfig. Pure. */
export function offsiteSettingsFile(backup: BackupConfig, baseDir: string = HOST_BASE_DIR): string {
  const layout = backupLayout(baseDir);
  const lines: [string, string][] = [
    ['SHAGRAM_BACKUP_BUCKET', backup.bucket],
    ['SHAGRAM_BACKUP_ENDPOINT', backup.endpoint],
    ['SHAGRAM_BACKUP_REGION', backup.region],
    ['SHAGRAM_BACKUP_PREFIX', backup.prefix],
    ['SHAGRAM_BACKUP_ACCESS_KEY_ID', backup.accessKeyId],
    ['SHAGRAM_BACKUP_SECRET_ACCESS_KEY', backup.secretAccessKey],
    ['SHAGRAM_BACKUP_ENCRYPTION_KEY', backup.encryptionKey],
    ['SHAGRAM_BACKUP_KEEP_DAILY', String(backup.keepDaily)],
    ['SHAGRAM_BACKUP_KEEP_WEEKLY', String(backup.keepWeekly)],
    ['SHAGRAM_BACKUP_METRICS_FILE', layout.metricsFile],
  ];
  for (const [name, value] of lines) {
    if (/[\s'"\\]/.test(value) || value === '') throw new Error(`${name}: an empty value, a space, a quote or a backslash cannot go into the settings file`);
  }
  return `# Off-host backup settings (written by the deploy from the shagram:backup* configuration; docs/backups.md).\n${lines.map(([k, v]) => `${k}=${v}`).join('\n')}\n`;
}

/** The service unit: one run of `backup-offsite`, at low CPU and I/O priority. Pure. */
export function backupServiceUnit(baseDir: string = HOST_BASE_DIR): string {
  const layout = backupLayout(baseDir);
  return `[Unit]
Description=Shagram off-host backup (chat database, Jenkins home, Harbor)
Documentation=file://${baseDir}/bin/backup-offsite
Wants=network-online.target
After=network-online.target docker.service
ConditionPathExists=${layout.settingsFile}

[Service]
Type=oneshot
ExecStart=${layout.command}
Nice=10
IOSchedulingClass=best-effort
IOSchedulingPriority=7
TimeoutStartSec=6h
`;
}

/** The timer: daily at `time` (HH:MM, UTC) plus up to {@link RANDOMIZED_DELAY}, catching up after downtime. Pure. */
export function backupTimerUnit(time: string): string {
  if (!/^([01]\d|2[0-3]):[0-5]\d$/.test(time)) throw new Error(`not a time of day HH:MM: ${JSON.stringify(time)}`);
  return `[Unit]
Description=Daily Shagram off-host backup

[Timer]
OnCalendar=*-*-* ${time}:00 UTC
RandomizedDelaySec=${RANDOMIZED_DELAY}
Persistent=true
Unit=${BACKUP_SERVICE}

[Install]
WantedBy=timers.target
`;
}

/**
 * The POSIX sh script the deploy runs on the host (as the login user, with passwordless sudo as on every host this
 * program manages), with the settings file's text ({@link offsiteSettingsFile}) on its stdin, so the secrets never
 * appear on a command line: writes the settings file (root's, mode 0600) and the two units, each through a
 * temporary file renamed into place, reloads systemd and enables the timer. Any failure: one line
 * `offsite-backup: …` on stderr, exit 1. Pure.
 */
export function installBackupScheduleScript(time: string, baseDir: string = HOST_BASE_DIR, systemdDir: string = SYSTEMD_DIR): string {
  const layout = backupLayout(baseDir);
  assertSafePath(systemdDir);
  const q = shQuote;
  /** Writes stdin (or `content`) to `file` via a temporary file beside it. */
  const put = (file: string, mode: string, content?: string) =>
    [
      `tmp=$(sudo -n mktemp ${q(`${file}.XXXXXX`)}) || fail "cannot create a file beside ${file}"`,
      `${content === undefined ? 'sudo -n tee "$tmp"' : `printf '%s' ${q(content)} | sudo -n tee "$tmp"`} >/dev/null && sudo -n chmod ${mode} "$tmp" && sudo -n chown root:root "$tmp" && sudo -n mv -f "$tmp" ${q(file)} || { sudo -n rm -f "$tmp"; fail "cannot write ${file}"; }`,
    ].join('\n');
  return `#!/bin/sh
# Installs the daily off-host backup (generated by infra-code/plan/backup-schedule.ts); the settings come on stdin.
set -eu
umask 077
fail() { echo "offsite-backup: $*" >&2; exit 1; }
sudo -n true 2>/dev/null || fail "passwordless sudo is needed to install ${BACKUP_TIMER}"
command -v systemctl >/dev/null 2>&1 || fail "systemctl not found: the backup timer needs systemd"
[ -x ${q(layout.command)} ] || fail "${layout.command} is missing (the host tools install it)"
sudo -n install -d -m 0700 ${q(layout.settingsDir)} && sudo -n chown root:root ${q(layout.settingsDir)} || fail "cannot create ${layout.settingsDir}"
sudo -n install -d -m 0755 ${q(layout.metricsDir)} || fail "cannot create ${layout.metricsDir}"
${put(layout.settingsFile, '0600')}
sudo -n grep -q '^SHAGRAM_BACKUP_BUCKET=' ${q(layout.settingsFile)} || fail "the settings on stdin have no SHAGRAM_BACKUP_BUCKET"
${put(`${systemdDir}/${BACKUP_SERVICE}`, '0644', backupServiceUnit(baseDir))}
${put(`${systemdDir}/${BACKUP_TIMER}`, '0644', backupTimerUnit(time))}
sudo -n systemctl daemon-reload || fail "systemctl daemon-reload failed"
sudo -n systemctl enable --now ${BACKUP_TIMER} >/dev/null 2>&1 || fail "cannot enable ${BACKUP_TIMER}"
echo "offsite-backup: ${BACKUP_TIMER} enabled: daily at ${time} UTC (+ up to ${RANDOMIZED_DELAY}); settings in ${layout.settingsFile}"
`;
}
