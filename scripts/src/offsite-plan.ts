/**
 * Off-host backups as data (pure): the settings read from the environment, object keys in the bucket, retention,
 * the textfile metric, and each target's backup and restore steps. The executors are backup-offsite.ts,
 * restore-offsite.ts and ops/offsite.ts; the format of an encrypted object is in ops/backup-crypto.ts.
 */
import path from 'node:path';
import { HOST_BASE_DIR } from '../../infra-code/plan/stack-spec';
import { APP_SERVICE, APP_STACK, EDGE_SERVICE, fileStamp } from './backup-plan';
import { ScriptError, parseCommandLine, parseFlags } from '../lib/cli';
import { formatCommand, type Command } from '../lib/command';
import { DEFAULT_STACKS_ROOT, composeCommand, type ComposeCli, type StackLocation } from './ops/compose';
import type { ContainerInfo } from './ops/health';

/** What an off-host backup covers, in the order a run backs them up. */
export const OFFSITE_TARGETS = ['chat', 'jenkins', 'harbor'] as const;
export type OffsiteTarget = (typeof OFFSITE_TARGETS)[number];

/** Folder of the off-host backup's settings file and its work folder. */
export const OFFSITE_DIR = `${HOST_BASE_DIR}/backup`;
/** The settings file (KEY=VALUE lines, mode 0600; systemd's EnvironmentFile reads the same file). */
export const DEFAULT_SETTINGS_FILE = `${OFFSITE_DIR}/offsite.env`;
/** Where archives are packed and encrypted before the upload (removed after each target). */
export const DEFAULT_WORK_DIR = `${OFFSITE_DIR}/work`;
/** The node-exporter textfile the run writes on success. */
export const DEFAULT_METRICS_FILE = `${HOST_BASE_DIR}/metrics/backup.prom`;
/** The metric: when each target last had a successful off-host backup (Unix seconds). */
export const METRIC_NAME = 'shagram_backup_last_success_timestamp_seconds';
/** Yandex Object Storage. */
export const DEFAULT_ENDPOINT = 'https://storage.yandexcloud.net';
export const DEFAULT_REGION = 'ru-central1';
export const DEFAULT_PREFIX = 'shagram';
export const DEFAULT_KEEP_DAILY = 7;
export const DEFAULT_KEEP_WEEKLY = 4;

/** Harbor's data volume on the host (HARBOR_DATA_VOLUME of the harbor stack). */
export const HARBOR_DATA_DIR = `${HOST_BASE_DIR}/data/harbor`;
/** Harbor's PostgreSQL container (container_name in the docker-compose.yml Harbor's installer writes) and its database. */
export const HARBOR_DB_CONTAINER = 'harbor-db';
export const HARBOR_DB_SERVICE = 'postgresql';
export const HARBOR_DATABASE = 'registry';
/** The parts of Harbor's data volume that are copied as files: the secret keys and the registry's blobs. */
export const HARBOR_DIRS = ['secret', 'registry'] as const;
/** The database dump's name in a Harbor archive and its temporary path inside the database container. */
export const HARBOR_DUMP = 'registry.dump';
export const HARBOR_DUMP_IN_CONTAINER = '/tmp/shagram-registry.dump';
/** Jenkins: the stack, the controller service and where its home volume is mounted. */
export const JENKINS_STACK = 'jenkins';
export const JENKINS_SERVICE = 'controller';
export const JENKINS_HOME_MOUNT = '/var/jenkins_home';
/** Folders of Jenkins home that are caches Jenkins rebuilds (the unpacked war, plugin and tool caches). */
export const JENKINS_EXCLUDES = ['./war', './caches', './.cache'] as const;
/** The chat database's name in a chat archive. */
export const CHAT_FILE = 'shagram.db';

/** Settings of the bucket, the encryption key and retention (environment variables, usually from the settings file). */
export interface OffsiteSettings {
  bucket: string;
  endpoint: string;
  region: string;
  accessKeyId: string;
  secretAccessKey: string;
  /** AES-256 key: 32 bytes. */
  key: Buffer;
  prefix: string;
  keepDaily: number;
  keepWeekly: number;
  metricsFile: string;
}

/** The environment variables of {@link OffsiteSettings}. */
export const ENV = {
  bucket: 'SHAGRAM_BACKUP_BUCKET',
  endpoint: 'SHAGRAM_BACKUP_ENDPOINT',
  region: 'SHAGRAM_BACKUP_REGION',
  accessKeyId: 'SHAGRAM_BACKUP_ACCESS_KEY_ID',
  secretAccessKey: 'SHAGRAM_BACKUP_SECRET_ACCESS_KEY',
  key: 'SHAGRAM_BACKUP_ENCRYPTION_KEY',
  keyFile: 'SHAGRAM_BACKUP_ENCRYPTION_KEY_FILE',
  prefix: 'SHAGRAM_BACKUP_PREFIX',
  keepDaily: 'SHAGRAM_BACKUP_KEEP_DAILY',
  keepWeekly: 'SHAGRAM_BACKUP_KEEP_WEEKLY',
  metricsFile: 'SHAGRAM_BACKUP_METRICS_FILE',
} as const;

