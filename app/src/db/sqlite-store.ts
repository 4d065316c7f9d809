import type Database from 'better-sqlite3';
import { DELETED_PASSWORD_HASH, type AfterCommit, type ChatStore, type CreateRoomResult, type NewMessage, type RevocationRow, type StoredMessage, type UnreadCount, type UserRow } from './chat-store';

/**
 * The embedded engine: every query prepared once on a better-sqlite3 handle. The work is
 * synchronous (SQLite in-process); the promises only fit the {@link ChatStore} contract, so a
 * commit and its `afterCommit` still run in the same event-loop turn.
 */
export class SqliteStore implements ChatStore {
  readonly engine = 'sqlite' as const;
  private readonly insertUserStmt;
  private readonly findUserStmt;
  private readonly listRoomsStmt;
  private readonly roomExistsStmt;
  private readonly insertRoomStmt;
  private readonly insertMessageStmt;
  private readonly latestStmt;
  private readonly beforeStmt;
  private readonly sinceStmt;
  private readonly insertBatch;
  private readonly roomsAfterStmt;
  private readonly roomsFirstStmt;
  private readonly createOwnedRoom;
  private readonly epochStmt;
  private readonly insertRevocationStmt;
  private readonly revokeAll;
  private readonly deleteAccount;
  private readonly revocationsStmt;
  private readonly pruneStmt;
  private readonly setMarkerStmt;
  private readonly readUnread;

