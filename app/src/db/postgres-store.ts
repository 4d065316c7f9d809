import pg from 'pg';
import type { PoolClient } from 'pg';
import { DELETED_PASSWORD_HASH, type AfterCommit, type ChatStore, type CreateRoomResult, type NewMessage, type RevocationRow, type StoredMessage, type UnreadCount, type UserRow } from './chat-store';
import { readMigrations } from './migration-files';
import { migratePostgres } from './postgres-migrations';

/** Options of {@link openPostgresStore}. */
export interface PostgresStoreOptions {
  /** How long opening a connection may take (at start and later), in milliseconds. Default 5000. */
  connectTimeoutMs?: number;
  /** Most connections the pool opens. Default 10. */
  poolSize?: number;
  /** How long {@link PostgresStore.isWritable} waits before answering false, in milliseconds. Default 2000. */
  readyTimeoutMs?: number;
  /** Told about errors of idle pooled connections (PostgreSQL restarted, network cut). Default: ignored. */
  onIdleError?: (error: Error) => void;
}

/** Network-level failures: the server could not be reached at all (as opposed to refusing us). */
const UNREACHABLE_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ECONNRESET']);

/**
 * `postgres://user@host:port/db` for messages: the password is never shown. A URL that does not parse is
 * not echoed either (it may hold a password).
 */
export function describePostgresUrl(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return '(an unparsable DATABASE_URL)';
  }
  const user = parsed.username ? `${decodeURIComponent(parsed.username)}@` : '';
  const port = parsed.port || '5432';
  return `${parsed.protocol}//${user}${parsed.hostname}:${port}${parsed.pathname}`;
}

/** One readable reason out of a pg/net error (AggregateErrors of a dual-stack connect have no message). */
function reasonOf(error: unknown): string {
  const value = error as { code?: string; message?: string; errors?: unknown[] };
  if (value.code && UNREACHABLE_CODES.has(value.code)) return value.code;
  const message = value.message?.trim();
  if (message && /timeout/i.test(message)) return 'connection timed out';
  if (message) return message.split('\n')[0] as string;
  if (value.code) return value.code;
  const nested = value.errors?.[0];
  return nested ? reasonOf(nested) : String(error);
}

/** True when the error says the server was not reached (refused, unknown host, timed out, cut). */
function isUnreachable(error: unknown): boolean {
  const value = error as { code?: string; message?: string; errors?: { code?: string }[] };
  if (value.code && UNREACHABLE_CODES.has(value.code)) return true;
  if (value.errors?.some((nested) => nested.code !== undefined && UNREACHABLE_CODES.has(nested.code))) return true;
  return /timeout|Connection terminated/i.test(value.message ?? '');
}

/** Turns a failure at start into ONE readable line naming the server (never its password). */
export function openError(url: string, error: unknown): Error {
  const where = describePostgresUrl(url);
  return new Error(isUnreachable(error) ? `cannot reach PostgreSQL at ${where}: ${reasonOf(error)}` : `cannot open PostgreSQL at ${where}: ${reasonOf(error)}`);
}

interface MessageRow {
  id: string;
  room_id: string;
  user: string;
  text: string;
  created_at: string;
}

/** bigint ids arrive as strings (pg does not narrow them); ids stay far below 2^53. */
function toMessage(row: MessageRow): StoredMessage {
  return { id: Number(row.id), room_id: row.room_id, user: row.user, text: row.text, created_at: row.created_at };
}

const COLUMNS = 'id, room_id, "user", text, created_at';