/** Parses a KEY=VALUE file (systemd EnvironmentFile style: comments, blank lines, optional quotes). Pure. */
export function parseEnvFile(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [i, raw] of text.split('\n').entries()) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const match = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(line);
    if (!match) throw new ScriptError(`line ${i + 1} of the settings file is not KEY=VALUE`);
    let value = match[2] as string;
    if (value.length >= 2 && (value[0] === '"' || value[0] === "'") && value.endsWith(value[0])) value = value.slice(1, -1);
    out[match[1] as string] = value;
  }
  return out;
}

/** A 32-byte key from 64 hex digits; throws naming where it came from. Pure. */
export function parseKey(text: string, from: string): Buffer {
  const hex = text.trim();
  if (!/^[0-9a-fA-F]{64}$/.test(hex)) throw new ScriptError(`${from} must be 64 hex digits (a 256-bit key: openssl rand -hex 32)`);
  return Buffer.from(hex, 'hex');
}

/**
 * The settings from environment variables ({@link ENV}); the key from SHAGRAM_BACKUP_ENCRYPTION_KEY or the file
 * SHAGRAM_BACKUP_ENCRYPTION_KEY_FILE names (read with `readKeyFile`). Throws one line naming the variable. Pure.
 */
export function parseSettings(env: Record<string, string | undefined>, readKeyFile: (file: string) => string): OffsiteSettings {
  const required = (name: string): string => {
    const value = env[name];
    if (value === undefined || value.trim() === '') throw new ScriptError(`${name} is not set (in the settings file or the environment)`);
    return value.trim();
  };
  const count = (name: string, fallback: number, min: number): number => {
    const value = env[name];
    if (value === undefined || value === '') return fallback;
    if (!/^\d+$/.test(value.trim()) || Number(value) < min) throw new ScriptError(`${name} must be a whole number of at least ${min}, not "${value}"`);
    return Number(value);
  };
  const bucket = required(ENV.bucket);
  if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(bucket)) throw new ScriptError(`${ENV.bucket} must be a bucket name (3-63 lower-case letters, digits, dots, hyphens)`);
  const endpoint = env[ENV.endpoint]?.trim() || DEFAULT_ENDPOINT;
  if (!/^https?:\/\/[^\s/]+\/?$/.test(endpoint)) throw new ScriptError(`${ENV.endpoint} must be an http(s):// URL without a path, not "${endpoint}"`);
  const prefix = (env[ENV.prefix]?.trim() || DEFAULT_PREFIX).replace(/^\/+|\/+$/g, '');
  if (!/^[A-Za-z0-9._-]+(\/[A-Za-z0-9._-]+)*$/.test(prefix)) throw new ScriptError(`${ENV.prefix} must be letters, digits, . _ - and / only, not "${prefix}"`);
  let key: Buffer;
  if (env[ENV.key]) key = parseKey(env[ENV.key] as string, ENV.key);
  else if (env[ENV.keyFile]) {
    let text: string;
    try {
      text = readKeyFile(env[ENV.keyFile] as string);
    } catch (error) {
      throw new ScriptError(`${ENV.keyFile}: cannot read ${env[ENV.keyFile]}: ${(error as Error).message}`);
    }
    key = parseKey(text, `the key file ${env[ENV.keyFile]} (${ENV.keyFile})`);
  } else throw new ScriptError(`${ENV.key} (or ${ENV.keyFile}) is not set: the backups are encrypted with it`);
  return {
    bucket,
    endpoint,
    region: env[ENV.region]?.trim() || DEFAULT_REGION,
    accessKeyId: required(ENV.accessKeyId),
    secretAccessKey: required(ENV.secretAccessKey),
    key,
    prefix,
    keepDaily: count(ENV.keepDaily, DEFAULT_KEEP_DAILY, 1),
    keepWeekly: count(ENV.keepWeekly, DEFAULT_KEEP_WEEKLY, 0),
    metricsFile: env[ENV.metricsFile]?.trim() || DEFAULT_METRICS_FILE,
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Object keys and retention

/** Key of a new backup: `<prefix>/<target>/<UTC stamp>.tar.gz.enc`, `-2`, `-3`… when that key exists. Pure. */
export function objectKey(prefix: string, target: OffsiteTarget, date: Date, existing: readonly string[] = []): string {
  const base = `${prefix}/${target}/${fileStamp(date)}`;
  if (!existing.includes(`${base}.tar.gz.enc`)) return `${base}.tar.gz.enc`;
  let n = 2;
  while (existing.includes(`${base}-${n}.tar.gz.enc`)) n++;
  return `${base}-${n}.tar.gz.enc`;
}

/** A backup in the bucket, as read from its key. */
export interface StoredBackup {
  key: string;
  target: OffsiteTarget;
  /** The key's stamp, e.g. `20261205T031500Z`. */
  stamp: string;
  time: Date;
  /** 1 for the first backup of a second, then 2, 3… */
  seq: number;
}

/** Reads a key made by {@link objectKey} under `prefix`; undefined for any other key. Pure. */
export function parseObjectKey(prefix: string, key: string): StoredBackup | undefined {
  if (!key.startsWith(`${prefix}/`)) return undefined;
  const match = /^(chat|jenkins|harbor)\/(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z(?:-(\d+))?\.tar\.gz\.enc$/.exec(key.slice(prefix.length + 1));
  if (!match) return undefined;
  const [, target, y, mo, d, h, mi, s, seq] = match as unknown as string[];
  const time = new Date(Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s)));
  if (Number.isNaN(time.getTime())) return undefined;
  return { key, target: target as OffsiteTarget, stamp: `${y}${mo}${d}T${h}${mi}${s}Z`, time, seq: seq ? Number(seq) : 1 };
}

