/**
 * Off-host backups against a real S3-compatible server on loopback (s3rver, started here): real SQLite chat
 * databases made by the app's migrations, real GNU tar, real AES-256-GCM. The clock is injected, so retention over
 * weeks of nightly runs needs no waiting.
 */
import { execFile } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import Database from 'better-sqlite3';
import { openDatabase } from '../../app/src/db/sqlite-database';
import { METRIC_NAME, objectKey, type OffsiteSettings, type TargetSources } from '../src/offsite-plan';
import { executeRestore, resolveRestorePlan, runOffsiteBackup, storedBackups, type Runtime } from '../src/ops/offsite';
import { openBucket, uploadFile, type Bucket } from '../src/ops/s3-store';
import { offsiteSettings, startOffsiteBucket, type OffsiteBucket } from './offsite-bucket';

const MIGRATIONS = path.join(__dirname, '../../app/migrations');
const REPO = path.join(__dirname, '../..');
const BUCKET = 'shagram-backups';

let tmp: string;
let server: OffsiteBucket;
let settings: OffsiteSettings;
let bucket: Bucket;

beforeAll(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'shagram-offsite-'));
  server = await startOffsiteBucket(tmp, BUCKET);
});
afterAll(async () => {
  await server.close();
  fs.rmSync(tmp, { recursive: true, force: true });
});

let dir: string;
let prefixNo = 0;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(tmp, 'case-'));
  // Each test has its own prefix in the one bucket, so retention in one never sees another's objects.
  settings = offsiteSettings(server, dir, { prefix: `test${++prefixNo}/shagram` });
  bucket = openBucket(settings);
});

/** A clock that answers `times` in turn (then the last one again) and a log kept in memory. */
function runtime(...times: string[]): Runtime & { lines: string[] } {
  const lines: string[] = [];
  let i = 0;
  return {
    now: () => new Date(times[Math.min(i++, times.length - 1)] as string),
    log: (line) => lines.push(line),
    lines,
  };
}

function fixedClock(time: string): Runtime & { lines: string[] } {
  const lines: string[] = [];
  return { now: () => new Date(time), log: (line) => lines.push(line), lines };
}

/** A Shagram database made by the app's own migrations, with users, a room and the given messages. */
function makeChat(file: string, messages: readonly string[]): void {
  const db = openDatabase(file, MIGRATIONS);
  db.prepare("INSERT INTO users(username, username_key, password_hash, created_at) VALUES ('alice', 'alice', 'x', '2026-12-01T00:00:00.000Z')").run();
  const insert = db.prepare("INSERT INTO messages(room_id, user, text, created_at) VALUES ('general', 'alice', ?, '2026-12-01T00:00:00.000Z')");
  db.transaction(() => {
    for (const text of messages) insert.run(text);
  })();
  db.close();
}

function texts(file: string): string[] {
  const db = new Database(file, { readonly: true });
  try {
    return (db.prepare('SELECT text FROM messages ORDER BY id').all() as { text: string }[]).map((r) => r.text);
  } finally {
    db.close();
  }
}

function sha(file: string): string {
  return crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex');
}

async function objectBytes(key: string): Promise<{ body: Buffer; metadata: Record<string, string> }> {
  const got = await bucket.client.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }));
  return { body: Buffer.from(await (got.Body as { transformToByteArray(): Promise<Uint8Array> }).transformToByteArray()), metadata: got.Metadata ?? {} };
}

/** Replaces an object's bytes, keeping (or recomputing) its sha256 metadata, as bit rot or tampering would. */
async function replaceObject(key: string, body: Buffer, sha256: string): Promise<void> {
  const { metadata } = await objectBytes(key);
  await bucket.client.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: body, Metadata: { ...metadata, sha256 } }));
}

/** Flips the lowest bit of one byte. */
function flip(bytes: Buffer, at: number): void {
  bytes.writeUInt8(bytes.readUInt8(at) ^ 0x01, at);
}

/** Files under a folder (relative path → content or symlink target), sorted; folders omitted. */
function tree(root: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (rel: string) => {
    for (const entry of fs.readdirSync(path.join(root, rel), { withFileTypes: true })) {
      const r = path.join(rel, entry.name);
      if (entry.isSymbolicLink()) out[r] = `-> ${fs.readlinkSync(path.join(root, r))}`;
      else if (entry.isDirectory()) walk(r);
      else out[r] = fs.readFileSync(path.join(root, r), 'utf8');
    }
  };
  walk('');
  return out;
}

const leftovers = (folder: string) => fs.readdirSync(folder).filter((name) => name.startsWith('.shagram-') || name.includes('.replaced-'));

