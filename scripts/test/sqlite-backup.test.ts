import { spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import Database from 'better-sqlite3';
import { openDatabase } from '../../app/src/db/sqlite-database';
import { backupToGzip, prepareRestore, swapInDatabase, verifyShagramDatabase } from '../src/ops/sqlite-backup';

const MIGRATIONS = path.join(__dirname, '../../app/migrations');
const WRITER = path.join(__dirname, 'fixtures/sqlite-writer.cjs');

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'shagram-backup-test-'));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

/** A Shagram database made by the app's own migrations, with `rows` messages of ~300 bytes. */
function makeDatabase(file: string, rows: number): void {
  const db = openDatabase(file, MIGRATIONS);
  const insert = db.prepare("INSERT INTO messages(room_id, user, text, created_at) VALUES ('general', 'seed', ?, '2026-11-25T00:00:00.000Z')");
  db.transaction(() => {
    for (let i = 0; i < rows; i++) insert.run(`seed ${i} ${'x'.repeat(300)}`);
  })();
  db.close();
}

function sha(file: string): string {
  return crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex');
}

describe('backup during concurrent writes', () => {
  test('restores to an intact database holding every message acknowledged before the backup began', async () => {
    const live = path.join(dir, 'shagram.db');
    makeDatabase(live, 40_000); // ~13 MB: the copy takes long enough for the writer to commit meanwhile
    const writer = spawn(process.execPath, [WRITER, live], { stdio: ['ignore', 'pipe', 'pipe'] });
    const acked: number[] = [];
    let stderr = '';
    let buffered = '';
    writer.stdout.on('data', (chunk: Buffer) => {
      buffered += chunk.toString();
      const lines = buffered.split('\n');
      buffered = lines.pop() ?? '';
      for (const line of lines) acked.push(Number(line));
    });
    writer.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => writer.on('exit', resolve));
    try {
      // Bounded polling until the writer is well under way.
      const deadline = Date.now() + 20_000;
      while (acked.length < 300) {
        if (Date.now() > deadline) throw new Error(`writer did not get going: ${stderr}`);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      const ackedBeforeBackup = acked.length;
      const lastAckedBefore = acked[ackedBeforeBackup - 1] as number;
      const backup = path.join(dir, 'shagram-test.db.gz');
      const facts = await backupToGzip(live, backup);
      const ackedDuringBackup = acked.length - ackedBeforeBackup;
      // The writer really was writing while the backup ran.
      expect(ackedDuringBackup).toBeGreaterThan(0);
      expect(facts.messages).toBeGreaterThanOrEqual(40_000 + ackedBeforeBackup);

      const target = path.join(dir, 'restore-target', 'shagram.db');
      fs.mkdirSync(path.dirname(target));
      const { candidate, facts: restoredFacts } = await prepareRestore(backup, path.dirname(target));
      swapInDatabase(target, candidate, 'test');
      expect(restoredFacts.messages).toBe(facts.messages);

      const restored = new Database(target, { readonly: true });
      expect(restored.pragma('integrity_check', { simple: true })).toBe('ok');
      // Ids are AUTOINCREMENT from one writer: every id up to the last acknowledged one must be there, with its text.
      const upTo = restored.prepare('SELECT count(*) AS n FROM messages WHERE id <= ?').get(lastAckedBefore) as { n: number };
      expect(upTo.n).toBe(lastAckedBefore);
      const writerRows = restored.prepare("SELECT id, text FROM messages WHERE user = 'writer' AND id <= ? ORDER BY id").all(lastAckedBefore) as {
        id: number;
        text: string;
      }[];
      expect(writerRows.map((row) => row.id)).toEqual(acked.slice(0, ackedBeforeBackup));
      expect(writerRows.map((row) => row.text)).toEqual(writerRows.map((_, i) => `writer message ${i + 1}`));
      restored.close();
    } finally {
      writer.kill('SIGTERM');
      expect(await exited).toBe(0);
    }
  }, 60_000);
});