/** Newest first. Pure. */
export function newestFirst(backups: readonly StoredBackup[]): StoredBackup[] {
  return [...backups].sort((a, b) => b.time.getTime() - a.time.getTime() || b.seq - a.seq);
}

/** The UTC day of a time: `2026-12-05`. Pure. */
export function utcDay(time: Date): string {
  return time.toISOString().slice(0, 10);
}

/** The ISO 8601 week of a UTC time: `2026-W49` (weeks start on Monday; week 1 holds the year's first Thursday). Pure. */
export function isoWeek(time: Date): string {
  const day = new Date(Date.UTC(time.getUTCFullYear(), time.getUTCMonth(), time.getUTCDate()));
  const weekday = day.getUTCDay() || 7;
  day.setUTCDate(day.getUTCDate() + 4 - weekday); // the Thursday of this week decides the year
  const yearStart = Date.UTC(day.getUTCFullYear(), 0, 1);
  const week = Math.ceil(((day.getTime() - yearStart) / 86400000 + 1) / 7);
  return `${day.getUTCFullYear()}-W${String(week).padStart(2, '0')}`;
}

/** What retention keeps and removes, with the reasons a kept backup is kept. */
export interface RetentionPlan {
  keep: { backup: StoredBackup; reasons: string[] }[];
  remove: StoredBackup[];
}

/**
 * Retention of one target's backups: the newest backup of each of the newest `keepDaily` UTC days that have a
 * backup, and the newest backup of each of the newest `keepWeekly` ISO weeks that have one; everything else goes.
 * Days and weeks without a backup are skipped rather than counted, so a run of failed nights never makes
 * retention delete the last good backups. The newest backup is always kept (keepDaily ≥ 1). Pure.
 */
export function planOffsiteRetention(backups: readonly StoredBackup[], keepDaily: number, keepWeekly: number): RetentionPlan {
  if (keepDaily < 1) throw new ScriptError('keep-daily must be at least 1');
  const sorted = newestFirst(backups);
  const reasons = new Map<string, string[]>();
  const pick = (period: (t: Date) => string, limit: number, label: string) => {
    const seen = new Set<string>();
    for (const backup of sorted) {
      const p = period(backup.time);
      if (seen.has(p)) continue;
      if (seen.size >= limit) break;
      seen.add(p);
      reasons.set(backup.key, [...(reasons.get(backup.key) ?? []), `${label} ${p}`]);
    }
  };
  pick(utcDay, keepDaily, 'daily');
  pick(isoWeek, keepWeekly, 'weekly');
  return {
    keep: sorted.filter((b) => reasons.has(b.key)).map((backup) => ({ backup, reasons: reasons.get(backup.key) as string[] })),
    remove: sorted.filter((b) => !reasons.has(b.key)),
  };
}

// ---------------------------------------------------------------------------------------------------------------
// The textfile metric

/**
 * The metrics file with `successes` (target → Unix seconds) merged into the `previous` file's values, so a run that
 * backs up only some targets keeps the others' last success. Pure.
 */
