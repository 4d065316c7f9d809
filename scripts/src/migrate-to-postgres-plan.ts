import path from 'node:path';
import { ScriptError, parseFlags } from '../lib/cli';

/** Options of `scripts/migrate-to-postgres`. */
export interface MigrateOptions {
  /** The Shagram SQLite file to copy from (absolute). */
  from: string;
  /** The PostgreSQL URL to copy into. */
  to: string;
  /** Rows per INSERT. */
  batchSize: number;
  /** A progress line at least every this many rows of a table. */
  progressEvery: number;
}

/** Row counts and highest ids of one side of the copy. */
export interface TableFacts {
  users: number;
  rooms: number;
  messages: number;
  maxUserId: number;
  maxMessageId: number;
}

export const DEFAULT_BATCH_SIZE = 1000;
export const DEFAULT_PROGRESS_EVERY = 10_000;

export const MIGRATE_HELP = `Usage: scripts/migrate-to-postgres --from <shagram.db> [--to <postgres://…>] [options]

Copies a Shagram SQLite database into PostgreSQL, for DATABASE_URL=postgres://… (see docs/postgres.md):
 1. brings the target's schema up to date (the numbered migrations of app/migrations/postgres);
 2. refuses when the target already holds users or messages (it never merges into a database in use);
 3. copies users, rooms and messages with their ids, in ONE transaction (batched inserts, progress lines);
 4. moves the id sequences past the highest id the SQLite file ever gave out;
 5. checks that the row counts and the highest ids match, commits, and prints a summary.
Nothing is committed unless every step succeeds. Stop the app (or its writes) first: rows written to the
SQLite file after the copy started are not copied. The SQLite file is only read.

Options:
  --from <file>           the SQLite file (e.g. /app/data/shagram.db; make a copy with scripts/backup)
  --to <url>              postgres://user:password@host:5432/db (default: the DATABASE_URL variable)
  --batch-size <n>        rows per INSERT (default ${DEFAULT_BATCH_SIZE})
  --progress-every <n>    print progress every n rows of a table (default ${DEFAULT_PROGRESS_EVERY})
  -h, --help              this text`;

/** Parses the command line (`env` supplies DATABASE_URL). Pure. @returns the options, or 'help'. */
export function parseMigrateArgs(argv: readonly string[], env: Readonly<Record<string, string | undefined>>): MigrateOptions | 'help' {
  const flags = parseFlags(argv, { from: 'string', to: 'string', 'batch-size': 'integer', 'progress-every': 'integer' });
  if (flags === 'help') return 'help';
  const from = flags.from as string | undefined;
  if (!from) throw new ScriptError('--from <shagram.db> is required (see --help)');
  const to = (flags.to as string | undefined) ?? env.DATABASE_URL;
  if (!to) throw new ScriptError('--to <postgres://…> is required when DATABASE_URL is not set (see --help)');
  if (!/^postgres(ql)?:\/\//.test(to)) throw new ScriptError('--to must be a postgres:// or postgresql:// URL');
  const batchSize = (flags['batch-size'] as number | undefined) ?? DEFAULT_BATCH_SIZE;
  if (batchSize < 1 || batchSize > 100_000) throw new ScriptError('--batch-size must be between 1 and 100000');
  const progressEvery = (flags['progress-every'] as number | undefined) ?? DEFAULT_PROGRESS_EVERY;
  if (progressEvery < 1) throw new ScriptError('--progress-every must be at least 1');
  return { from: path.resolve(from), to, batchSize, progressEvery };
}

/**
 * Whether a progress line is due after copying rows `done - added + 1 … done` of `total`: when the count
 * crossed a multiple of `every`, or the table is finished. Pure.
 */
export function progressDue(done: number, added: number, total: number, every: number): boolean {
  if (added <= 0) return false;
  return done === total || Math.floor(done / every) > Math.floor((done - added) / every);
}

/**
 * The value the target's id sequence must be set to (`setval(seq, n)`: the next id is n + 1): past the highest
 * id present AND past the highest id SQLite ever handed out (AUTOINCREMENT remembers ids of deleted rows in
 * sqlite_sequence), so ids are never reused and `since=<id>` replay stays exact. 0 means "leave it". Pure.
 */
export function sequenceTarget(maxId: number, sqliteSequence: number | undefined): number {
  return Math.max(maxId, sqliteSequence ?? 0, 0);
}

/** Why the target cannot receive a copy (it already holds accounts or messages), or undefined. Pure. */
export function refusal(target: Pick<TableFacts, 'users' | 'messages'>): string | undefined {
  if (target.users === 0 && target.messages === 0) return undefined;
  return (
    `the target already holds ${target.users} user(s) and ${target.messages} message(s); refusing to copy into a database ` +
    'in use (point --to at an empty database, or drop and recreate it)'
  );
}

/**
 * The differences between what was read from SQLite and what PostgreSQL holds after the copy (empty when they
 * match). Rooms may be more on the target: migration 001 seeds general/chat/dev there too. Pure.
 */
export function verifyCopy(source: TableFacts, target: TableFacts, sourceRoomsPresent: number): string[] {
  const problems: string[] = [];
  if (source.users !== target.users) problems.push(`users: ${source.users} in SQLite, ${target.users} in PostgreSQL`);
  if (source.messages !== target.messages) problems.push(`messages: ${source.messages} in SQLite, ${target.messages} in PostgreSQL`);
  if (sourceRoomsPresent !== source.rooms) problems.push(`rooms: ${source.rooms} in SQLite, ${sourceRoomsPresent} of them in PostgreSQL`);
  if (source.maxUserId !== target.maxUserId) problems.push(`highest user id: ${source.maxUserId} in SQLite, ${target.maxUserId} in PostgreSQL`);
  if (source.maxMessageId !== target.maxMessageId) problems.push(`highest message id: ${source.maxMessageId} in SQLite, ${target.maxMessageId} in PostgreSQL`);
  return problems;
}

/** One line for a progress report, e.g. `messages: 20000/51234 (39%)`. Pure. */
export function progressLine(table: string, done: number, total: number): string {
  const percent = total === 0 ? 100 : Math.floor((done / total) * 100);
  return `migrate-to-postgres: ${table}: ${done}/${total} (${percent}%)`;
}
