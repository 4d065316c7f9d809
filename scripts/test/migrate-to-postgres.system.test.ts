// scripts/migrate-to-postgres end to end: a SQLite file made by the real migrations, the real script as a
// child process, a throwaway PostgreSQL cluster (test/system-helpers/postgres.ts).
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { openDatabase } from '../../app/src/db/sqlite-database';
import { openPostgresStore } from '../../app/src/db/postgres-store';
import { startPostgres, type TestPostgres } from '../../test/system-helpers/postgres';

const ROOT = path.resolve(__dirname, '..', '..');
const SCRIPT = path.join(ROOT, 'scripts', 'migrate-to-postgres');
const SQLITE_MIGRATIONS = path.join(ROOT, 'app', 'migrations');
const PG_MIGRATIONS = path.join(ROOT, 'app', 'migrations', 'postgres');

let cluster: TestPostgres;
let dir: string;
let source: string;

/** Runs the real script (stdin closed); never rejects: the exit code is asserted. */
function script(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = execFile(SCRIPT, args, { timeout: 120_000, env: { ...process.env, DATABASE_URL: '', ...env } }, (error, stdout, stderr) =>
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr }),
    );
    child.stdin?.end();
  });
}

async function rows<R extends pg.QueryResultRow>(url: string, text: string): Promise<R[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<R>(text)).rows;
  } finally {
    await client.end();
  }
}

beforeAll(async () => {
  cluster = await startPostgres();
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'shagram-migrate-'));
  source = path.join(dir, 'shagram.db');
  const db = openDatabase(source, SQLITE_MIGRATIONS);
  const user = db.prepare('INSERT INTO users(username, username_key, password_hash, created_at) VALUES (?, ?, ?, ?)');
  user.run('Alice', 'alice', 'scrypt$aa', '2024-01-01T00:00:00.000Z');
  user.run('Эмиль', 'эмиль', 'scrypt$bb', '2024-01-01T00:00:01.000Z');
  user.run('bob', 'bob', 'scrypt$cc', '2024-01-01T00:00:02.000Z');
  // an account that logged out everywhere twice, a deleted one (its tombstone), and their revocations
  db.prepare("UPDATE users SET token_epoch = 2 WHERE username = 'Alice'").run();
  db.prepare("UPDATE users SET password_hash = 'deleted', deleted_at = '2024-01-03T00:00:00.000Z', token_epoch = 1 WHERE username = 'bob'").run();
  const revoke = db.prepare('INSERT INTO token_revocations(username, jti, min_epoch, expires_at, created_at) VALUES (?, ?, ?, ?, ?)');
  revoke.run('Alice', 'jti-a', null, 4_000_000_000, '2024-01-03T00:00:00.000Z');
  revoke.run('Alice', null, 2, 4_000_000_001, '2024-01-03T00:00:01.000Z');
  revoke.run('bob', null, 1, 4_000_000_002, '2024-01-03T00:00:02.000Z');
  db.prepare('INSERT INTO rooms(name, created_at, created_by) VALUES (?, ?, ?)').run('alices', '2024-01-02T00:00:02.000Z', 'Alice');
  db.prepare('INSERT INTO rooms(name, created_at) VALUES (?, ?)').run('ops-team', '2024-01-02T00:00:00.000Z');
  db.prepare('INSERT INTO rooms(name, created_at) VALUES (?, ?)').run('empty_room', '2024-01-02T00:00:01.000Z');
  const message = db.prepare('INSERT INTO messages(room_id, user, text, created_at) VALUES (?, ?, ?, ?)');
  const rooms = ['general', 'chat', 'dev', 'ops-team'];
  db.transaction(() => {
    for (let i = 1; i <= 2503; i++) {
      const text = i % 7 === 0 ? `quotes " and braces {a,b} and backslash \\ and NULL and ✓ #${i}` : `message ${i}`;
      message.run(rooms[i % rooms.length], i % 2 ? 'Alice' : 'Эмиль', text, new Date(Date.UTC(2024, 1, 1, 0, 0, i)).toISOString());
    }
  })();
  // Deleted rows: SQLite's AUTOINCREMENT never hands 2502..2503 out again; PostgreSQL must not either.
  db.prepare('DELETE FROM messages WHERE id > 2501').run();
  db.prepare('DELETE FROM messages WHERE id = 17').run();
  const mark = db.prepare('INSERT INTO read_markers(username, room_id, last_read_id, updated_at) VALUES (?, ?, ?, ?)');
  mark.run('Alice', 'general', 100, '2024-02-02T00:00:00.000Z');
  mark.run('Alice', 'dev', 7, '2024-02-02T00:00:01.000Z');
  mark.run('Эмиль', 'general', 2500, '2024-02-02T00:00:02.000Z');
  db.close();
}, 120_000);