export function renderMetrics(previous: string | undefined, successes: Partial<Record<OffsiteTarget, number>>): string {
  const values = new Map<string, number>();
  const line = new RegExp(`^${METRIC_NAME}\\{target="([a-z]+)"\\} ([0-9.e+]+)$`);
  for (const raw of (previous ?? '').split('\n')) {
    const match = line.exec(raw.trim());
    if (match && Number.isFinite(Number(match[2]))) values.set(match[1] as string, Number(match[2]));
  }
  for (const [target, seconds] of Object.entries(successes)) values.set(target, Math.floor(seconds as number));
  const rows = [...values.keys()].sort().map((target) => `${METRIC_NAME}{target="${target}"} ${values.get(target)}`);
  return [
    `# HELP ${METRIC_NAME} Unix time of the last successful off-host backup of each target (scripts/backup-offsite).`,
    `# TYPE ${METRIC_NAME} gauge`,
    ...rows,
    '',
  ].join('\n');
}

// ---------------------------------------------------------------------------------------------------------------
// Command lines

/** Options of `backup-offsite`. */
export interface OffsiteBackupOptions {
  targets: OffsiteTarget[];
  settingsFile: string;
  /** True when --settings was given (then it must exist). */
  settingsGiven: boolean;
  workDir: string;
  sources: TargetSources;
  dryRun: boolean;
}

/** Where each target's data is: found through the stacks (default) or given directly (no containers involved). */
export interface TargetSources {
  stacksRoot: string;
  /** --db: the chat database file. */
  db?: string;
  /** --jenkins-home: Jenkins' home folder (Jenkins must be stopped by the operator, or not running). */
  jenkinsHome?: string;
  /** --harbor-data: Harbor's data volume folder (default {@link HARBOR_DATA_DIR}). */
  harborData: string;
}

/** Options of `restore-offsite`. */
export interface OffsiteRestoreOptions {
  /** --list: list the backups (of `target`, or of every target) and change nothing. */
  list: boolean;
  target?: OffsiteTarget;
  /** A key, a stamp, or 'latest'. */
  backup: string;
  settingsFile: string;
  settingsGiven: boolean;
  sources: TargetSources;
  timeoutSeconds: number;
  dryRun: boolean;
}

const COMMON_HELP = `  --settings <file>     settings (KEY=VALUE; default ${DEFAULT_SETTINGS_FILE}, read when present); the environment
                        overrides it: ${Object.values(ENV).join(', ')}
  --stacks-root <dir>   folder with one folder per stack (default ${DEFAULT_STACKS_ROOT})
  --db <file>           chat: this database file instead of the one in the shagram stack's app volume
  --jenkins-home <dir>  jenkins: this folder instead of the controller's volume (nothing is stopped or started)
  --harbor-data <dir>   harbor: its data volume folder (default ${HARBOR_DATA_DIR})
  --dry-run             print the plan and do nothing
  -h, --help            this text`;

export const BACKUP_OFFSITE_HELP = `Usage: backup-offsite [options]

Backs up ${OFFSITE_TARGETS.join(', ')} off the host: each target is packed as a tar.gz, encrypted (AES-256-GCM,
authenticated) and uploaded to the S3-compatible bucket as <prefix>/<target>/<UTC stamp>.tar.gz.enc with its
SHA-256 in the object's metadata; then retention keeps the newest backup of each of the last N days and M weeks.
On each target's success the textfile metric ${METRIC_NAME}{target="…"} is written (atomically) to
${DEFAULT_METRICS_FILE}. Run as root. docs/backups.md describes what each target holds.

Options:
  --only <targets>      back up only these (comma-separated: ${OFFSITE_TARGETS.join(', ')}; default all)
  --work-dir <dir>      where archives are packed before the upload (default ${DEFAULT_WORK_DIR})
${COMMON_HELP}`;

export const RESTORE_OFFSITE_HELP = `Usage: restore-offsite --list [<target>]
       restore-offsite <target> [--backup <stamp|key|latest>] [options]

Lists the off-host backups, or restores one target (${OFFSITE_TARGETS.join(', ')}) from the newest backup (or the one
named): downloads it beside the live data, checks its SHA-256 against the object's metadata, decrypts it (the
AES-256-GCM tag must verify), unpacks and checks it, and only then stops the services, swaps the restored data in
(the replaced data is kept beside it as <name>.replaced-<stamp>) and starts them again. A corrupted, truncated or
foreign object, or the wrong key, is refused and nothing on the host is changed.

Options:
  --list                list the backups in the bucket
  --backup <name>       which backup: its stamp (20261205T031500Z), its key, or latest (default)
  --timeout <seconds>   how long to wait for the services to be healthy again (default 300)
${COMMON_HELP}`;

const SOURCE_FLAGS = { settings: 'string', 'stacks-root': 'string', db: 'string', 'jenkins-home': 'string', 'harbor-data': 'string', 'dry-run': 'boolean' } as const;