  constructor(readonly db: Database.Database) {
    this.insertUserStmt = db.prepare('INSERT INTO users(username, username_key, password_hash, created_at) VALUES (?, ?, ?, ?)');
    this.findUserStmt = db.prepare<[string], UserRow>('SELECT username, password_hash FROM users WHERE username_key = ?');
    this.listRoomsStmt = db.prepare<[], { name: string }>('SELECT name FROM rooms ORDER BY name');
    this.roomExistsStmt = db.prepare<[string], { one: number }>('SELECT 1 AS one FROM rooms WHERE name = ?');
    this.insertRoomStmt = db.prepare('INSERT INTO rooms(name, created_at) VALUES (?, ?) ON CONFLICT(name) DO NOTHING');
    this.insertMessageStmt = db.prepare('INSERT INTO messages(room_id, user, text, created_at) VALUES (?, ?, ?, ?)');
    this.latestStmt = db.prepare<[string, number], StoredMessage>(
      'SELECT id, room_id, user, text, created_at FROM messages WHERE room_id = ? ORDER BY id DESC LIMIT ?',
    );
    this.beforeStmt = db.prepare<[string, number, number], StoredMessage>(
      'SELECT id, room_id, user, text, created_at FROM messages WHERE room_id = ? AND id < ? ORDER BY id DESC LIMIT ?',
    );
    this.sinceStmt = db.prepare<[string, number, number], StoredMessage>(
      'SELECT id, room_id, user, text, created_at FROM messages WHERE room_id = ? AND id > ? ORDER BY id ASC LIMIT ?',
    );
    this.insertBatch = db.transaction((batch: readonly NewMessage[]) =>
      batch.map((message) => Number(this.insertMessageStmt.run(message.room, message.user, message.text, message.createdAt).lastInsertRowid)),
    );
    this.roomsFirstStmt = db.prepare<[number], { name: string }>('SELECT name FROM rooms ORDER BY name LIMIT ?');
    this.roomsAfterStmt = db.prepare<[string, number], { name: string }>('SELECT name FROM rooms WHERE name > ? ORDER BY name LIMIT ?');
    const exists = db.prepare<[string], { one: number }>('SELECT 1 AS one FROM rooms WHERE name = ?');
    const createdBy = db.prepare<[string], { n: number }>('SELECT count(*) AS n FROM rooms WHERE created_by = ?');
    const insertOwned = db.prepare('INSERT INTO rooms(name, created_at, created_by) VALUES (?, ?, ?)');
    // One synchronous transaction: nothing else runs between the count and the insert.
    this.createOwnedRoom = db.transaction((name: string, user: string, quota: number): CreateRoomResult => {
      if (exists.get(name)) return 'exists';
      if ((createdBy.get(user)?.n ?? 0) >= quota) return 'quota';
      insertOwned.run(name, new Date().toISOString(), user);
      return 'created';
    });
    this.epochStmt = db.prepare<[string], { token_epoch: number }>('SELECT token_epoch FROM users WHERE username = ? AND deleted_at IS NULL');
    this.insertRevocationStmt = db.prepare('INSERT INTO token_revocations(username, jti, min_epoch, expires_at, created_at) VALUES (?, ?, ?, ?, ?)');
    const bump = db.prepare<[string], { token_epoch: number }>(
      'UPDATE users SET token_epoch = token_epoch + 1 WHERE username = ? AND deleted_at IS NULL RETURNING token_epoch',
    );
    this.revokeAll = db.transaction((username: string, expiresAt: number): number | undefined => {
      const row = bump.get(username);
      if (!row) return undefined;
      this.insertRevocationStmt.run(username, null, row.token_epoch, expiresAt, new Date().toISOString());
      return row.token_epoch;
    });
    const tombstone = db.prepare<[string, string, string], { token_epoch: number }>(
      'UPDATE users SET password_hash = ?, deleted_at = ?, token_epoch = token_epoch + 1 WHERE username = ? AND deleted_at IS NULL RETURNING token_epoch',
    );
    this.deleteAccount = db.transaction((username: string, expiresAt: number): number | undefined => {
      const now = new Date().toISOString();
      const row = tombstone.get(DELETED_PASSWORD_HASH, now, username);
      if (!row) return undefined;
      this.insertRevocationStmt.run(username, null, row.token_epoch, expiresAt, now);
      return row.token_epoch;
    });
    this.revocationsStmt = db.prepare<[number, number], RevocationRow>(
      'SELECT id, username, jti, min_epoch, expires_at FROM token_revocations WHERE id > ? AND expires_at > ? ORDER BY id',
    );
    this.pruneStmt = db.prepare('DELETE FROM token_revocations WHERE expires_at <= ?');
    this.setMarkerStmt = db.prepare(
      `INSERT INTO read_markers(username, room_id, last_read_id, updated_at) VALUES (?, ?, ?, ?)
       ON CONFLICT(username, room_id) DO UPDATE SET last_read_id = excluded.last_read_id, updated_at = excluded.updated_at
       WHERE excluded.last_read_id > read_markers.last_read_id`,
    );
    const marker = db.prepare<[string, string], { last_read_id: number }>('SELECT last_read_id FROM read_markers WHERE username = ? AND room_id = ?');
    // The first `cap` rows after the marker through messages_room_id_id; own messages and mentions counted among them.
    const count = db.prepare<[string, string, string, string, number, number], { total: number; unread: number; mentions: number }>(
      `SELECT count(*) AS total, coalesce(sum(user <> ?), 0) AS unread, coalesce(sum(user <> ? AND instr(lower(text), ?) > 0), 0) AS mentions
       FROM (SELECT user, text FROM messages WHERE room_id = ? AND id > ? ORDER BY id LIMIT ?)`,
    );
    this.readUnread = db.transaction((username: string, rooms: readonly string[], mention: string, cap: number): UnreadCount[] => {
      const counts: UnreadCount[] = [];
      for (const room of rooms) {
        const row = marker.get(username, room);
        if (!row) continue;
        const found = count.get(username, username, mention, room, row.last_read_id, cap)!;
        counts.push({ room, unread: found.unread, mentions: found.mentions, capped: found.total >= cap });
      }
      return counts;
    });
  }