const SQL = {
  insertUser: { name: 'shagram_insert_user', text: 'INSERT INTO users(username, username_key, password_hash, created_at) VALUES ($1, $2, $3, $4) ON CONFLICT (username_key) DO NOTHING' },
  findUser: { name: 'shagram_find_user', text: 'SELECT username, password_hash FROM users WHERE username_key = $1' },
  listRooms: { name: 'shagram_list_rooms', text: 'SELECT name FROM rooms ORDER BY name' },
  roomExists: { name: 'shagram_room_exists', text: 'SELECT 1 AS one FROM rooms WHERE name = $1' },
  insertRoom: { name: 'shagram_insert_room', text: 'INSERT INTO rooms(name, created_at) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING' },
  latest: { name: 'shagram_latest', text: `SELECT ${COLUMNS} FROM messages WHERE room_id = $1 ORDER BY id DESC LIMIT $2` },
  before: { name: 'shagram_before', text: `SELECT ${COLUMNS} FROM messages WHERE room_id = $1 AND id < $2 ORDER BY id DESC LIMIT $3` },
  setReadMarker: {
    name: 'shagram_set_read_marker',
    text: `INSERT INTO read_markers(username, room_id, last_read_id) VALUES ($1, $2, $3)
           ON CONFLICT (username, room_id) DO UPDATE SET last_read_id = excluded.last_read_id, updated_at = clock_timestamp()
           WHERE excluded.last_read_id > read_markers.last_read_id`,
  },
  // Per marked room, the first $4 rows after the marker through messages_room_id_id; own messages and mentions
  // counted among them.
  unreadCounts: {
    name: 'shagram_unread_counts',
    text: `SELECT r.room_id AS room, c.total, c.unread, c.mentions
           FROM read_markers r
           CROSS JOIN LATERAL (
             SELECT count(*)::integer AS total,
                    count(*) FILTER (WHERE m."user" <> $1)::integer AS unread,
                    count(*) FILTER (WHERE m."user" <> $1 AND strpos(lower(m.text), $3) > 0)::integer AS mentions
             FROM (SELECT "user", text FROM messages WHERE room_id = r.room_id AND id > r.last_read_id ORDER BY id LIMIT $4) m
           ) c
           WHERE r.username = $1 AND r.room_id = ANY($2::text[])`,
  },
  since: { name: 'shagram_since', text: `SELECT ${COLUMNS} FROM messages WHERE room_id = $1 AND id > $2 ORDER BY id ASC LIMIT $3` },
  // The lock keys of a batch's rooms, distinct and ascending: every writer takes them in this one order.
  lockKeys: {
    name: 'shagram_lock_keys',
    text: "SELECT DISTINCT hashtext('shagram:room:' || room) AS key FROM unnest($1::text[]) AS room ORDER BY key",
  },
  lock: { name: 'shagram_lock', text: 'SELECT pg_advisory_lock($1::bigint)' },
  // One statement for the whole batch whatever its size (one prepared plan). Rows are inserted, and take
  // their identity values, in the ORDER BY of the SELECT, i.e. in batch order. Each row comes back with the
  // highest id its room had before the batch: the outer SELECT runs on the statement's snapshot, which does
  // not see the rows the WITH inserts (an index lookup on messages_room_id_id per row, same round trip).
  insertMessages: {
    name: 'shagram_insert_messages_prev',
    text:
      'WITH ins AS (INSERT INTO messages(room_id, "user", text, created_at) ' +
      'SELECT m.room_id, m.usr, m.body, m.created_at FROM unnest($1::text[], $2::text[], $3::text[], $4::text[]) ' +
      'WITH ORDINALITY AS m(room_id, usr, body, created_at, ord) ORDER BY m.ord RETURNING id, room_id) ' +
      'SELECT ins.id, ins.room_id, (SELECT max(prior.id) FROM messages prior WHERE prior.room_id = ins.room_id) AS before FROM ins',
  },
  roomsFirst: { name: 'shagram_rooms_first', text: 'SELECT name FROM rooms ORDER BY name LIMIT $1' },
  roomsAfter: { name: 'shagram_rooms_after', text: 'SELECT name FROM rooms WHERE name > $1 ORDER BY name LIMIT $2' },
  // Serialises the room creations of one account (released at COMMIT), so the count below cannot be passed by
  // two concurrent requests. The two-key form keeps it apart from the per-room message order locks.
  lockCreator: { name: 'shagram_lock_creator', text: "SELECT pg_advisory_xact_lock(hashtext('shagram'), hashtext('rooms-by:' || $1))" },
  roomsCreatedBy: { name: 'shagram_rooms_created_by', text: 'SELECT count(*)::integer AS n FROM rooms WHERE created_by = $1' },
  insertOwnedRoom: {
    name: 'shagram_insert_owned_room',
    text: 'INSERT INTO rooms(name, created_at, created_by) VALUES ($1, $2, $3) ON CONFLICT (name) DO NOTHING',
  },
  tokenEpoch: { name: 'shagram_token_epoch', text: 'SELECT token_epoch FROM users WHERE username = $1 AND deleted_at IS NULL' },
  insertRevocation: { name: 'shagram_insert_revocation', text: 'INSERT INTO token_revocations(username, jti, min_epoch, expires_at) VALUES ($1, $2, $3, $4)' },
  bumpEpoch: {
    name: 'shagram_bump_epoch',
    text: 'UPDATE users SET token_epoch = token_epoch + 1 WHERE username = $1 AND deleted_at IS NULL RETURNING token_epoch',
  },
  tombstone: {
    name: 'shagram_tombstone',
    text: 'UPDATE users SET password_hash = $1, deleted_at = $2, token_epoch = token_epoch + 1 WHERE username = $3 AND deleted_at IS NULL RETURNING token_epoch',
  },
  // Also the last minute's rows: an id drawn before, but committed after, one already read is not skipped.
  revocations: {
    name: 'shagram_revocations',
    text:
      'SELECT id, username, jti, min_epoch, expires_at FROM token_revocations ' +
      "WHERE expires_at > $2 AND (id > $1 OR created_at > clock_timestamp() - interval '1 minute') ORDER BY id",
  },
  pruneRevocations: { name: 'shagram_prune_revocations', text: 'DELETE FROM token_revocations WHERE expires_at <= $1' },
  writable: { name: 'shagram_writable', text: "SELECT current_setting('transaction_read_only') = 'off' AS writable" },
} as const;