function sourcesFrom(flags: Record<string, unknown>): TargetSources {
  const abs = (v: unknown) => (v === undefined ? undefined : path.resolve(v as string));
  return {
    stacksRoot: path.resolve((flags['stacks-root'] as string | undefined) ?? DEFAULT_STACKS_ROOT),
    ...(flags.db !== undefined ? { db: abs(flags.db) } : {}),
    ...(flags['jenkins-home'] !== undefined ? { jenkinsHome: abs(flags['jenkins-home']) } : {}),
    harborData: path.resolve((flags['harbor-data'] as string | undefined) ?? HARBOR_DATA_DIR),
  };
}

function isTarget(name: string): name is OffsiteTarget {
  return (OFFSITE_TARGETS as readonly string[]).includes(name);
}

/** Parses `backup-offsite`'s command line. Pure. */
export function parseOffsiteBackupArgs(argv: readonly string[]): OffsiteBackupOptions | 'help' {
  const flags = parseFlags(argv, { ...SOURCE_FLAGS, only: 'list', 'work-dir': 'string' });
  if (flags === 'help') return 'help';
  const only = flags.only as string[];
  for (const name of only) if (!isTarget(name)) throw new ScriptError(`unknown target "${name}" for --only (targets: ${OFFSITE_TARGETS.join(', ')})`);
  return {
    targets: OFFSITE_TARGETS.filter((t) => only.length === 0 || only.includes(t)),
    settingsFile: path.resolve((flags.settings as string | undefined) ?? DEFAULT_SETTINGS_FILE),
    settingsGiven: flags.settings !== undefined,
    workDir: path.resolve((flags['work-dir'] as string | undefined) ?? DEFAULT_WORK_DIR),
    sources: sourcesFrom(flags),
    dryRun: flags['dry-run'] as boolean,
  };
}

/** Parses `restore-offsite`'s command line. Pure. */
export function parseOffsiteRestoreArgs(argv: readonly string[]): OffsiteRestoreOptions | 'help' {
  const line = parseCommandLine(argv, { ...SOURCE_FLAGS, list: 'boolean', backup: 'string', timeout: 'integer' }, { positionals: true });
  if (line === 'help') return 'help';
  const { flags, positionals: positional } = line;
  if (positional.length > 1) throw new ScriptError(`give one target, not ${positional.length} (${positional.join(' ')})`);
  const name = positional[0];
  if (name !== undefined && !isTarget(name)) throw new ScriptError(`unknown target "${name}" (targets: ${OFFSITE_TARGETS.join(', ')})`);
  const list = flags.list as boolean;
  if (!list && name === undefined) throw new ScriptError(`which target? give one of ${OFFSITE_TARGETS.join(', ')}, or --list (see --help)`);
  if (list && flags.backup !== undefined) throw new ScriptError('--list takes no --backup');
  const timeoutSeconds = (flags.timeout as number | undefined) ?? 300;
  if (timeoutSeconds < 1) throw new ScriptError('--timeout must be at least 1 second');
  return {
    list,
    ...(name !== undefined ? { target: name } : {}),
    backup: (flags.backup as string | undefined) ?? 'latest',
    settingsFile: path.resolve((flags.settings as string | undefined) ?? DEFAULT_SETTINGS_FILE),
    settingsGiven: flags.settings !== undefined,
    sources: sourcesFrom(flags),
    timeoutSeconds,
    dryRun: flags['dry-run'] as boolean,
  };
}

/**
 * Which stored backup `wanted` names among one target's backups: 'latest' (the newest), a stamp
 * (`20261205T031500Z` or `20261205T031500Z-2`) or a whole key. Throws one line when there is none. Pure.
 */
export function chooseBackup(backups: readonly StoredBackup[], target: OffsiteTarget, wanted: string): StoredBackup {
  const mine = newestFirst(backups.filter((b) => b.target === target));
  if (mine.length === 0) throw new ScriptError(`no ${target} backups in the bucket`);
  if (wanted === 'latest') return mine[0] as StoredBackup;
  const found = mine.find((b) => b.key === wanted || `${b.stamp}${b.seq > 1 ? `-${b.seq}` : ''}` === wanted);
  if (!found) throw new ScriptError(`no ${target} backup "${wanted}" in the bucket (newest: ${mine.slice(0, 3).map((b) => path.basename(b.key)).join(', ')})`);
  return found;
}

// ---------------------------------------------------------------------------------------------------------------
// Target plans

/** One step of a target's backup. */
export type BackupStep =
  | { kind: 'exec'; what: string; command: Command }
  /** SQLite online backup of `source` into `<staging>/${CHAT_FILE}`, verified. */
  | { kind: 'sqlite'; source: string }
  /** `tar` (GNU) writing a gzip archive to stdout, which is encrypted into the local object file. */
  | { kind: 'pack'; command: Command };

/** A target's backup: the steps, and the commands run when a step fails (start what was stopped, clean up). */
export interface TargetBackupPlan {
  target: OffsiteTarget;
  steps: BackupStep[];
  onFailure: { what: string; command: Command }[];
}

