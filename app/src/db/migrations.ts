import fs from 'node:fs';
import path from 'node:path';
import type Database from 'better-sqlite3';

/** One numbered SQL file from the migrations folder. */
export interface Migration {
  version: number;
  name: string;
  sql: string;
}

/**
 * Lists `NNN_name.sql` files in version order. Rejects gaps and duplicate numbers so that a
 * mis-numbered file is caught at start, not half-applied.
 */
export function readMigrations(dir: string): Migration[] {
  const files = fs.readdirSync(dir).filter((file) => file.endsWith('.sql')).sort();
  const migrations = files.map((file) => {
    const match = /^(\d+)_([\w-]+)\.sql$/.exec(file);
    if (!match) throw new Error(`migration file name "${file}" must look like 001_name.sql`);
    return { version: Number(match[1]), name: file, sql: fs.readFileSync(path.join(dir, file), 'utf8') };
  });
  migrations.forEach((migration, index) => {
    if (migration.version !== index + 1) throw new Error(`migration ${migration.name} is out of sequence: expected number ${index + 1}`);
  });
  return migrations;
}

/**
 * Applies every migration newer than `PRAGMA user_version`, all in one transaction:
 * either the schema reaches the newest version or nothing changes.
 * @returns the versions applied.
 */
export function migrate(db: Database.Database, migrations: Migration[]): number[] {
  const current = db.pragma('user_version', { simple: true }) as number;
  const pending = migrations.filter((migration) => migration.version > current);
  if (pending.length === 0) return [];
  db.transaction(() => {
    for (const migration of pending) db.exec(migration.sql);
    db.pragma(`user_version = ${pending[pending.length - 1]!.version}`);
  })();
  return pending.map((migration) => migration.version);
}