/**
 * The PostgreSQL engine (`DATABASE_URL=postgres://…`): a `pg.Pool`, named prepared statements, and the
 * same results as the SQLite engine (ids as numbers, `created_at` as stored). Losing PostgreSQL at run time
 * only makes calls reject: broken connections are dropped and replaced, so calls succeed again by
 * themselves once the server is back. Open it with {@link openPostgresStore}.
 */
export class PostgresStore implements ChatStore {
  readonly engine = 'postgres' as const;
  private readonly readyTimeoutMs: number;
  private closing: Promise<void> | undefined;

  constructor(
    private readonly pool: pg.Pool,
    options: PostgresStoreOptions = {},
  ) {
    this.readyTimeoutMs = options.readyTimeoutMs ?? 2000;
  }

  /**
   * Runs `work` on one pooled connection. An 'error' event on a checked-out client (its socket died) would
   * otherwise be unhandled and end the process; here it marks the client broken so it is destroyed, not
   * returned to the pool.
   */
  private async withClient<T>(work: (client: PoolClient, markBroken: (error: Error) => void) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    let broken: Error | undefined;
    const onError = (error: Error): void => {
      broken ??= error;
    };
    client.on('error', onError);
    try {
      return await work(client, onError);
    } catch (error) {
      if (isUnreachable(error)) broken ??= error as Error;
      throw error;
    } finally {
      client.removeListener('error', onError);
      client.release(broken);
    }
  }

  private query<R extends pg.QueryResultRow>(config: { name: string; text: string }, values: unknown[]): Promise<pg.QueryResult<R>> {
    return this.withClient((client) => client.query<R>({ ...config, values }));
  }

  /** Creates an account. @returns false when the name (case-insensitively, by `key`) is taken. */
  async createUser(username: string, key: string, passwordHash: string): Promise<boolean> {
    const result = await this.query(SQL.insertUser, [username, key, passwordHash, new Date().toISOString()]);
    return result.rowCount === 1;
  }