/** The Jenkins stack (cli and location) when Jenkins runs in it; undefined with --jenkins-home. */
export interface StackRef {
  cli: ComposeCli;
  location: StackLocation;
}

/** `tar` creating a gzip archive on stdout: ownership kept as numbers, `parts` are [folder, entries…] groups. Pure. */
export function tarCreate(parts: readonly { dir: string; entries: readonly string[] }[], excludes: readonly string[] = [], cwd = '/'): Command {
  return {
    argv: ['tar', '--create', '--gzip', '--file=-', '--numeric-owner', ...excludes.map((e) => `--exclude=${e}`), ...parts.flatMap((p) => ['-C', p.dir, ...p.entries])],
    cwd,
  };
}

/** `tar` unpacking a gzip archive into `dir`, keeping the stored owners when run as root. Pure. */
export function tarExtract(archive: string, dir: string): Command {
  return { argv: ['tar', '--extract', '--gzip', `--file=${archive}`, '--numeric-owner', '--same-owner', '--same-permissions', '-C', dir], cwd: dir };
}

/** The chat database's backup: the SQLite online backup into the staging folder, then packed. Pure. */
export function planChatBackup(database: string, staging: string): TargetBackupPlan {
  return { target: 'chat', steps: [{ kind: 'sqlite', source: database }, { kind: 'pack', command: tarCreate([{ dir: staging, entries: [CHAT_FILE] }]) }], onFailure: [] };
}

/**
 * Jenkins home: Jenkins has no online snapshot, so the controller is stopped while its home is packed (the agent
 * keeps running; builds are not scheduled meanwhile) and started again, also when packing fails. With
 * `stack` undefined (--jenkins-home) the folder is packed as it is. Pure.
 */
export function planJenkinsBackup(home: string, stack: StackRef | undefined): TargetBackupPlan {
  const pack: BackupStep = { kind: 'pack', command: tarCreate([{ dir: home, entries: ['.'] }], JENKINS_EXCLUDES) };
  if (!stack) return { target: 'jenkins', steps: [pack], onFailure: [] };
  const start = { what: `start ${JENKINS_SERVICE}`, command: composeCommand(stack.cli, stack.location, ['start', JENKINS_SERVICE]) };
  return {
    target: 'jenkins',
    steps: [{ kind: 'exec', what: `stop ${JENKINS_SERVICE}`, command: composeCommand(stack.cli, stack.location, ['stop', JENKINS_SERVICE]) }, pack, { kind: 'exec', ...start }],
    onFailure: [start],
  };
}

/**
 * Harbor: its database by `pg_dump` inside the running database container (a consistent snapshot while Harbor keeps
 * serving), then its secret keys and registry blobs as files. The dump comes first: a blob pushed after it is extra
 * in the archive (harmless), whereas a dump taken after the copy could name blobs the copy lacks. Pure.
 */
export function planHarborBackup(dataDir: string, staging: string, cwd: string): TargetBackupPlan {
  const cleanup = { what: 'remove the dump in the database container', command: { argv: ['docker', 'exec', HARBOR_DB_CONTAINER, 'rm', '-f', HARBOR_DUMP_IN_CONTAINER], cwd } };
  return {
    target: 'harbor',
    steps: [
      {
        kind: 'exec',
        what: `pg_dump of ${HARBOR_DATABASE} in ${HARBOR_DB_CONTAINER}`,
        command: { argv: ['docker', 'exec', HARBOR_DB_CONTAINER, 'pg_dump', '-U', 'postgres', '--format=custom', `--file=${HARBOR_DUMP_IN_CONTAINER}`, HARBOR_DATABASE], cwd },
      },
      { kind: 'exec', what: 'copy the dump out', command: { argv: ['docker', 'cp', `${HARBOR_DB_CONTAINER}:${HARBOR_DUMP_IN_CONTAINER}`, path.join(staging, HARBOR_DUMP)], cwd } },
      { kind: 'exec', ...cleanup },
      { kind: 'pack', command: tarCreate([{ dir: staging, entries: [HARBOR_DUMP] }, { dir: dataDir, entries: [...HARBOR_DIRS] }]) },
    ],
    onFailure: [cleanup],
  };
}

/** The Jenkins home folder: the host path of the volume mounted at {@link JENKINS_HOME_MOUNT} in the controller. Pure. */
export function jenkinsHomeFromContainers(containers: readonly ContainerInfo[]): string {
  const container = containers.find((c) => c.service === JENKINS_SERVICE);
  if (!container) throw new ScriptError(`the jenkins stack has no "${JENKINS_SERVICE}" container (is it up? see scripts/status)`);
  const mount = container.volumes.find((v) => v.destination === JENKINS_HOME_MOUNT);
  if (!mount) throw new ScriptError(`container ${container.name} has no volume at ${JENKINS_HOME_MOUNT}`);
  return mount.source;
}