describe('chat: backup to the bucket and restore', () => {
  test('uploads an encrypted archive with its sha256, writes the metric, and a restore brings the messages back', async () => {
    const live = path.join(dir, 'data', 'shagram.db');
    fs.mkdirSync(path.dirname(live));
    makeChat(live, ['first', 'second', 'third']);
    const sources: TargetSources = { stacksRoot: dir, db: live, harborData: dir };
    const rt = fixedClock('2026-12-05T03:15:00Z');

    const [result] = await runOffsiteBackup(['chat'], sources, path.join(dir, 'work'), settings, rt);
    expect(result?.key).toBe(`${settings.prefix}/chat/20261205T031500Z.tar.gz.enc`);
    const listed = await storedBackups(bucket, settings.prefix);
    expect(listed.map((b) => b.key)).toEqual([result?.key]);
    const { body, metadata } = await objectBytes(result?.key as string);
    expect(metadata).toMatchObject({ sha256: crypto.createHash('sha256').update(body).digest('hex'), format: 'shagram-backup-v1', target: 'chat' });
    expect(body.subarray(0, 8).toString()).toBe('SHGBAKUP');
    expect(body.includes(Buffer.from('second'))).toBe(false); // encrypted, not merely gzipped
    expect(fs.readdirSync(path.join(dir, 'work'))).toEqual([]); // the work folder is cleaned
    expect(fs.readFileSync(settings.metricsFile, 'utf8')).toContain(`${METRIC_NAME}{target="chat"} ${Date.parse('2026-12-05T03:15:00Z') / 1000}\n`);

    // After the backup: one message more, one deleted.
    const db = new Database(live);
    db.prepare("INSERT INTO messages(room_id, user, text, created_at) VALUES ('general', 'alice', 'after the backup', '2026-12-05T04:00:00.000Z')").run();
    db.prepare("DELETE FROM messages WHERE text = 'first'").run();
    db.close();
    expect(texts(live)).toEqual(['second', 'third', 'after the backup']);

    const restoreRt = fixedClock('2026-12-05T09:00:00Z');
    const plan = await resolveRestorePlan('chat', result?.key as string, sources, '20261205T090000Z', 60);
    const prepared = await executeRestore(plan, bucket, settings.key, restoreRt);
    expect(prepared?.facts).toMatchObject({ messages: 3, users: 1 });
    expect(texts(live)).toEqual(['first', 'second', 'third']);
    expect(texts(`${live}.replaced-20261205T090000Z`)).toEqual(['second', 'third', 'after the backup']);
    // The replaced database keeps its own -wal/-shm beside it; nothing else is left.
    expect(fs.readdirSync(path.dirname(live)).filter((n) => !/-(wal|shm)$/.test(n)).sort()).toEqual(['shagram.db', 'shagram.db.replaced-20261205T090000Z']);
  });

  test('a large object goes up in parts (multipart) and comes back intact', async () => {
    const live = path.join(dir, 'shagram.db');
    const many = Array.from({ length: 2000 }, (_, i) => `message ${i} ${crypto.randomBytes(40).toString('hex')}`);
    makeChat(live, many);
    const sources: TargetSources = { stacksRoot: dir, db: live, harborData: dir };
    const rt = { ...fixedClock('2026-12-05T03:15:00Z'), partBytes: 32 * 1024 };
    const [result] = await runOffsiteBackup(['chat'], sources, path.join(dir, 'work'), settings, rt);
    expect(result?.bytes).toBeGreaterThan(3 * 32 * 1024);
    fs.rmSync(live);
    await executeRestore(await resolveRestorePlan('chat', result?.key as string, sources, 'S1', 60), bucket, settings.key, rt);
    expect(texts(live)).toEqual(many);
  });
});

