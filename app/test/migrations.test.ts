import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { readMigrations } from '../src/db/migration-files';
import { migrate } from '../src/db/sqlite-migrations';
import { openDatabase } from '../src/db/sqlite-database';
import { tempDir } from './helpers/server';

const MIGRATIONS = path.resolve(__dirname, '..', 'migrations');

describe('migrations', () => {
  test('the real migrations apply once, in WAL mode, and leave the seed rooms and the history index', () => {
    const file = path.join(tempDir(), 'shagram.db');
    const db = openDatabase(file, MIGRATIONS);
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.pragma('user_version', { simple: true })).toBe(readMigrations(MIGRATIONS).length);
    expect(db.prepare('SELECT name FROM rooms ORDER BY name').pluck().all()).toEqual(['chat', 'dev', 'general']);
    const plan = db.prepare("EXPLAIN QUERY PLAN SELECT * FROM messages WHERE room_id = 'general' AND id < 10 ORDER BY id DESC LIMIT 50").all() as Array<{ detail: string }>;
    expect(plan.map((row) => row.detail).join(' ')).toContain('messages_room_id_id');
    expect(migrate(db, readMigrations(MIGRATIONS))).toEqual([]); // second start changes nothing
    db.close();
  });

  test('a failing migration leaves the database exactly as it was', () => {
    const dir = tempDir();
    fs.writeFileSync(path.join(dir, '001_ok.sql'), 'CREATE TABLE a(x);');
    fs.writeFileSync(path.join(dir, '002_broken.sql'), 'CREATE TABLE b(y); THIS IS NOT SQL;');
    const db = new Database(':memory:');
    expect(() => migrate(db, readMigrations(dir))).toThrow();
    expect(db.pragma('user_version', { simple: true })).toBe(0);
    expect(db.prepare("SELECT count(*) FROM sqlite_master WHERE type = 'table'").pluck().get()).toBe(0);
  });

  test('a gap or a badly named file is refused before anything runs', () => {
    const gap = tempDir();
    fs.writeFileSync(path.join(gap, '001_a.sql'), 'SELECT 1;');
    fs.writeFileSync(path.join(gap, '003_c.sql'), 'SELECT 1;');
    expect(() => readMigrations(gap)).toThrow(/out of sequence/);
    const named = tempDir();
    fs.writeFileSync(path.join(named, 'first.sql'), 'SELECT 1;');
    expect(() => readMigrations(named)).toThrow(/must look like 001_name.sql/);
  });
});