/** One step of a restore. */
export type OffsiteRestoreStep =
  /** Download, check the SHA-256, decrypt, unpack into `dir` and check what the target needs. */
  | { kind: 'prepare'; key: string; dir: string }
  | { kind: 'exec'; what: string; command: Command; stops?: boolean; starts?: boolean }
  /** Swap the verified database in (the replaced one is kept as `<target>.replaced-<stamp>`). */
  | { kind: 'swap-db'; target: string; candidate: string; stamp: string }
  /** Swap a folder in: `target` becomes `<target>.replaced-<stamp>`, `source` becomes `target`. */
  | { kind: 'swap-dir'; target: string; source: string; stamp: string }
  | { kind: 'wait'; location: StackLocation; services?: string[]; timeoutSeconds: number };

/** A restore: the steps, and what always runs afterwards when a step that stopped services was done. */
export interface TargetRestorePlan {
  target: OffsiteTarget;
  /** The folder the backup is prepared in (removed at the end, whatever happens). */
  prepareDir: string;
  steps: OffsiteRestoreStep[];
  /** Run when the restore fails after a stop: start the services again. */
  restart: { what: string; command: Command }[];
}

/** The preparation folder beside `near` (same filesystem, so the swaps are renames). Pure. */
export function prepareDirBeside(near: string, stamp: string): string {
  return path.join(path.dirname(near), `.shagram-offsite-${stamp}`);
}

/** The chat restore: prepare beside the database, stop the app, swap, start it, restart the edge, wait. Pure. */
export function planChatRestore(
  key: string,
  database: string,
  stamp: string,
  stack: (StackRef & { service?: string; edge: StackLocation; timeoutSeconds: number }) | undefined,
): TargetRestorePlan {
  const dir = prepareDirBeside(database, stamp);
  const prepare: OffsiteRestoreStep = { kind: 'prepare', key, dir };
  const swap: OffsiteRestoreStep = { kind: 'swap-db', target: database, candidate: path.join(path.dirname(database), `.shagram-restore-${stamp}.db`), stamp };
  if (!stack) return { target: 'chat', prepareDir: dir, steps: [prepare, swap], restart: [] };
  const service = stack.service ?? APP_SERVICE;
  const start = { what: `start ${service}`, command: composeCommand(stack.cli, stack.location, ['start', service]) };
  return {
    target: 'chat',
    prepareDir: dir,
    steps: [
      prepare,
      { kind: 'exec', what: `stop ${service}`, command: composeCommand(stack.cli, stack.location, ['stop', service]), stops: true },
      swap,
      { kind: 'exec', ...start, starts: true },
      { kind: 'exec', what: `restart ${EDGE_SERVICE} in the ${stack.edge.stack} stack`, command: composeCommand(stack.cli, stack.edge, ['restart', EDGE_SERVICE]) },
      { kind: 'wait', location: stack.location, services: [service], timeoutSeconds: stack.timeoutSeconds },
      { kind: 'wait', location: stack.edge, services: [EDGE_SERVICE], timeoutSeconds: stack.timeoutSeconds },
    ],
    restart: [start],
  };
}

/** The Jenkins restore: prepare beside the home folder, stop the controller, swap the folder, start, wait. Pure. */
export function planJenkinsRestore(key: string, home: string, stamp: string, stack: (StackRef & { timeoutSeconds: number }) | undefined): TargetRestorePlan {
  const dir = prepareDirBeside(home, stamp);
  const prepare: OffsiteRestoreStep = { kind: 'prepare', key, dir };
  const swap: OffsiteRestoreStep = { kind: 'swap-dir', target: home, source: path.join(dir, 'jenkins_home'), stamp };
  if (!stack) return { target: 'jenkins', prepareDir: dir, steps: [prepare, swap], restart: [] };
  const start = { what: `start ${JENKINS_SERVICE}`, command: composeCommand(stack.cli, stack.location, ['start', JENKINS_SERVICE]) };
  return {
    target: 'jenkins',
    prepareDir: dir,
    steps: [
      prepare,
      { kind: 'exec', what: `stop ${JENKINS_SERVICE}`, command: composeCommand(stack.cli, stack.location, ['stop', JENKINS_SERVICE]), stops: true },
      swap,
      { kind: 'exec', ...start, starts: true },
      { kind: 'wait', location: stack.location, services: [JENKINS_SERVICE], timeoutSeconds: stack.timeoutSeconds },
    ],
    restart: [start],
  };
}

