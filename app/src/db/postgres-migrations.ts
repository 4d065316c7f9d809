import type { ClientBase } from 'pg';
import type { Migration } from './migration-files';

/**
 * The advisory lock that serialises migrations. The two-key form lives in a key space of its own, apart
 * from the one-key (bigint) locks the message writer takes per room, so the two can never collide.
 */
const LOCK_CLASS = 'shagram';
const LOCK_MIGRATIONS = 1;

/**
 * Applies every migration newer than the highest version recorded in `schema_migrations`, all in ONE
 * transaction: either the schema reaches the newest version or nothing changes. The transaction first takes
 * `pg_advisory_xact_lock`, so replicas that start at the same moment run this one after the other; the
 * second finds nothing pending. The lock is released by COMMIT or ROLLBACK.
 * `client` must be connected and not inside a transaction. @returns the versions applied.
 */
export async function migratePostgres(client: ClientBase, migrations: readonly Migration[]): Promise<number[]> {
  await client.query('BEGIN');
  try {
    await client.query({ name: 'shagram_migrate_lock', text: 'SELECT pg_advisory_xact_lock(hashtext($1), $2)', values: [LOCK_CLASS, LOCK_MIGRATIONS] });
    await client.query(
      `CREATE TABLE IF NOT EXISTS schema_migrations (
         version    integer PRIMARY KEY,
         name       text NOT NULL,
         applied_at timestamptz NOT NULL DEFAULT now()
       )`,
    );
    const current = await client.query<{ version: number }>({
      name: 'shagram_migrate_current',
      text: 'SELECT coalesce(max(version), 0)::integer AS version FROM schema_migrations',
    });
    const version = current.rows[0]?.version ?? 0;
    const pending = migrations.filter((migration) => migration.version > version);
    for (const migration of pending) {
      // No parameters: the simple protocol, which accepts a file of several statements.
      await client.query(migration.sql);
      await client.query({
        name: 'shagram_migrate_record',
        text: 'INSERT INTO schema_migrations(version, name) VALUES ($1, $2)',
        values: [migration.version, migration.name],
      });
    }
    await client.query('COMMIT');
    return pending.map((migration) => migration.version);
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  }
}