describe('refused objects change nothing', () => {
  let live: string;
  let key: string;
  let before: string;
  let sources: TargetSources;
  beforeEach(async () => {
    live = path.join(dir, 'shagram.db');
    makeChat(live, ['kept as it is']);
    sources = { stacksRoot: dir, db: live, harborData: dir };
    const [result] = await runOffsiteBackup(['chat'], sources, path.join(dir, 'work'), settings, fixedClock('2026-12-05T03:15:00Z'));
    key = result?.key as string;
    // The live database moves on after the backup: a refused restore must leave exactly this.
    const db = new Database(live);
    db.prepare("INSERT INTO messages(room_id, user, text, created_at) VALUES ('general', 'alice', 'newer', '2026-12-05T04:00:00.000Z')").run();
    db.close();
    before = sha(live);
  });

  async function refused(aesKey: Buffer = settings.key): Promise<string> {
    const plan = await resolveRestorePlan('chat', key, sources, '20261205T090000Z', 60);
    const error = await executeRestore(plan, bucket, aesKey, fixedClock('2026-12-05T09:00:00Z')).then(
      () => undefined,
      (e: Error) => e,
    );
    expect(error).toBeInstanceOf(Error);
    expect(sha(live)).toBe(before);
    expect(texts(live)).toEqual(['kept as it is', 'newer']);
    expect(leftovers(dir)).toEqual([]);
    expect((error as Error).message).not.toContain('\n');
    return (error as Error).message;
  }

  test('one flipped byte: the checksum does not match', async () => {
    const { body, metadata } = await objectBytes(key);
    flip(body, Math.floor(body.length / 2));
    await replaceObject(key, body, metadata.sha256 as string);
    expect(await refused()).toMatch(/checksum mismatch.*refused, nothing was changed$/);
  });

  test('one flipped byte with a matching checksum: the authentication tag does not verify', async () => {
    const { body } = await objectBytes(key);
    flip(body, Math.floor(body.length / 2));
    await replaceObject(key, body, crypto.createHash('sha256').update(body).digest('hex'));
    expect(await refused()).toMatch(/authentication failed.*refused, nothing was changed$/);
  });

  test('a truncated object: refused by the checksum, and by the tag when the checksum is forged', async () => {
    const { body, metadata } = await objectBytes(key);
    const cut = body.subarray(0, body.length - 100);
    await replaceObject(key, cut, metadata.sha256 as string);
    expect(await refused()).toMatch(/checksum mismatch/);
    await replaceObject(key, cut, crypto.createHash('sha256').update(cut).digest('hex'));
    expect(await refused()).toMatch(/authentication failed/);
  });

  test('a changed header (the target name) fails authentication; a foreign object is refused', async () => {
    const { body } = await objectBytes(key);
    const relabelled = Buffer.from(body);
    relabelled[9] = 2; // algorithm byte
    await replaceObject(key, relabelled, crypto.createHash('sha256').update(relabelled).digest('hex'));
    expect(await refused()).toMatch(/algorithm 2 is not supported/);
    const foreign = Buffer.from('PK\x03\x04 not a backup at all');
    await replaceObject(key, foreign, crypto.createHash('sha256').update(foreign).digest('hex'));
    expect(await refused()).toMatch(/not a Shagram backup/);
  });

  test('the wrong key: authentication fails', async () => {
    expect(await refused(crypto.randomBytes(32))).toMatch(/authentication failed: .*encryption key/);
  });

  test('the command line (settings from the environment): one line on stderr, exit code 1, the database untouched', async () => {
    const env = {
      ...process.env,
      SHAGRAM_BACKUP_BUCKET: BUCKET,
      SHAGRAM_BACKUP_ENDPOINT: server.endpoint,
      SHAGRAM_BACKUP_ACCESS_KEY_ID: 'S3RVER',
      SHAGRAM_BACKUP_SECRET_ACCESS_KEY: 'S3RVER',
      SHAGRAM_BACKUP_ENCRYPTION_KEY: crypto.randomBytes(32).toString('hex'),
      SHAGRAM_BACKUP_PREFIX: settings.prefix,
    };
    const run = (args: string[]) =>
      new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
        execFile(path.join(REPO, 'scripts/restore-offsite'), args, { env, cwd: dir }, (error, stdout, stderr) => {
          resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr });
        });
      });
    const wrong = await run(['chat', '--db', live]);
    expect(wrong.code).toBe(1);
    expect(wrong.stderr.trim().split('\n').filter((l) => l.startsWith('restore-offsite:'))).toEqual([
      `restore-offsite: ${key}: authentication failed: the object was altered or truncated, or the encryption key is not the one it was made with; refused, nothing was changed`,
    ]);
    expect(sha(live)).toBe(before);
  });
});

