import path from 'node:path';
import { ScriptError, parseCommandLine, parseFlags } from '../lib/cli';
import { formatCommand, type Command } from '../lib/command';
import { DEFAULT_STACKS_ROOT, composeCommand, type ComposeCli, type StackLocation, type StackName } from './ops/compose';
import type { ContainerInfo } from './ops/health';

/** Default folder for backups on the host. */
export const DEFAULT_BACKUP_DIR = '/opt/shagram/backups';
/** The Shagram stack's app service, where its data volume is mounted, and the database file in it. */
export const APP_SERVICE = 'app';
export const DATA_MOUNT = '/app/data';
export const DATABASE_FILE = 'shagram.db';
/** The stack that runs the app (its folder under the stacks root). */
export const APP_STACK: StackName = 'shagram';
/** The edge stack (nginx + certbot), deployed first, in its own folder under the stacks root. */
export const EDGE_STACK: StackName = 'edge';
/**
 * The edge service of the edge stack. nginx re-resolves the app's name (resolver valid=10s), but a stopped and
 * started app container may come back with another address and the edge would answer 502 until its cached answer
 * expires, so a restore restarts the edge after the app: the chat is back as soon as both are healthy.
 */
export const EDGE_SERVICE = 'nginx';

/** Where the database is: a file given directly, or found through the Shagram stack's app container. */
export type DatabaseSource = { kind: 'file'; file: string } | { kind: 'stack'; stacksRoot: string; service: string };

/** Options of `scripts/backup`. */
export interface BackupOptions {
  source: DatabaseSource;
  outDir: string;
  keep: number;
  dryRun: boolean;
}

/** Options of `scripts/restore`. */
export interface RestoreOptions {
  source: DatabaseSource;
  /** The backup to restore, or 'latest' (the newest in `outDir`). */
  backup: string;
  outDir: string;
  dryRun: boolean;
  timeoutSeconds: number;
}

const SOURCE_HELP = `  --stacks-root <dir>   folder with one folder per stack (default ${DEFAULT_STACKS_ROOT}); the database is
                        ${DATABASE_FILE} in the volume mounted at ${DATA_MOUNT} in the shagram stack's "${APP_SERVICE}" container
  --service <name>      the app's service name in the ${APP_STACK} stack (default ${APP_SERVICE})
  --db <file>           use this database file directly instead (no containers involved)`;

export const BACKUP_HELP = `Usage: scripts/backup [options]

Online backup of the Shagram SQLite database while the app keeps writing: one consistent snapshot (SQLite's
backup API), verified with PRAGMA integrity_check, gzipped to <out>/shagram-<UTC timestamp>.db.gz (mode 0600).
Then keeps only the newest --keep backups. Run as root: volume mountpoints belong to root.

Options:
  --out <dir>           backup folder (default ${DEFAULT_BACKUP_DIR})
  --keep <n>            how many backups to keep, newest first (default 14)
${SOURCE_HELP}
  --dry-run             print what would happen and do nothing
  -h, --help            this text`;

export const RESTORE_HELP = `Usage: scripts/restore <backup.db.gz | --latest> [options]

Restores a backup made by scripts/backup: decompresses it to a temporary file beside the live database, requires
PRAGMA integrity_check = ok and Shagram's tables, and only then stops the app, keeps the current database as
shagram.db.replaced-<UTC timestamp> (with its -wal/-shm), moves the restored file in and starts the app again
(${APP_STACK} stack), restarts ${EDGE_SERVICE} in the ${EDGE_STACK} stack (so it does not wait for its cached
address of the app to expire) and waits until both are healthy.
A damaged backup is refused and nothing is stopped or changed.

Options:
  --latest              restore the newest backup in --out
  --out <dir>           backup folder for --latest (default ${DEFAULT_BACKUP_DIR})
${SOURCE_HELP}
                        (with --db, stop whatever uses the file yourself first)
  --timeout <seconds>   how long to wait for the app, then the edge, to be healthy again (default 120 each)
  --dry-run             print the plan and do nothing
  -h, --help            this text`;

const SOURCE_FLAGS = { 'stacks-root': 'string', service: 'string', db: 'string' } as const;

function sourceFrom(flags: Record<string, unknown>): DatabaseSource {
  if (flags.db !== undefined) {
    if (flags['stacks-root'] !== undefined || flags.service !== undefined) throw new ScriptError('--db cannot be combined with --stacks-root or --service');
    return { kind: 'file', file: path.resolve(flags.db as string) };
  }
  return { kind: 'stack', stacksRoot: (flags['stacks-root'] as string | undefined) ?? DEFAULT_STACKS_ROOT, service: (flags.service as string | undefined) ?? APP_SERVICE };
}

/** Parses `scripts/backup`'s command line. Pure. */
export function parseBackupArgs(argv: readonly string[]): BackupOptions | 'help' {
  const flags = parseFlags(argv, { ...SOURCE_FLAGS, out: 'string', keep: 'integer', 'dry-run': 'boolean' });
  if (flags === 'help') return 'help';
  const keep = (flags.keep as number | undefined) ?? 14;
  if (keep < 1) throw new ScriptError('--keep must be at least 1');
  return { source: sourceFrom(flags), outDir: path.resolve((flags.out as string | undefined) ?? DEFAULT_BACKUP_DIR), keep, dryRun: flags['dry-run'] as boolean };
}

