import type Database from 'better-sqlite3';
import type { AfterCommit, ChatStore, NewMessage, StoredMessage, UserRow } from './chat-store';

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