/**
 * The Harbor restore (Harbor installed and deployed, e.g. on a fresh host after `pulumi up`): prepare inside the data
 * volume, stop every Harbor service, start only its database, load the dump in one transaction (`pg_restore
 * --clean --if-exists --single-transaction`: on any error the database is as it was), swap the secret keys and the
 * registry folders, start Harbor and wait until it is healthy. Pure.
 */
export function planHarborRestore(key: string, dataDir: string, stamp: string, stack: StackRef & { timeoutSeconds: number }): TargetRestorePlan {
  const dir = path.join(dataDir, `.shagram-offsite-${stamp}`);
  const cwd = stack.location.dir;
  const docker = (...argv: string[]): Command => ({ argv: ['docker', ...argv], cwd });
  const startAll = { what: 'start harbor', command: composeCommand(stack.cli, stack.location, ['start']) };
  return {
    target: 'harbor',
    prepareDir: dir,
    steps: [
      { kind: 'prepare', key, dir },
      { kind: 'exec', what: 'stop harbor', command: composeCommand(stack.cli, stack.location, ['stop']), stops: true },
      { kind: 'exec', what: `start ${HARBOR_DB_SERVICE}`, command: composeCommand(stack.cli, stack.location, ['start', HARBOR_DB_SERVICE]) },
      { kind: 'wait', location: stack.location, services: [HARBOR_DB_SERVICE], timeoutSeconds: stack.timeoutSeconds },
      { kind: 'exec', what: 'copy the dump in', command: docker('cp', path.join(dir, HARBOR_DUMP), `${HARBOR_DB_CONTAINER}:${HARBOR_DUMP_IN_CONTAINER}`) },
      {
        kind: 'exec',
        what: `pg_restore into ${HARBOR_DATABASE}`,
        command: docker('exec', HARBOR_DB_CONTAINER, 'pg_restore', '-U', 'postgres', '--dbname', HARBOR_DATABASE, '--clean', '--if-exists', '--single-transaction', '--no-owner', HARBOR_DUMP_IN_CONTAINER),
      },
      { kind: 'exec', what: 'remove the dump in the database container', command: docker('exec', HARBOR_DB_CONTAINER, 'rm', '-f', HARBOR_DUMP_IN_CONTAINER) },
      ...HARBOR_DIRS.map((name): OffsiteRestoreStep => ({ kind: 'swap-dir', target: path.join(dataDir, name), source: path.join(dir, name), stamp })),
      { kind: 'exec', ...startAll, starts: true },
      { kind: 'wait', location: stack.location, timeoutSeconds: stack.timeoutSeconds },
    ],
    restart: [startAll],
  };
}

/** What the prepared folder of each target must hold (relative paths) before anything is stopped. */
export const REQUIRED_PARTS: Record<OffsiteTarget, readonly string[]> = {
  chat: [CHAT_FILE],
  jenkins: ['jenkins_home/config.xml'],
  harbor: [HARBOR_DUMP, 'secret/keys/secretkey', 'registry'],
};

/** Where a target's archive is unpacked inside the prepared folder. Pure. */
export function unpackDir(target: OffsiteTarget, prepareDir: string): string {
  return target === 'jenkins' ? path.join(prepareDir, 'jenkins_home') : prepareDir;
}

/** `--dry-run` text of a backup plan. Pure. */
export function formatBackupPlan(plan: TargetBackupPlan, key: string): string {
  const lines = plan.steps.map((step) => {
    if (step.kind === 'exec') return formatCommand(step.command);
    if (step.kind === 'sqlite') return `# ${plan.target}: SQLite online backup of ${step.source}, integrity_check, into the staging folder as ${CHAT_FILE}`;
    return `${formatCommand(step.command)} | encrypt (AES-256-GCM) > <work>/${path.basename(key)}`;
  });
  lines.push(`# upload to ${key} (sha256 in the metadata), then retention of ${plan.target}`);
  return lines.join('\n');
}

/** `--dry-run` text of a restore plan. Pure. */
export function formatOffsiteRestorePlan(plan: TargetRestorePlan): string {
  return plan.steps
    .map((step) => {
      switch (step.kind) {
        case 'prepare':
          return `# prepare: download ${step.key} into ${step.dir}, check its sha256, decrypt, unpack, check ${REQUIRED_PARTS[plan.target].join(', ')}`;
        case 'exec':
          return formatCommand(step.command);
        case 'swap-db':
          return `# swap: mv ${step.target} ${step.target}.replaced-${step.stamp} (with -wal/-shm); mv <verified copy> ${step.target}`;
        case 'swap-dir':
          return `# swap: mv ${step.target} ${step.target}.replaced-${step.stamp}; mv ${step.source} ${step.target}`;
        case 'wait':
          return `# wait up to ${step.timeoutSeconds} s until ${step.services ? step.services.join(' and ') : 'every service'} in the ${step.location.stack} stack is healthy`;
      }
    })
    .join('\n');
}

export { APP_STACK };