describe('restore verification', () => {
  let live: string;
  let liveHash: string;
  beforeEach(() => {
    live = path.join(dir, 'shagram.db');
    makeDatabase(live, 50);
    liveHash = sha(live);
  });

  /** Nothing was swapped: the live file is byte-identical and its folder holds no restore leftovers. */
  function expectUntouched(): void {
    expect(sha(live)).toBe(liveHash);
    expect(fs.readdirSync(dir).filter((name) => name.startsWith('.shagram-restore') || name.includes('.replaced-'))).toEqual([]);
  }

  test('a gzip of garbage is refused as not a database', async () => {
    const bad = path.join(dir, 'garbage.db.gz');
    fs.writeFileSync(bad, zlib.gzipSync(Buffer.alloc(8192, 7)));
    await expect(prepareRestore(bad, dir)).rejects.toThrow(/garbage\.db\.gz is damaged: not a usable SQLite database: file is not a database/);
    expectUntouched();
  });

  test('a file that is not gzip is refused', async () => {
    const bad = path.join(dir, 'plain.db.gz');
    fs.copyFileSync(live, bad);
    await expect(prepareRestore(bad, dir)).rejects.toThrow(/plain\.db\.gz is not a readable gzip file/);
    expectUntouched();
  });

  test('a truncated backup is refused', async () => {
    const good = path.join(dir, 'good.db.gz');
    await backupToGzip(live, good);
    const cut = path.join(dir, 'cut.db.gz');
    fs.writeFileSync(cut, fs.readFileSync(good).subarray(0, 300));
    await expect(prepareRestore(cut, dir)).rejects.toThrow(/cut\.db\.gz is not a readable gzip file \(unexpected end of file\)/);
    expectUntouched();
  });

  test('a backup with a damaged page fails PRAGMA integrity_check and is refused', async () => {
    const good = path.join(dir, 'good.db.gz');
    await backupToGzip(live, good);
    const raw = zlib.gunzipSync(fs.readFileSync(good));
    const pageSize = raw.readUInt16BE(16);
    // Scribble over the index page area of the file (keeps the header, breaks the b-trees).
    for (let offset = pageSize * 2 + 8; offset < raw.length - pageSize; offset += pageSize) raw.fill(0xab, offset, offset + 64);
    const damaged = path.join(dir, 'damaged.db.gz');
    fs.writeFileSync(damaged, zlib.gzipSync(raw));
    await expect(prepareRestore(damaged, dir)).rejects.toThrow(/damaged\.db\.gz is damaged: (PRAGMA integrity_check failed|not a usable SQLite database: database disk image is malformed)/);
    expectUntouched();
  });

  test('an intact SQLite database that is not Shagram is refused', async () => {
    const other = path.join(dir, 'other.db');
    const db = new Database(other);
    db.exec('CREATE TABLE notes(id INTEGER PRIMARY KEY, body TEXT)');
    db.close();
    const gz = path.join(dir, 'other.db.gz');
    fs.writeFileSync(gz, zlib.gzipSync(fs.readFileSync(other)));
    await expect(prepareRestore(gz, dir)).rejects.toThrow(/not a Shagram database: table "users" is missing/);
    expect(() => verifyShagramDatabase(other)).toThrow(/table "users" is missing/);
  });

  test('a good backup swaps in and keeps the replaced database with its WAL', async () => {
    const backup = path.join(dir, 'good.db.gz');
    await backupToGzip(live, backup);
    const db = openDatabase(live, MIGRATIONS);
    db.prepare("INSERT INTO messages(room_id, user, text, created_at) VALUES ('general', 'late', 'after the backup', 'x')").run();
    db.pragma('wal_checkpoint(PASSIVE)');
    const { candidate } = await prepareRestore(backup, dir);
    db.close();
    fs.writeFileSync(`${live}-wal`, 'stale wal of the old database');
    const kept = swapInDatabase(live, candidate, '20261125T000000Z');
    expect(kept).toBe(`${live}.replaced-20261125T000000Z`);
    expect(fs.readFileSync(`${kept}-wal`, 'utf8')).toBe('stale wal of the old database');
    expect(fs.existsSync(`${live}-wal`)).toBe(false);
    const restored = new Database(live, { readonly: true });
    expect((restored.prepare("SELECT count(*) AS n FROM messages WHERE user = 'late'").get() as { n: number }).n).toBe(0);
    expect((restored.prepare('SELECT count(*) AS n FROM messages').get() as { n: number }).n).toBe(50);
    restored.close();
    const old = new Database(kept as string, { readonly: true });
    expect((old.prepare("SELECT count(*) AS n FROM messages WHERE user = 'late'").get() as { n: number }).n).toBe(1);
    old.close();
    expect(() => swapInDatabase(live, path.join(dir, 'elsewhere', 'x.db'), 'y')).toThrow(/not in the folder of/);
  });
});