  /** The account whose `username_key` is `key`. */
  async findUser(key: string): Promise<UserRow | undefined> {
    const result = await this.query<UserRow>(SQL.findUser, [key]);
    const row = result.rows[0];
    return row ? { username: row.username, password_hash: row.password_hash } : undefined;
  }

  /** Room names, sorted bytewise (as SQLite does). */
  async listRooms(): Promise<string[]> {
    const result = await this.query<{ name: string }>(SQL.listRooms, []);
    return result.rows.map((row) => row.name);
  }

  /** True when the room exists. */
  async roomExists(name: string): Promise<boolean> {
    const result = await this.query(SQL.roomExists, [name]);
    return result.rows.length > 0;
  }

  /** @returns true when the room was created, false when it already existed. */
  async createRoom(name: string): Promise<boolean> {
    const result = await this.query(SQL.insertRoom, [name, new Date().toISOString()]);
    return result.rowCount === 1;
  }

  /** Room names after `after` (bytewise), sorted, at most `limit`. */
  async listRoomsPage(after: string | undefined, limit: number): Promise<string[]> {
    const result =
      after === undefined
        ? await this.query<{ name: string }>(SQL.roomsFirst, [limit])
        : await this.query<{ name: string }>(SQL.roomsAfter, [after, limit]);
    return result.rows.map((row) => row.name);
  }

  /** Creates a room for `createdBy` unless it exists or that account has created `quota` rooms (one transaction). */
  async createRoomFor(name: string, createdBy: string, quota: number): Promise<CreateRoomResult> {
    return this.transaction(async (client) => {
      await client.query({ ...SQL.lockCreator, values: [createdBy] });
      if ((await client.query({ ...SQL.roomExists, values: [name] })).rows.length > 0) return 'exists';
      const count = await client.query<{ n: number }>({ ...SQL.roomsCreatedBy, values: [createdBy] });
      if ((count.rows[0]?.n ?? 0) >= quota) return 'quota';
      const inserted = await client.query({ ...SQL.insertOwnedRoom, values: [name, new Date().toISOString(), createdBy] });
      return inserted.rowCount === 1 ? 'created' : 'exists';
    });
  }

  /** The account's token epoch; undefined for an unknown or deleted account. */
  async tokenEpoch(username: string): Promise<number | undefined> {
    const result = await this.query<{ token_epoch: number }>(SQL.tokenEpoch, [username]);
    return result.rows[0]?.token_epoch;
  }

  async revokeToken(username: string, jti: string, expiresAt: number): Promise<void> {
    await this.query(SQL.insertRevocation, [username, jti, null, expiresAt]);
  }

  async revokeAllTokens(username: string, expiresAt: number): Promise<number | undefined> {
    return this.transaction(async (client) => {
      const bumped = await client.query<{ token_epoch: number }>({ ...SQL.bumpEpoch, values: [username] });
      const epoch = bumped.rows[0]?.token_epoch;
      if (epoch === undefined) return undefined;
      await client.query({ ...SQL.insertRevocation, values: [username, null, epoch, expiresAt] });
      return epoch;
    });
  }

  async deleteUser(username: string, expiresAt: number): Promise<number | undefined> {
    return this.transaction(async (client) => {
      const row = await client.query<{ token_epoch: number }>({ ...SQL.tombstone, values: [DELETED_PASSWORD_HASH, new Date().toISOString(), username] });
      const epoch = row.rows[0]?.token_epoch;
      if (epoch === undefined) return undefined;
      await client.query({ ...SQL.insertRevocation, values: [username, null, epoch, expiresAt] });
      return epoch;
    });
  }

  async revocations(afterId: number, now: number): Promise<RevocationRow[]> {
    const result = await this.query<{ id: string; username: string; jti: string | null; min_epoch: number | null; expires_at: string }>(SQL.revocations, [
      afterId,
      now,
    ]);
    return result.rows.map((row) => ({ id: Number(row.id), username: row.username, jti: row.jti, min_epoch: row.min_epoch, expires_at: Number(row.expires_at) }));
  }

