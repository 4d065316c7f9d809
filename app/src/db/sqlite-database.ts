import Database from 'better-sqlite3';
import { readMigrations } from './migration-files';
import { migrate } from './sqlite-migrations';

/**
 * Opens the SQLite database in WAL mode with full fsync on commit (an acknowledged message
 * survives a crash of the process or the machine), then brings the schema up to date.
 */
export function openDatabase(file: string, migrationsDir: string): Database.Database {
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.pragma('foreign_keys = ON');
  db.pragma('busy_timeout = 5000');
  migrate(db, readMigrations(migrationsDir));
  return db;
}
