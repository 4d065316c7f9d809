import type Database from 'better-sqlite3';
import type { Migration } from './migration-files';

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
