// scripts/migrate-to-postgres — copies a Shagram SQLite database into PostgreSQL (docs/postgres.md).
//
// Where it runs: on any machine that can read the SQLite file and reach PostgreSQL, with this repository's
// better-sqlite3 and pg. The SQLite file is opened read-only inside one read transaction (one consistent
// snapshot, even in WAL mode while something else still has it open). The target gets the same numbered
// migrations the app applies at start (app/src/db/postgres-migrations.ts), then everything is copied in ONE
// PostgreSQL transaction that first locks the three tables against writers: either the whole history
// arrives with its ids, or nothing does.
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { readMigrations } from '../../app/src/db/migration-files';
import { migratePostgres } from '../../app/src/db/postgres-migrations';
import { describePostgresUrl, openError } from '../../app/src/db/postgres-store';
import { ScriptError, runScript } from '../lib/cli';
import {
  MIGRATE_HELP,
  parseMigrateArgs,
  progressDue,
  progressLine,
  refusal,
  sequenceTarget,
  verifyCopy,
  type MigrateOptions,
  type TableFacts,
} from './migrate-to-postgres-plan';

const PG_MIGRATIONS = path.resolve(__dirname, '..', '..', 'app', 'migrations', 'postgres');

/** One table's copy: how to read a page from SQLite (keyset on `key`) and how to write it to PostgreSQL. */
interface TableCopy {
  table: 'users' | 'rooms' | 'messages' | 'token_revocations' | 'read_markers';
  key: 'id' | 'name' | 'rowid';
  columns: readonly string[];
  insert: string;
}

// Arrays in, one INSERT per page: no limit on parameters, one plan. OVERRIDING SYSTEM VALUE keeps SQLite's ids.
const COPIES: readonly TableCopy[] = [
  {
    table: 'users',
    key: 'id',
    columns: ['id', 'username', 'username_key', 'password_hash', 'created_at', 'token_epoch', 'deleted_at'],
    insert:
      'INSERT INTO users(id, username, username_key, password_hash, created_at, token_epoch, deleted_at) OVERRIDING SYSTEM VALUE ' +
      'SELECT * FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::text[], $6::integer[], $7::text[])',
  },
  {
    table: 'rooms',
    key: 'name',
    columns: ['name', 'created_at', 'created_by'],
    // The seeded rooms exist on both sides: keep SQLite's creation time for them.
    insert:
      'INSERT INTO rooms(name, created_at, created_by) SELECT * FROM unnest($1::text[], $2::text[], $3::text[]) ' +
      'ON CONFLICT (name) DO UPDATE SET created_at = EXCLUDED.created_at, created_by = EXCLUDED.created_by',
  },
  {
    table: 'messages',
    key: 'id',
    columns: ['id', 'room_id', 'user', 'text', 'created_at'],
    insert:
      'INSERT INTO messages(id, room_id, "user", text, created_at) OVERRIDING SYSTEM VALUE ' +
      'SELECT * FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::text[])',
  },
  {
    // Revoked tokens and raised token epochs stay refused after the move. PostgreSQL numbers them anew, in order.
    table: 'token_revocations',
    key: 'id',
    columns: ['id', 'username', 'jti', 'min_epoch', 'expires_at'],
    insert:
      'INSERT INTO token_revocations(username, jti, min_epoch, expires_at) SELECT r.username, r.jti, r.min_epoch, r.expires_at ' +
      'FROM unnest($1::bigint[], $2::text[], $3::text[], $4::integer[], $5::bigint[]) AS r(id, username, jti, min_epoch, expires_at) ORDER BY r.id',
  },
  {
    // Where each account last read each room: unread counts carry over.
    table: 'read_markers',
    key: 'rowid',
    columns: ['rowid', 'username', 'room_id', 'last_read_id', 'updated_at'],
    insert:
      'INSERT INTO read_markers(username, room_id, last_read_id, updated_at) SELECT r.username, r.room_id, r.last_read_id, r.updated_at::timestamptz ' +
      'FROM unnest($1::bigint[], $2::text[], $3::text[], $4::bigint[], $5::text[]) AS r(k, username, room_id, last_read_id, updated_at)',
  },
];

