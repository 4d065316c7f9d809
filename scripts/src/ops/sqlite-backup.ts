import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import zlib from 'node:zlib';
import Database from 'better-sqlite3';
import { ScriptError } from '../../lib/cli';

/** Tables and columns a Shagram database must have (app/migrations/001_initial.sql). */
export const SHAGRAM_SCHEMA: Readonly<Record<string, readonly string[]>> = {
  users: ['id', 'username', 'username_key', 'password_hash', 'created_at'],
  rooms: ['name', 'created_at'],
  messages: ['id', 'room_id', 'user', 'text', 'created_at'],
};

/** What a verified database holds. */
export interface DatabaseFacts {
  userVersion: number;
  users: number;
  rooms: number;
  messages: number;
}

/**
 * Checks that `file` is an intact Shagram database: `PRAGMA integrity_check` answers ok, every table and column
 * of {@link SHAGRAM_SCHEMA} exists and `user_version` (the migration number) is at least 1. Opens the file
 * read-write (it must be a private copy: a WAL-mode copy gets its WAL folded in and removed on close).
 * @throws ScriptError naming the first problem.
 */
export function verifyShagramDatabase(file: string): DatabaseFacts {
  let db: Database.Database | undefined;
  try {
    db = new Database(file, { fileMustExist: true });
    const problems = (db.pragma('integrity_check') as { integrity_check: string }[]).map((row) => row.integrity_check);
    if (problems[0] !== 'ok') throw new ScriptError(`PRAGMA integrity_check failed: ${problems.slice(0, 3).join('; ')}`);
    for (const [table, columns] of Object.entries(SHAGRAM_SCHEMA)) {
      const present = (db.pragma(`table_info(${table})`) as { name: string }[]).map((row) => row.name);
      if (present.length === 0) throw new ScriptError(`not a Shagram database: table "${table}" is missing`);
      const missing = columns.filter((column) => !present.includes(column));
      if (missing.length > 0) throw new ScriptError(`not a Shagram database: ${table} lacks ${missing.join(', ')}`);
    }
    const userVersion = db.pragma('user_version', { simple: true }) as number;
    if (userVersion < 1) throw new ScriptError('not a Shagram database: no migration applied (user_version 0)');
    const count = (table: string) => (db!.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;
    return { userVersion, users: count('users'), rooms: count('rooms'), messages: count('messages') };
  } catch (error) {
    if (error instanceof ScriptError) throw error;
    throw new ScriptError(`not a usable SQLite database: ${(error as Error).message}`);
  } finally {
    db?.close();
  }
}

/**
 * Online snapshot of a live SQLite database into `copy` (a new file):
 *  1. better-sqlite3's backup API copies every page in ONE step (the progress callback asks for all pages), so
 *     the copy is one read transaction: a consistent snapshot that holds every transaction committed before the
 *     step began. In WAL mode the writer keeps writing meanwhile (readers do not block writers).
 *  2. The copy is switched to journal_mode=DELETE (a self-contained single file) and must pass integrity_check.
 * The source is opened read-only. Returns the facts of the copy; on failure the copy is removed.
 */
export async function snapshotDatabase(source: string, copy: string): Promise<DatabaseFacts> {
  if (!fs.existsSync(source)) throw new ScriptError(`database ${source} does not exist`);
  try {
    const db = new Database(source, { readonly: true, fileMustExist: true });
    try {
      db.pragma('busy_timeout = 10000');
      await db.backup(copy, { progress: () => 0x7fffffff });
    } finally {
      db.close();
    }
    const standalone = new Database(copy);
    standalone.pragma('journal_mode = DELETE');
    standalone.close();
    return verifyShagramDatabase(copy);
  } catch (error) {
    fs.rmSync(copy, { force: true });
    throw error;
  } finally {
    for (const suffix of ['-journal', '-wal', '-shm']) fs.rmSync(copy + suffix, { force: true });
  }
}

/**
 * Online backup of a live SQLite database into a gzip file: {@link snapshotDatabase}, then the copy is gzipped to
 * `<destination>.partial`, fsynced and renamed to `destination` (never a half-written backup). Returns the facts
 * of the copy and its compressed size.
 */
export async function backupToGzip(source: string, destination: string): Promise<DatabaseFacts & { bytes: number }> {
  if (!fs.existsSync(source)) throw new ScriptError(`database ${source} does not exist`);
  const copy = `${destination}.${crypto.randomBytes(4).toString('hex')}.db`;
  const partial = `${destination}.partial`;
  try {
    const facts = await snapshotDatabase(source, copy);
    await pipeline(fs.createReadStream(copy), zlib.createGzip({ level: 6 }), fs.createWriteStream(partial, { mode: 0o600 }));
    const fd = fs.openSync(partial, 'r');
    fs.fsyncSync(fd);
    fs.closeSync(fd);
    fs.renameSync(partial, destination);
    return { ...facts, bytes: fs.statSync(destination).size };
  } finally {
    for (const file of [copy, `${copy}-journal`, `${copy}-wal`, `${copy}-shm`, partial]) fs.rmSync(file, { force: true });
  }
}

/**
 * Decompresses a gzip backup into a private file in `workDir` and verifies it ({@link verifyShagramDatabase}).
 * Returns the verified file (the caller swaps it in or removes it). A damaged or foreign backup throws a
 * ScriptError and leaves nothing behind.
 */
export async function prepareRestore(backup: string, workDir: string): Promise<{ candidate: string; facts: DatabaseFacts }> {
  if (!fs.existsSync(backup)) throw new ScriptError(`backup ${backup} does not exist`);
  const candidate = path.join(workDir, `.shagram-restore-${crypto.randomBytes(4).toString('hex')}.db`);
  const cleanup = () => {
    for (const suffix of ['', '-journal', '-wal', '-shm']) fs.rmSync(candidate + suffix, { force: true });
  };
  try {
    await pipeline(fs.createReadStream(backup), zlib.createGunzip(), fs.createWriteStream(candidate, { mode: 0o600 }));
  } catch (error) {
    cleanup();
    throw new ScriptError(`backup ${backup} is not a readable gzip file (${(error as Error).message})`);
  }
  try {
    const facts = verifyShagramDatabase(candidate);
    for (const suffix of ['-journal', '-wal', '-shm']) fs.rmSync(candidate + suffix, { force: true });
    return { candidate, facts };
  } catch (error) {
    cleanup();
    throw new ScriptError(`backup ${backup} is damaged: ${(error as Error).message}`);
  }
}

/**
 * Swaps a verified database file in: the current `target` (and its -wal/-shm, which belong to it and must never
 * be replayed onto the restored file) are renamed to `<target>.replaced-<stamp>`, then `candidate` is renamed to
 * `target` with the replaced file's owner and mode. Both must be in the same folder (rename is atomic there).
 * The app must be stopped. Returns the path the replaced file was kept as (undefined when there was none).
 */
export function swapInDatabase(target: string, candidate: string, stamp: string): string | undefined {
  if (path.dirname(path.resolve(target)) !== path.dirname(path.resolve(candidate))) {
    throw new ScriptError(`restore candidate ${candidate} is not in the folder of ${target}`);
  }
  const before = fs.existsSync(target) ? fs.statSync(target) : undefined;
  const keptAs = before ? `${target}.replaced-${stamp}` : undefined;
  if (keptAs) {
    if (fs.existsSync(keptAs)) throw new ScriptError(`${keptAs} already exists; refusing to overwrite it`);
    fs.renameSync(target, keptAs);
  }
  for (const suffix of ['-wal', '-shm', '-journal']) {
    if (!fs.existsSync(target + suffix)) continue;
    if (keptAs) fs.renameSync(target + suffix, keptAs + suffix);
    else fs.rmSync(target + suffix);
  }
  fs.renameSync(candidate, target);
  if (before) {
    fs.chmodSync(target, before.mode & 0o777);
    try {
      fs.chownSync(target, before.uid, before.gid);
    } catch {
      // Not root: the file already belongs to the user running the restore, who also owned the folder.
    }
  }
  return keptAs;
}