/** Parses `scripts/restore`'s command line: one backup file or --latest. Pure. */
export function parseRestoreArgs(argv: readonly string[]): RestoreOptions | 'help' {
  const line = parseCommandLine(argv, { ...SOURCE_FLAGS, out: 'string', latest: 'boolean', timeout: 'integer', 'dry-run': 'boolean' }, { positionals: true });
  if (line === 'help') return 'help';
  const { flags, positionals: files } = line;
  if (files.length > 1) throw new ScriptError(`give one backup file, not ${files.length}`);
  if (files.length === 1 && flags.latest) throw new ScriptError('give a backup file or --latest, not both');
  if (files.length === 0 && !flags.latest) throw new ScriptError('which backup? give a .db.gz file or --latest (see --help)');
  const timeoutSeconds = (flags.timeout as number | undefined) ?? 120;
  if (timeoutSeconds < 1) throw new ScriptError('--timeout must be at least 1 second');
  return {
    source: sourceFrom(flags),
    backup: files.length === 1 ? path.resolve(files[0] as string) : 'latest',
    outDir: path.resolve((flags.out as string | undefined) ?? DEFAULT_BACKUP_DIR),
    dryRun: flags['dry-run'] as boolean,
    timeoutSeconds,
  };
}

/** UTC timestamp used in file names: `20261125T084400Z`. Pure. */
export function fileStamp(date: Date): string {
  return date.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}Z$/, 'Z');
}

const BACKUP_NAME = /^shagram-(\d{8}T\d{6}Z)(?:-(\d+))?\.db\.gz$/;

/**
 * Name of a new backup: `shagram-<stamp>.db.gz`, or `shagram-<stamp>-<n>.db.gz` when that name is taken
 * (two backups within a second). Pure.
 */
export function backupFileName(date: Date, existing: readonly string[]): string {
  const base = `shagram-${fileStamp(date)}`;
  if (!existing.includes(`${base}.db.gz`)) return `${base}.db.gz`;
  let n = 2;
  while (existing.includes(`${base}-${n}.db.gz`)) n++;
  return `${base}-${n}.db.gz`;
}

/** The backups among `names`, newest first (other files are ignored). Pure. */
export function backupsNewestFirst(names: readonly string[]): string[] {
  const key = (name: string) => {
    const match = BACKUP_NAME.exec(name)!;
    return `${match[1]}-${(match[2] ?? '1').padStart(6, '0')}`;
  };
  return names.filter((name) => BACKUP_NAME.test(name)).sort((a, b) => key(b).localeCompare(key(a)));
}

/** Retention: which backups to delete so that only the newest `keep` remain. Pure. */
export function planRetention(names: readonly string[], keep: number): string[] {
  return backupsNewestFirst(names).slice(keep);
}

/**
 * The database file in the app container's data volume: the host path of the volume mounted at
 * {@link DATA_MOUNT} in `service`'s container. Pure. Throws when the container or the mount is missing.
 */
export function databaseFileFromContainers(containers: readonly ContainerInfo[], service: string): string {
  const container = containers.find((c) => c.service === service);
  if (!container) throw new ScriptError(`the shagram stack has no "${service}" container (is it up? see scripts/status)`);
  const mount = container.volumes.find((volume) => volume.destination === DATA_MOUNT);
  if (!mount) throw new ScriptError(`container ${container.name} has no volume at ${DATA_MOUNT}`);
  return path.join(mount.source, DATABASE_FILE);
}

/** One step of a restore. */
export type RestoreStep =
  | { kind: 'verify'; backup: string; workDir: string }
  | { kind: 'exec'; what: string; command: Command }
  | { kind: 'swap'; target: string; stamp: string; keptAs: string }
  | { kind: 'wait'; location: StackLocation; services: string[]; timeoutSeconds: number };

/**
 * The restore as data: verify first (nothing stops when the backup is bad), then stop the app, swap, start it (all in
 * the app's stack at `location`), restart the edge in its own stack at `edge` (see {@link EDGE_SERVICE}) and wait
 * until the app, then the edge, are healthy. Without a stack (--db) only verify and swap. Pure.
 */
export function planRestore(
  backup: string,
  target: string,
  stamp: string,
  stack: { cli: ComposeCli; location: StackLocation; service: string; edge: StackLocation; timeoutSeconds: number } | undefined,
): RestoreStep[] {
  const verify: RestoreStep = { kind: 'verify', backup, workDir: path.dirname(target) };
  const swap: RestoreStep = { kind: 'swap', target, stamp, keptAs: `${target}.replaced-${stamp}` };
  if (!stack) return [verify, swap];
  return [
    verify,
    { kind: 'exec', what: `stop ${stack.service}`, command: composeCommand(stack.cli, stack.location, ['stop', stack.service]) },
    swap,
    { kind: 'exec', what: `start ${stack.service}`, command: composeCommand(stack.cli, stack.location, ['start', stack.service]) },
    { kind: 'exec', what: `restart ${EDGE_SERVICE} in the ${stack.edge.stack} stack`, command: composeCommand(stack.cli, stack.edge, ['restart', EDGE_SERVICE]) },
    { kind: 'wait', location: stack.location, services: [stack.service], timeoutSeconds: stack.timeoutSeconds },
    { kind: 'wait', location: stack.edge, services: [EDGE_SERVICE], timeoutSeconds: stack.timeoutSeconds },
  ];
}

/** `--dry-run` text of a restore plan. Pure. */
export function formatRestorePlan(steps: readonly RestoreStep[]): string {
  return steps
    .map((step) => {
      switch (step.kind) {
        case 'verify':
          return `# verify: gunzip ${step.backup} into ${step.workDir}, PRAGMA integrity_check = ok, Shagram tables present`;
        case 'exec':
          return formatCommand(step.command);
        case 'swap':
          return `# swap: mv ${step.target} ${step.keptAs} (with -wal/-shm); mv <verified copy> ${step.target}`;
        case 'wait':
          return `# wait up to ${step.timeoutSeconds} s until ${step.services.join(' and ')} in the ${step.location.stack} stack ${step.services.length > 1 ? 'are' : 'is'} healthy`;
      }
    })
    .join('\n');
}