/** Counts and highest ids of the SQLite file (inside its read transaction). */
function sqliteFacts(db: Database.Database): TableFacts & { userSequence?: number; messageSequence?: number } {
  const one = (sql: string): number => Number(db.prepare(sql).pluck().get() ?? 0);
  const sequences = new Map(
    (db.prepare("SELECT name, seq FROM sqlite_sequence WHERE name IN ('users', 'messages')").all() as { name: string; seq: number }[]).map((row) => [row.name, Number(row.seq)]),
  );
  return {
    users: one('SELECT count(*) FROM users'),
    rooms: one('SELECT count(*) FROM rooms'),
    messages: one('SELECT count(*) FROM messages'),
    maxUserId: one('SELECT coalesce(max(id), 0) FROM users'),
    maxMessageId: one('SELECT coalesce(max(id), 0) FROM messages'),
    userSequence: sequences.get('users'),
    messageSequence: sequences.get('messages'),
  };
}

/** The same facts on the PostgreSQL side (inside the copy transaction). */
async function postgresFacts(client: pg.Client): Promise<TableFacts> {
  const result = await client.query<Record<keyof TableFacts, string>>(
    `SELECT (SELECT count(*) FROM users) AS users, (SELECT count(*) FROM rooms) AS rooms,
            (SELECT count(*) FROM messages) AS messages,
            (SELECT coalesce(max(id), 0) FROM users) AS "maxUserId",
            (SELECT coalesce(max(id), 0) FROM messages) AS "maxMessageId"`,
  );
  const row = result.rows[0]!;
  return { users: Number(row.users), rooms: Number(row.rooms), messages: Number(row.messages), maxUserId: Number(row.maxUserId), maxMessageId: Number(row.maxMessageId) };
}

/** Opens the SQLite file read-only and checks it is a Shagram database at the schema version we copy. */
function openSource(file: string, expectedVersion: number): Database.Database {
  if (!fs.existsSync(file)) throw new ScriptError(`--from ${file}: no such file`);
  let db: Database.Database;
  try {
    db = new Database(file, { readonly: true, fileMustExist: true });
    db.prepare('SELECT 1 FROM sqlite_master').get();
  } catch (error) {
    throw new ScriptError(`--from ${file}: not a readable SQLite database (${(error as Error).message})`);
  }
  const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name IN ('users', 'rooms', 'messages')").pluck().all();
  if (tables.length !== 3) {
    db.close();
    throw new ScriptError(`--from ${file}: not a Shagram database (tables users, rooms and messages are missing)`);
  }
  const version = db.pragma('user_version', { simple: true }) as number;
  if (version !== expectedVersion) {
    db.close();
    throw new ScriptError(
      version < expectedVersion
        ? `--from ${file} is at schema version ${version}, this checkout copies version ${expectedVersion}: start the current Shagram on it once (it migrates at start), then run this again`
        : `--from ${file} is at schema version ${version}, newer than this checkout (${expectedVersion}): use the Shagram version that wrote it`,
    );
  }
  return db;
}

/** Copies one table page by page inside the open transaction. @returns the rows copied. */
async function copyTable(source: Database.Database, client: pg.Client, copy: TableCopy, total: number, options: MigrateOptions): Promise<number> {
  const columns = copy.columns.map((column) => (column === 'user' ? '"user"' : column)).join(', ');
  const page = source.prepare(`SELECT ${columns} FROM ${copy.table} WHERE ${copy.key} > ? ORDER BY ${copy.key} LIMIT ?`).raw();
  let after: number | string = copy.key === 'name' ? '' : 0;
  let done = 0;
  for (;;) {
    const rows = page.all(after, options.batchSize) as unknown[][];
    if (rows.length === 0) break;
    const values = copy.columns.map((_, index) => rows.map((row) => row[index]));
    await client.query({ name: `migrate_${copy.table}`, text: copy.insert, values });
    after = rows[rows.length - 1]![copy.columns.indexOf(copy.key)] as number | string;
    done += rows.length;
    if (progressDue(done, rows.length, total, options.progressEvery)) console.log(progressLine(copy.table, done, total));
  }
  if (done === 0) console.log(progressLine(copy.table, 0, total));
  return done;
}

