/**
 * The off-host backup and restore executors: they resolve where each target's data is, run the plans of
 * offsite-plan.ts, pack with GNU tar, encrypt (backup-crypto.ts) and talk to the bucket (s3-store.ts).
 */
import { spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import {
  CHAT_FILE,
  ENV,
  JENKINS_STACK,
  REQUIRED_PARTS,
  chooseBackup,
  jenkinsHomeFromContainers,
  newestFirst,
  objectKey,
  parseEnvFile,
  parseObjectKey,
  parseSettings,
  planChatBackup,
  planChatRestore,
  planHarborBackup,
  planHarborRestore,
  planJenkinsBackup,
  planJenkinsRestore,
  planOffsiteRetention,
  renderMetrics,
  tarExtract,
  unpackDir,
  type OffsiteSettings,
  type OffsiteTarget,
  type StoredBackup,
  type TargetBackupPlan,
  type TargetRestorePlan,
  type TargetSources,
} from '../offsite-plan';
import { APP_SERVICE, EDGE_STACK, fileStamp } from '../backup-plan';
import { locateHostStack, resolveDatabase } from './app-database';
import { FORMAT_NAME, decryptFile, encryptToFile, type WrittenObject } from './backup-crypto';
import { ScriptError } from '../../lib/cli';
import { execute, executeOrThrow, lastLine, type Command } from '../../lib/command';
import { detectCompose, stackContainers } from './docker';
import { deleteObject, downloadFile, listObjects, openBucket, uploadFile, type Bucket } from './s3-store';
import { snapshotDatabase, swapInDatabase, verifyShagramDatabase, type DatabaseFacts } from './sqlite-backup';
import { formatBytes, formatDuration } from './table';
import { waitForHealth } from './wait';

/** The clock and the output of a run (tests inject the clock). */
export interface Runtime {
  now: () => Date;
  log: (line: string) => void;
  /** Multipart threshold and part size of uploads (tests make it small). */
  partBytes?: number;
}

/**
 * The settings: the settings file (when present; required when `given`), overridden by the environment. Reads
 * the key file SHAGRAM_BACKUP_ENCRYPTION_KEY_FILE names.
 */
export function loadSettings(settingsFile: string, given: boolean, env: Record<string, string | undefined> = process.env): OffsiteSettings {
  let fromFile: Record<string, string> = {};
  try {
    fs.statSync(settingsFile);
  } catch (error) {
    // The settings folder is root's (mode 0700): say so rather than "SHAGRAM_BACKUP_BUCKET is not set".
    if ((error as NodeJS.ErrnoException).code === 'EACCES') throw new ScriptError(`cannot read the settings file ${settingsFile}: permission denied (run as root: sudo)`);
  }
  if (fs.existsSync(settingsFile)) {
    try {
      fromFile = parseEnvFile(fs.readFileSync(settingsFile, 'utf8'));
    } catch (error) {
      throw new ScriptError(`${settingsFile}: ${(error as Error).message}`);
    }
  } else if (given) throw new ScriptError(`settings file ${settingsFile} does not exist`);
  const merged: Record<string, string | undefined> = { ...fromFile };
  for (const name of Object.values(ENV)) if (env[name] !== undefined && env[name] !== '') merged[name] = env[name];
  return parseSettings(merged, (file) => fs.readFileSync(file, 'utf8'));
}

/** Writes the metrics file atomically: a temporary file in the same folder, fsynced, then renamed over it. */
export function writeMetrics(file: string, successes: Partial<Record<OffsiteTarget, number>>): void {
  const dir = path.dirname(file);
  fs.mkdirSync(dir, { recursive: true });
  const previous = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : undefined;
  const temp = path.join(dir, `.${path.basename(file)}.${crypto.randomBytes(4).toString('hex')}.tmp`);
  try {
    const fd = fs.openSync(temp, 'wx', 0o644);
    try {
      fs.writeSync(fd, renderMetrics(previous, successes));
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.chmodSync(temp, 0o644);
    fs.renameSync(temp, file);
  } catch (error) {
    fs.rmSync(temp, { force: true });
    throw new ScriptError(`cannot write the metrics file ${file}: ${(error as Error).message}`);
  }
}

/** Runs `tar` (its stdout is the archive) and encrypts its output into `file`; throws tar's last stderr line. */
export async function packAndEncrypt(command: Command, file: string, key: Buffer, target: OffsiteTarget): Promise<WrittenObject> {
  const [bin, ...args] = command.argv as [string, ...string[]];
  const child = spawn(bin, args, { cwd: command.cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  const exited = new Promise<number>((resolve) => {
    child.on('error', (error) => {
      stderr += `\ncannot run ${bin}: ${error.message}`;
      resolve(127);
    });
    child.on('close', (code) => resolve(code ?? 1));
  });
  let written: WrittenObject;
  try {
    written = await encryptToFile(child.stdout, file, key, target);
  } catch (error) {
    child.kill();
    await exited;
    throw error;
  }
  const code = await exited;
  if (code !== 0) {
    fs.rmSync(file, { force: true });
    // GNU tar ends with a summary ("Error is not recoverable", "Exiting with failure status…"): name the cause instead.
    const cause = stderr.split('\n').map((l) => l.trim()).find((l) => l !== '' && !/Error is not recoverable|Exiting with failure status/.test(l));
    throw new ScriptError(`${bin} exited ${code}: ${cause ?? lastLine({ stdout: '', stderr })}`);
  }
  return written;
}

/** A target's backup plan, with where its data was found (containers inspected for the stack targets). */
async function resolveBackupPlan(target: OffsiteTarget, sources: TargetSources, staging: string): Promise<TargetBackupPlan> {
  if (target === 'chat') {
    const database = await resolveDatabase(sources.db ? { kind: 'file', file: sources.db } : { kind: 'stack', stacksRoot: sources.stacksRoot, service: APP_SERVICE });
    return planChatBackup(database.file, staging);
  }
  if (target === 'jenkins') {
    if (sources.jenkinsHome) {
      if (!fs.existsSync(sources.jenkinsHome)) throw new ScriptError(`Jenkins home ${sources.jenkinsHome} does not exist`);
      return planJenkinsBackup(sources.jenkinsHome, undefined);
    }
    const cli = await detectCompose();
    const location = locateHostStack(sources.stacksRoot, JENKINS_STACK);
    return planJenkinsBackup(jenkinsHomeFromContainers(await stackContainers(cli, location)), { cli, location });
  }
  if (!fs.existsSync(sources.harborData)) throw new ScriptError(`Harbor's data folder ${sources.harborData} does not exist`);
  return planHarborBackup(sources.harborData, staging, sources.harborData);
}

/** Backups of one target in the bucket, newest first. */
export async function storedBackups(bucket: Bucket, prefix: string, target?: OffsiteTarget): Promise<(StoredBackup & { size: number })[]> {
  const objects = await listObjects(bucket, target ? `${prefix}/${target}/` : `${prefix}/`);
  const parsed = objects.flatMap((o) => {
    const b = parseObjectKey(prefix, o.key);
    return b ? [{ ...b, size: o.size }] : [];
  });
  return newestFirst(parsed) as (StoredBackup & { size: number })[];
}

/** What one target's backup did. */
export interface TargetResult {
  target: OffsiteTarget;
  key: string;
  bytes: number;
  sha256: string;
  removed: string[];
  ms: number;
}

/** Backs up one target: plan, pack + encrypt into a private work folder, upload, retention; the folder is removed. */
export async function backupTarget(target: OffsiteTarget, sources: TargetSources, workDir: string, settings: OffsiteSettings, bucket: Bucket, rt: Runtime): Promise<TargetResult> {
  const started = Date.now();
  fs.mkdirSync(workDir, { recursive: true, mode: 0o700 });
  const run = fs.mkdtempSync(path.join(workDir, `${target}-`));
  try {
    const plan = await resolveBackupPlan(target, sources, run);
    const existing = (await storedBackups(bucket, settings.prefix, target)).map((b) => b.key);
    const created = rt.now();
    const key = objectKey(settings.prefix, target, created, existing);
    const objectFile = path.join(run, path.basename(key));
    let written: WrittenObject | undefined;
    let failed = true;
    try {
      for (const step of plan.steps) {
        if (step.kind === 'exec') {
          rt.log(`${target}: ${step.what}`);
          await executeOrThrow(step.command, { what: step.what });
        } else if (step.kind === 'sqlite') {
          const facts: DatabaseFacts = await snapshotDatabase(step.source, path.join(run, CHAT_FILE));
          rt.log(`${target}: snapshot of ${step.source}: integrity ok, ${facts.messages} messages, ${facts.users} users, ${facts.rooms} rooms`);
        } else {
          written = await packAndEncrypt(step.command, objectFile, settings.key, target);
        }
      }
      failed = false;
    } finally {
      if (failed) {
        for (const cleanup of plan.onFailure) {
          const result = await execute(cleanup.command);
          if (result.code !== 0) rt.log(`${target}: ${cleanup.what} failed too: ${lastLine(result)}`);
        }
      }
    }
    if (!written) throw new ScriptError('the plan packed nothing');
    await uploadFile(
      bucket,
      key,
      objectFile,
      { sha256: written.sha256, format: FORMAT_NAME, target, created: created.toISOString() },
      rt.partBytes,
    );
    rt.log(`${target}: uploaded ${key} (${formatBytes(written.bytes)}, sha256 ${written.sha256.slice(0, 12)}…)`);
    const removed = await applyRetention(target, settings, bucket, rt);
    return { target, key, bytes: written.bytes, sha256: written.sha256, removed, ms: Date.now() - started };
  } finally {
    fs.rmSync(run, { recursive: true, force: true });
  }
}

/** Retention of one target in the bucket; answers the deleted keys. */
export async function applyRetention(target: OffsiteTarget, settings: OffsiteSettings, bucket: Bucket, rt: Runtime): Promise<string[]> {
  const plan = planOffsiteRetention(await storedBackups(bucket, settings.prefix, target), settings.keepDaily, settings.keepWeekly);
  for (const doomed of plan.remove) {
    await deleteObject(bucket, doomed.key);
    rt.log(`${target}: removed ${doomed.key} (retention: ${settings.keepDaily} daily, ${settings.keepWeekly} weekly)`);
  }
  return plan.remove.map((b) => b.key);
}

/**
 * Backs up every target in turn; each success is recorded in the metrics file at once. One target's failure does
 * not stop the others; the run then ends with one line naming every failed target.
 */
export async function runOffsiteBackup(targets: readonly OffsiteTarget[], sources: TargetSources, workDir: string, settings: OffsiteSettings, rt: Runtime): Promise<TargetResult[]> {
  const bucket = openBucket(settings);
  const results: TargetResult[] = [];
  const failures: string[] = [];
  for (const target of targets) {
    try {
      const result = await backupTarget(target, sources, workDir, settings, bucket, rt);
      writeMetrics(settings.metricsFile, { [target]: rt.now().getTime() / 1000 });
      rt.log(`${target}: ok in ${formatDuration(result.ms)}`);
      results.push(result);
    } catch (error) {
      const message = (error as Error).message.split('\n')[0];
      rt.log(`${target}: FAILED: ${message}`);
      failures.push(`${target}: ${message}`);
    }
  }
  if (failures.length > 0) throw new ScriptError(`${failures.length} of ${targets.length} backups failed: ${failures.join('; ')}`);
  return results;
}

// ---------------------------------------------------------------------------------------------------------------
// Restore

/** What a prepared backup holds (the chat database's facts for chat). */
export interface Prepared {
  key: string;
  bytes: number;
  facts?: DatabaseFacts;
}

/**
 * Downloads `key` into the fresh folder `dir` (mode 0700), checks the SHA-256 its metadata records, decrypts it,
 * unpacks it and checks the parts the target needs (and, for chat, the database itself). Throws one line and
 * removes `dir` on any failure.
 */
export async function prepareBackup(bucket: Bucket, key: string, target: OffsiteTarget, dir: string, aesKey: Buffer): Promise<Prepared> {
  if (fs.existsSync(dir)) throw new ScriptError(`${dir} already exists (a restore in progress, or left over: remove it)`);
  fs.mkdirSync(dir, { mode: 0o700 });
  try {
    const object = path.join(dir, 'object.enc');
    const got = await downloadFile(bucket, key, object);
    const recorded = got.metadata.sha256;
    if (!recorded) throw new ScriptError('the object has no sha256 metadata');
    if (recorded !== got.sha256) throw new ScriptError(`checksum mismatch: the object's sha256 is ${got.sha256.slice(0, 16)}…, its metadata records ${recorded.slice(0, 16)}… (corrupted or truncated)`);
    const archive = path.join(dir, 'archive.tar.gz');
    await decryptFile(object, archive, aesKey, target);
    fs.rmSync(object);
    const into = unpackDir(target, dir);
    fs.mkdirSync(into, { recursive: true });
    const unpack = tarExtract(archive, into);
    const result = await execute(unpack);
    if (result.code !== 0) throw new ScriptError(`cannot unpack the archive: ${lastLine(result)}`);
    fs.rmSync(archive);
    for (const part of REQUIRED_PARTS[target]) if (!fs.existsSync(path.join(dir, part))) throw new ScriptError(`the archive lacks ${part}`);
    const facts = target === 'chat' ? verifyShagramDatabase(path.join(dir, CHAT_FILE)) : undefined;
    return { key, bytes: got.bytes, ...(facts ? { facts } : {}) };
  } catch (error) {
    fs.rmSync(dir, { recursive: true, force: true });
    throw error;
  }
}

/**
 * Swaps a folder in: `target` is renamed to `<target>.replaced-<stamp>` (refused when that exists), then `source`
 * to `target`. Both must be on one filesystem. Answers where the replaced folder went (undefined when none).
 */
export function swapDirectory(target: string, source: string, stamp: string): string | undefined {
  const keptAs = fs.existsSync(target) ? `${target}.replaced-${stamp}` : undefined;
  if (keptAs) {
    if (fs.existsSync(keptAs)) throw new ScriptError(`${keptAs} already exists; refusing to overwrite it`);
    fs.renameSync(target, keptAs);
  }
  try {
    fs.renameSync(source, target);
  } catch (error) {
    if (keptAs) fs.renameSync(keptAs, target);
    throw error;
  }
  return keptAs;
}

/** A target's restore plan, with where its data is (containers inspected for the stack targets). */
export async function resolveRestorePlan(target: OffsiteTarget, key: string, sources: TargetSources, stamp: string, timeoutSeconds: number): Promise<TargetRestorePlan> {
  if (target === 'chat') {
    const database = await resolveDatabase(sources.db ? { kind: 'file', file: sources.db } : { kind: 'stack', stacksRoot: sources.stacksRoot, service: APP_SERVICE });
    const stack =
      database.stack && !sources.db
        ? { cli: database.stack.cli, location: database.stack.location, service: database.stack.service, edge: locateHostStack(sources.stacksRoot, EDGE_STACK), timeoutSeconds }
        : undefined;
    return planChatRestore(key, database.file, stamp, stack);
  }
  if (target === 'jenkins') {
    if (sources.jenkinsHome) return planJenkinsRestore(key, sources.jenkinsHome, stamp, undefined);
    const cli = await detectCompose();
    const location = locateHostStack(sources.stacksRoot, JENKINS_STACK);
    return planJenkinsRestore(key, jenkinsHomeFromContainers(await stackContainers(cli, location)), stamp, { cli, location, timeoutSeconds });
  }
  if (!fs.existsSync(sources.harborData)) throw new ScriptError(`Harbor's data folder ${sources.harborData} does not exist (deploy Harbor first)`);
  const cli = await detectCompose();
  return planHarborRestore(key, sources.harborData, stamp, { cli, location: locateHostStack(sources.stacksRoot, 'harbor'), timeoutSeconds });
}

/** Picks the backup to restore. */
export async function findBackup(bucket: Bucket, settings: OffsiteSettings, target: OffsiteTarget, wanted: string): Promise<StoredBackup> {
  return chooseBackup(await storedBackups(bucket, settings.prefix, target), target, wanted);
}

/**
 * Runs a restore plan. The prepare step comes first: a bad object is refused before anything is stopped. Services
 * stopped by the plan are started again if a later step fails. The preparation folder is always removed.
 */
export async function executeRestore(plan: TargetRestorePlan, bucket: Bucket, aesKey: Buffer, rt: Runtime): Promise<Prepared | undefined> {
  let prepared: Prepared | undefined;
  let stopped = false;
  let cli: Awaited<ReturnType<typeof detectCompose>> | undefined;
  const started = Date.now();
  try {
    for (const step of plan.steps) {
      switch (step.kind) {
        case 'prepare':
          prepared = await prepareBackup(bucket, step.key, plan.target, step.dir, aesKey).catch((error: Error) => {
            throw new ScriptError(`${step.key}: ${error.message.split('\n')[0]}; refused, nothing was changed`);
          });
          rt.log(
            `${plan.target}: ${step.key} verified (sha256, authentication tag${prepared.facts ? `, integrity ok, ${prepared.facts.messages} messages, ${prepared.facts.users} users, ${prepared.facts.rooms} rooms` : ''})`,
          );
          break;
        case 'exec':
          rt.log(`${plan.target}: ${step.what}`);
          await executeOrThrow(step.command, { what: step.what });
          if (step.stops) stopped = true;
          if (step.starts) stopped = false;
          break;
        case 'swap-db': {
          fs.renameSync(path.join(plan.prepareDir, CHAT_FILE), step.candidate);
          const keptAs = swapInDatabase(step.target, step.candidate, step.stamp);
          rt.log(`${plan.target}: ${step.target} replaced${keptAs ? `; the previous database is kept as ${keptAs}` : ''}`);
          break;
        }
        case 'swap-dir': {
          const keptAs = swapDirectory(step.target, step.source, step.stamp);
          rt.log(`${plan.target}: ${step.target} replaced${keptAs ? `; the previous folder is kept as ${keptAs}` : ''}`);
          break;
        }
        case 'wait': {
          cli ??= await detectCompose();
          const health = await waitForHealth(cli, step.location, step.timeoutSeconds, (s) => rt.log(`${plan.target}: ${step.location.stack}: ${s}`), step.services);
          if (health.state !== 'healthy') throw new ScriptError(`${step.location.stack} not healthy after the restore: ${health.summary}`);
          break;
        }
      }
    }
  } finally {
    fs.rmSync(plan.prepareDir, { recursive: true, force: true });
    for (const step of plan.steps) if (step.kind === 'swap-db') fs.rmSync(step.candidate, { force: true });
    if (stopped) for (const restart of plan.restart) await execute(restart.command);
  }
  rt.log(`${plan.target}: restored in ${formatDuration(Date.now() - started)}`);
  return prepared;
}

/** A stamp for the `.replaced-<stamp>` names of a restore. */
export function restoreStamp(rt: Runtime): string {
  return fileStamp(rt.now());
}