afterAll(async () => {
  await cluster?.stop();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

describe('scripts/migrate-to-postgres', () => {
  test('copies every user, room and message with its id, moves the sequence on, and prints progress and a summary', async () => {
    const url = await cluster.createDatabase('copy_target');
    const result = await script(['--from', source, '--to', url, '--batch-size', '250', '--progress-every', '1000']);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const lines = result.stdout.trim().split('\n');
    expect(lines.filter((line) => /: (users|rooms|messages): \d+\//.test(line))).toEqual([
      'migrate-to-postgres: users: 3/3 (100%)',
      'migrate-to-postgres: rooms: 6/6 (100%)',
      'migrate-to-postgres: messages: 1000/2500 (40%)',
      'migrate-to-postgres: messages: 2000/2500 (80%)',
      'migrate-to-postgres: messages: 2500/2500 (100%)',
    ]);
    expect(result.stdout).not.toContain('shagram-test');
    expect(lines[lines.length - 1]).toMatch(/^migrate-to-postgres: ok in [\d.]+ s: copied 3 users, 6 rooms, 2500 messages into postgres:\/\/shagram@127\.0\.0\.1:\d+\/copy_target; counts and highest ids match; the next message id will be above 2503$/);

    const sqlite = openDatabase(source, SQLITE_MIGRATIONS);
    try {
      for (const [table, order] of [['users', 'id'], ['rooms', 'name'], ['messages', 'id']] as const) {
        const expected = sqlite.prepare(`SELECT * FROM ${table} ORDER BY ${order}`).all();
        const got = await rows(url, `SELECT * FROM ${table} ORDER BY ${order}`);
        const normalised = got.map((row) => ('id' in row ? { ...row, id: Number(row.id) } : row));
        expect(normalised).toEqual(expected);
      }
      const revocations = sqlite.prepare('SELECT username, jti, min_epoch, expires_at FROM token_revocations ORDER BY id').all();
      const copied = await rows(url, 'SELECT username, jti, min_epoch, expires_at FROM token_revocations ORDER BY id');
      expect(copied.map((row) => ({ ...row, expires_at: Number(row.expires_at) }))).toEqual(revocations);
      expect(revocations).toHaveLength(3);
      const markers = sqlite.prepare('SELECT username, room_id, last_read_id FROM read_markers ORDER BY username, room_id').all();
      const copiedMarkers = await rows(url, 'SELECT username, room_id, last_read_id FROM read_markers ORDER BY username COLLATE "C", room_id');
      expect(copiedMarkers.map((row) => ({ ...row, last_read_id: Number(row.last_read_id) }))).toEqual(markers);
      expect(markers).toHaveLength(3);
    } finally {
      sqlite.close();
    }

    // The app's engine on the copy: history as before, and new ids continue past every id SQLite gave out.
    const store = await openPostgresStore(url, PG_MIGRATIONS);
    try {
      expect((await store.history('general', 2)).map((row) => row.id)).toEqual([2500, 2496]);
      expect(await store.findUser('эмиль')).toEqual({ username: 'Эмиль', password_hash: 'scrypt$bb' });
      const [next] = await store.insertMessages([{ room: 'ops-team', user: 'bob', text: 'after the move', createdAt: '2024-03-01T00:00:00.000Z' }]);
      expect(next).toBeGreaterThan(2503);
      expect(await store.createUser('Carol', 'carol', 'scrypt$dd')).toBe(true);
      expect(await rows(url, "SELECT id::int FROM users WHERE username_key = 'carol'")).toEqual([{ id: 4 }]);
    } finally {
      await store.close();
    }

    // A second run (target through DATABASE_URL this time) refuses and changes nothing.
    const again = await script(['--from', source], { DATABASE_URL: url });
    expect(again.code).toBe(1);
    expect(again.stderr.trim().split('\n')).toEqual([
      expect.stringMatching(/^migrate-to-postgres: postgres:\/\/shagram@127\.0\.0\.1:\d+\/copy_target: the target already holds 4 user\(s\) and 2501 message\(s\); refusing to copy into a database in use/),
    ]);
    expect(await rows(url, 'SELECT count(*)::int AS n FROM messages')).toEqual([{ n: 2501 }]);
  }, 120_000);

  test('a missing --from file fails with one readable line and touches nothing', async () => {
    const url = await cluster.createDatabase('untouched');
    const missing = path.join(dir, 'nope.db');
    const result = await script(['--from', missing, '--to', url]);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toBe(`migrate-to-postgres: --from ${missing}: no such file\n`);
    expect(await rows(url, "SELECT to_regclass('messages') AS t")).toEqual([{ t: null }]);
  }, 60_000);

  test('an unreachable PostgreSQL fails with one readable line, without the password', async () => {
    const url = cluster.url.replace(`:${cluster.port}/`, ':1/');
    const result = await script(['--from', source, '--to', url]);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe('migrate-to-postgres: cannot reach PostgreSQL at postgres://shagram@127.0.0.1:1/shagram: ECONNREFUSED\n');
  }, 60_000);
});