/** `setval` on a table's identity sequence so that the next id is `target + 1` (nothing when 0). */
async function moveSequence(client: pg.Client, table: 'users' | 'messages', target: number): Promise<void> {
  if (target === 0) return;
  await client.query({ name: `migrate_setval_${table}`, text: `SELECT setval(pg_get_serial_sequence('${table}', 'id'), $1::bigint, true)`, values: [target] });
}

async function main(): Promise<number> {
  const options = parseMigrateArgs(process.argv.slice(2), process.env);
  if (options === 'help') {
    console.log(MIGRATE_HELP);
    return 0;
  }
  const started = Date.now();
  const migrations = readMigrations(PG_MIGRATIONS);
  const source = openSource(options.from, migrations.length);
  const where = describePostgresUrl(options.to);
  const client = new pg.Client({ connectionString: options.to, connectionTimeoutMillis: 5000 });
  let connectionError: Error | undefined;
  client.on('error', (error) => (connectionError = error));
  try {
    await client.connect();
  } catch (error) {
    source.close();
    throw new ScriptError(openError(options.to, error).message);
  }
  try {
    const applied = await migratePostgres(client, migrations).catch((error: unknown) => {
      throw new ScriptError(`${where}: migrating the schema failed: ${(error as Error).message}`);
    });
    console.log(`migrate-to-postgres: ${where}: schema ${applied.length ? `migrated (applied ${applied.join(', ')})` : 'up to date'}`);

    source.exec('BEGIN'); // one snapshot of the SQLite file for every read below
    const facts = sqliteFacts(source);
    console.log(`migrate-to-postgres: ${options.from}: ${facts.users} users, ${facts.rooms} rooms, ${facts.messages} messages (highest message id ${facts.maxMessageId})`);

    await client.query('BEGIN');
    try {
      // Nobody writes while we check and copy (readers are not blocked).
      await client.query('LOCK TABLE users, rooms, messages IN EXCLUSIVE MODE');
      const reason = refusal(await postgresFacts(client));
      if (reason) throw new ScriptError(`${where}: ${reason}`);
      for (const copy of COPIES) {
        const total =
          copy.table === 'token_revocations' || copy.table === 'read_markers' ? Number(source.prepare(`SELECT count(*) FROM ${copy.table}`).pluck().get()) : facts[copy.table];
        await copyTable(source, client, copy, total, options);
      }
      const userSeq = sequenceTarget(facts.maxUserId, facts.userSequence);
      const messageSeq = sequenceTarget(facts.maxMessageId, facts.messageSequence);
      await moveSequence(client, 'users', userSeq);
      await moveSequence(client, 'messages', messageSeq);
      const present = await client.query<{ n: string }>({
        name: 'migrate_rooms_present',
        text: 'SELECT count(*) AS n FROM rooms WHERE name = ANY($1::text[])',
        values: [source.prepare('SELECT name FROM rooms').pluck().all()],
      });
      const problems = verifyCopy(facts, await postgresFacts(client), Number(present.rows[0]!.n));
      if (problems.length > 0) throw new ScriptError(`the copy does not match, nothing was committed: ${problems.join('; ')}`);
      await client.query('COMMIT');
      console.log(
        `migrate-to-postgres: ok in ${((Date.now() - started) / 1000).toFixed(1)} s: copied ${facts.users} users, ${facts.rooms} rooms, ` +
          `${facts.messages} messages into ${where}; counts and highest ids match; the next message id will be above ${messageSeq}`,
      );
      return 0;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    }
  } catch (error) {
    if (connectionError && !(error instanceof ScriptError)) throw new ScriptError(`${where}: connection lost: ${connectionError.message}`);
    throw error;
  } finally {
    source.close();
    await client.end().catch(() => undefined);
  }
}

if (require.main === module) runScript('migrate-to-postgres', main);