  /** Creates an account. @returns false when the name (case-insensitively) is taken. */
  async createUser(username: string, key: string, passwordHash: string): Promise<boolean> {
    try {
      this.insertUserStmt.run(username, key, passwordHash, new Date().toISOString());
      return true;
    } catch (error) {
      if ((error as { code?: string }).code === 'SQLITE_CONSTRAINT_UNIQUE') return false;
      throw error;
    }
  }

  async findUser(key: string): Promise<UserRow | undefined> {
    return this.findUserStmt.get(key);
  }

  async listRooms(): Promise<string[]> {
    return this.listRoomsStmt.all().map((row) => row.name);
  }

  async roomExists(name: string): Promise<boolean> {
    return this.roomExistsStmt.get(name) !== undefined;
  }

  /** @returns true when the room was created, false when it already existed. */
  async createRoom(name: string): Promise<boolean> {
    return this.insertRoomStmt.run(name, new Date().toISOString()).changes === 1;
  }

  /** Room names after `after`, sorted, at most `limit`. */
  async listRoomsPage(after: string | undefined, limit: number): Promise<string[]> {
    const rows = after === undefined ? this.roomsFirstStmt.all(limit) : this.roomsAfterStmt.all(after, limit);
    return rows.map((row) => row.name);
  }

  /** Creates a room for `createdBy` unless it exists or that account has created `quota` rooms. */
  async createRoomFor(name: string, createdBy: string, quota: number): Promise<CreateRoomResult> {
    return this.createOwnedRoom(name, createdBy, quota);
  }

  async tokenEpoch(username: string): Promise<number | undefined> {
    return this.epochStmt.get(username)?.token_epoch;
  }

  async revokeToken(username: string, jti: string, expiresAt: number): Promise<void> {
    this.insertRevocationStmt.run(username, jti, null, expiresAt, new Date().toISOString());
  }

  async revokeAllTokens(username: string, expiresAt: number): Promise<number | undefined> {
    return this.revokeAll(username, expiresAt);
  }

  async deleteUser(username: string, expiresAt: number): Promise<number | undefined> {
    return this.deleteAccount(username, expiresAt);
  }

  /** One process writes a SQLite file, so ids are committed in order: `id > afterId` misses nothing. */
  async revocations(afterId: number, now: number): Promise<RevocationRow[]> {
    return this.revocationsStmt.all(afterId, now);
  }

  async setReadMarker(username: string, room: string, lastReadId: number): Promise<void> {
    this.setMarkerStmt.run(username, room, lastReadId, new Date().toISOString());
  }

  async unreadCounts(username: string, rooms: readonly string[], mention: string, cap: number): Promise<UnreadCount[]> {
    return this.readUnread(username, rooms, mention, cap);
  }

  async pruneRevocations(now: number): Promise<number> {
    return this.pruneStmt.run(now).changes;
  }

  /** Newest first: the last `limit` messages, or those with an id below `before`. */
  async history(room: string, limit: number, before?: number): Promise<StoredMessage[]> {
    return before === undefined ? this.latestStmt.all(room, limit) : this.beforeStmt.all(room, before, limit);
  }

  /** Oldest first: messages with an id above `since`, at most `limit`. */
  async since(room: string, since: number, limit: number): Promise<StoredMessage[]> {
    return this.sinceStmt.all(room, since, limit);
  }

  /** Commits a batch of messages in one transaction, then runs `afterCommit`. @returns their ids, in order. */
  async insertMessages(batch: readonly NewMessage[], afterCommit?: AfterCommit): Promise<number[]> {
    const ids = this.insertBatch(batch);
    await afterCommit?.(ids);
    return ids;
  }

  /** True when a write transaction can be taken (nothing is changed). */
  async isWritable(): Promise<boolean> {
    try {
      this.db.exec('BEGIN IMMEDIATE');
      this.db.exec('ROLLBACK');
      return true;
    } catch {
      return false;
    }
  }

  /** Closes the database handle (idempotent). */
  async close(): Promise<void> {
    if (this.db.open) this.db.close();
  }
}