  async setReadMarker(username: string, room: string, lastReadId: number): Promise<void> {
    await this.query(SQL.setReadMarker, [username, room, lastReadId]);
  }

  async unreadCounts(username: string, rooms: readonly string[], mention: string, cap: number): Promise<UnreadCount[]> {
    if (rooms.length === 0) return [];
    const result = await this.query<{ room: string; total: number; unread: number; mentions: number }>(SQL.unreadCounts, [username, rooms, mention, cap]);
    const byRoom = new Map(result.rows.map((row) => [row.room, row]));
    return rooms.flatMap((room) => {
      const row = byRoom.get(room);
      return row ? [{ room, unread: row.unread, mentions: row.mentions, capped: row.total >= cap }] : [];
    });
  }

  async pruneRevocations(now: number): Promise<number> {
    return (await this.query(SQL.pruneRevocations, [now])).rowCount ?? 0;
  }

  /** BEGIN; `work`; COMMIT — or ROLLBACK when it throws. */
  private transaction<T>(work: (client: PoolClient) => Promise<T>): Promise<T> {
    return this.withClient(async (client) => {
      await client.query('BEGIN');
      try {
        const result = await work(client);
        await client.query('COMMIT');
        return result;
      } catch (error) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw error;
      }
    });
  }

  /** Newest first: the last `limit` messages of a room, or those with an id below `before`. */
  async history(room: string, limit: number, before?: number): Promise<StoredMessage[]> {
    const result =
      before === undefined
        ? await this.query<MessageRow>(SQL.latest, [room, limit])
        : await this.query<MessageRow>(SQL.before, [room, before, limit]);
    return result.rows.map(toMessage);
  }

  /** Oldest first: messages of a room with an id above `since`, at most `limit`. */
  async since(room: string, since: number, limit: number): Promise<StoredMessage[]> {
    const result = await this.query<MessageRow>(SQL.since, [room, since, limit]);
    return result.rows.map(toMessage);
  }

  /**
   * Commits a batch in one transaction, then awaits `afterCommit(ids)` and only then lets the next writer of
   * the same rooms in.
   *
   * Why the locks: ids come from one identity sequence shared by every replica, and clients replay with
   * `since=<id>`. If replica A took id 10 and replica B id 11 in the same room, and B committed and published
   * 11 before A committed 10, a client that saw 11 and later replays `since=11` would never get 10. So each
   * writer holds a SESSION-level advisory lock per room of the batch from before its ids are drawn until its
   * messages are published: within one room, rows are numbered, committed and published strictly in id order,
   * on every replica. The locks are taken in ascending key order (no deadlocks between batches that share
   * several rooms) and are session-level because they must outlive COMMIT; `pg_advisory_unlock_all()` in
   * `finally` drops them, and a connection that broke is destroyed, which drops them on the server too.
   *
   * Rejects when the commit fails (nothing stored, nothing published). When `afterCommit` rejects the rows
   * stay committed and the rejection is passed on (after unlocking).
   */
  async insertMessages(batch: readonly NewMessage[], afterCommit?: AfterCommit): Promise<number[]> {
    if (batch.length === 0) {
      await afterCommit?.([]);
      return [];
    }
    return this.withClient(async (client, markBroken) => {
      let locked = false;
      try {
        const rooms = [...new Set(batch.map((message) => message.room))].sort();
        const keys = await client.query<{ key: number }>({ ...SQL.lockKeys, values: [rooms] });
        locked = true;
        for (const { key } of keys.rows) await client.query({ ...SQL.lock, values: [key] });
        const { ids, prev } = await this.commitBatch(client, batch);
        await afterCommit?.(ids, prev);
        return ids;
      } finally {
        if (locked) await this.unlockAll(client, markBroken);
      }
    });
  }

  /**
   * BEGIN; one INSERT for the batch; COMMIT. @returns the ids in batch order, and for each the id of the
   * message before it in its room (0 for a room's first). The room's order lock is held, so that previous
   * message is the room's last committed one: a replica that never received it live can tell.
   */
  private async commitBatch(client: PoolClient, batch: readonly NewMessage[]): Promise<{ ids: number[]; prev: number[] }> {
    await client.query('BEGIN');
    try {
      const result = await client.query<{ id: string; room_id: string; before: string | null }>({
        ...SQL.insertMessages,
        values: [batch.map((m) => m.room), batch.map((m) => m.user), batch.map((m) => m.text), batch.map((m) => m.createdAt)],
      });
      await client.query('COMMIT');
      // Identity values are drawn in insertion order (batch order); RETURNING's order is not promised.
      const rows = result.rows
        .map((row) => ({ id: Number(row.id), room: row.room_id, before: row.before === null ? 0 : Number(row.before) }))
        .sort((a, b) => a.id - b.id);
      const lastIn = new Map<string, number>();
      const prev = rows.map((row) => {
        const previous = lastIn.get(row.room) ?? row.before;
        lastIn.set(row.room, row.id);
        return previous;
      });
      return { ids: rows.map((row) => row.id), prev };
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    }
  }

  /**
   * Drops this session's advisory locks. If that fails the connection must not go back to the pool still
   * holding them: it is marked broken, so it is destroyed and the server frees them with the session.
   */
  private async unlockAll(client: PoolClient, markBroken: (error: Error) => void): Promise<void> {
    try {
      await client.query('SELECT pg_advisory_unlock_all()');
    } catch (error) {
      markBroken(error instanceof Error ? error : new Error(String(error)));
    }
  }

  /**
   * True when a write could be taken now: a connection answers within `readyTimeoutMs` and the session is
   * not read-only (a standby answers false). Nothing is changed; never hangs `/readyz`.
   */
  async isWritable(): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(false), this.readyTimeoutMs);
    });
    const probe = this.query<{ writable: boolean }>(SQL.writable, []).then(
      (result) => result.rows[0]?.writable === true,
      () => false,
    );
    try {
      return await Promise.race([probe, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * Ends the pool: waits for checked-out connections to come back, then closes every connection.
   * Calling it again returns the same promise.
   */
  close(): Promise<void> {
    this.closing ??= this.pool.end();
    return this.closing;
  }
}

/**
 * Opens the PostgreSQL engine: a pool on `url`, one connection right away (bounded by `connectTimeoutMs`,
 * default 5 s) and the pending migrations of `migrationsDir` (see migratePostgres). Rejects with ONE
 * readable line such as `cannot reach PostgreSQL at postgres://user@host:5432/db: ECONNREFUSED` (never the
 * password) when PostgreSQL cannot be reached or the schema cannot be brought up to date.
 */
export async function openPostgresStore(url: string, migrationsDir: string, options: PostgresStoreOptions = {}): Promise<PostgresStore> {
  const migrations = readMigrations(migrationsDir);
  const pool = new pg.Pool({
    connectionString: url,
    max: options.poolSize ?? 10,
    connectionTimeoutMillis: options.connectTimeoutMs ?? 5000,
    keepAlive: true,
  });
  // An idle pooled connection that dies (server restart, network cut) emits here; without a listener the
  // process would crash. The pool has already discarded that connection; the next call opens a new one.
  pool.on('error', (error) => options.onIdleError?.(error));
  try {
    const client = await pool.connect();
    let broken: Error | undefined;
    const onError = (error: Error): void => {
      broken = error;
    };
    client.on('error', onError);
    try {
      await migratePostgres(client, migrations);
    } finally {
      client.removeListener('error', onError);
      client.release(broken);
    }
  } catch (error) {
    await pool.end().catch(() => undefined);
    throw openError(url, error);
  }
  return new PostgresStore(pool, options);
}