describe('jenkins home as a folder', () => {
  test('round trip: files, nested jobs and symlinks come back; caches are left out; the old home is kept', async () => {
    const home = path.join(dir, 'volumes', 'jenkins_home');
    fs.mkdirSync(path.join(home, 'jobs', 'shagram', 'builds', '7'), { recursive: true });
    fs.mkdirSync(path.join(home, 'war', 'WEB-INF'), { recursive: true });
    fs.mkdirSync(path.join(home, 'secrets'), { recursive: true });
    fs.writeFileSync(path.join(home, 'config.xml'), '<hudson/>');
    fs.writeFileSync(path.join(home, 'secrets', 'master.key'), 'k'.repeat(64));
    fs.writeFileSync(path.join(home, 'jobs', 'shagram', 'config.xml'), '<flow-definition/>');
    fs.writeFileSync(path.join(home, 'jobs', 'shagram', 'builds', '7', 'log'), 'Finished: SUCCESS');
    fs.symlinkSync('7', path.join(home, 'jobs', 'shagram', 'builds', 'lastSuccessfulBuild'));
    fs.writeFileSync(path.join(home, 'war', 'WEB-INF', 'web.xml'), 'cache');
    const sources: TargetSources = { stacksRoot: dir, jenkinsHome: home, harborData: dir };
    const [result] = await runOffsiteBackup(['jenkins'], sources, path.join(dir, 'work'), settings, fixedClock('2026-12-05T03:20:00Z'));
    expect(result?.key).toBe(`${settings.prefix}/jenkins/20261205T032000Z.tar.gz.enc`);
    const expected = tree(home);
    delete expected['war/WEB-INF/web.xml'];

    fs.writeFileSync(path.join(home, 'config.xml'), '<hudson>changed</hudson>');
    await executeRestore(await resolveRestorePlan('jenkins', result?.key as string, sources, 'R1', 60), bucket, settings.key, fixedClock('2026-12-05T09:00:00Z'));
    expect(tree(home)).toEqual(expected);
    expect(fs.readFileSync(path.join(home, 'jobs/shagram/builds/lastSuccessfulBuild/log'), 'utf8')).toBe('Finished: SUCCESS');
    expect(fs.readFileSync(path.join(`${home}.replaced-R1`, 'config.xml'), 'utf8')).toBe('<hudson>changed</hudson>');
    expect(fs.readdirSync(path.dirname(home)).sort()).toEqual(['jenkins_home', 'jenkins_home.replaced-R1']);
  });

  test('a chat backup is not restored as Jenkins home', async () => {
    const live = path.join(dir, 'shagram.db');
    makeChat(live, ['x']);
    const home = path.join(dir, 'jenkins_home');
    fs.mkdirSync(home);
    fs.writeFileSync(path.join(home, 'config.xml'), '<hudson/>');
    const sources: TargetSources = { stacksRoot: dir, db: live, jenkinsHome: home, harborData: dir };
    const [chat] = await runOffsiteBackup(['chat'], sources, path.join(dir, 'work'), settings, fixedClock('2026-12-05T03:15:00Z'));
    const plan = await resolveRestorePlan('jenkins', chat?.key as string, sources, 'R1', 60);
    await expect(executeRestore(plan, bucket, settings.key, fixedClock('2026-12-05T09:00:00Z'))).rejects.toThrow('the object holds a chat backup, not jenkins');
    expect(tree(home)).toEqual({ 'config.xml': '<hudson/>' });
  });
});

describe('retention in the bucket', () => {
  test('nightly runs over five weeks keep the newest of the last 7 days and of the last 4 weeks', async () => {
    const live = path.join(dir, 'shagram.db');
    makeChat(live, ['x']);
    // 34 nights of earlier backups, put in place as objects (their content does not matter to retention)…
    const filler = path.join(dir, 'filler');
    fs.writeFileSync(filler, 'old');
    for (let day = 1; day <= 34; day++) {
      const night = new Date(Date.UTC(2026, 10, day, 3, 15)); // 2026-11-01 … 2026-12-04
      await uploadFile(bucket, objectKey(settings.prefix, 'chat', night), filler, { sha256: 'x' });
    }
    // …then tonight's real run (Saturday 2026-12-05), with a clock that says so.
    const rt = runtime('2026-12-05T03:15:00Z');
    const sources: TargetSources = { stacksRoot: dir, db: live, harborData: dir };
    const [result] = await runOffsiteBackup(['chat'], sources, path.join(dir, 'work'), { ...settings, keepDaily: 7, keepWeekly: 4 }, rt);
    const stamps = (await storedBackups(bucket, settings.prefix, 'chat')).map((b) => b.stamp.slice(0, 8));
    // Days: Dec 5, 4, 3, 2, 1, Nov 30, 29. Weeks (ISO, Monday first): W49 → Dec 5, W48 → Nov 29, W47 → Nov 22, W46 → Nov 15.
    expect(stamps).toEqual(['20261205', '20261204', '20261203', '20261202', '20261201', '20261130', '20261129', '20261122', '20261115']);
    expect(result?.removed).toHaveLength(35 - 9);
    expect(rt.lines.filter((l) => l.startsWith('chat: removed'))).toHaveLength(26);
  });
});
