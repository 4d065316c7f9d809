import type Database from 'better-sqlite3';

/** A stored chat message as the API returns it. */
export interface StoredMessage {
  id: number;
  room_id: string;
  user: string;
  text: string;
  created_at: string;
}

/** A message waiting to be committed. */
export interface NewMessage {
  room: string;
  user: string;
  text: string;
  createdAt: string;
}

export interface UserRow {
  username: string;
  password_hash: string;
}

/** Every query the server runs, prepared once. */
export class Store {
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
    this.insertBatch = db.transaction((batch: NewMessage[]) =>
      batch.map((message) => Number(this.insertMessageStmt.run(message.room, message.user, message.text, message.createdAt).lastInsertRowid)),
    );
  }

  /** Creates an account. @returns false when the name (case-insensitively) is taken. */
  createUser(username: string, key: string, passwordHash: string): boolean {
    try {
      this.insertUserStmt.run(username, key, passwordHash, new Date().toISOString());
      return true;
    } catch (error) {
      if ((error as { code?: string }).code === 'SQLITE_CONSTRAINT_UNIQUE') return false;
      throw error;
    }
  }

  findUser(key: string): UserRow | undefined {
    return this.findUserStmt.get(key);
  }

  listRooms(): string[] {
    return this.listRoomsStmt.all().map((row) => row.name);
  }

  roomExists(name: string): boolean {
    return this.roomExistsStmt.get(name) !== undefined;
  }

  /** @returns true when the room was created, false when it already existed. */
  createRoom(name: string): boolean {
    return this.insertRoomStmt.run(name, new Date().toISOString()).changes === 1;
  }

  /** Newest first: the last `limit` messages, or those with an id below `before`. */
  history(room: string, limit: number, before?: number): StoredMessage[] {
    return before === undefined ? this.latestStmt.all(room, limit) : this.beforeStmt.all(room, before, limit);
  }

  /** Oldest first: messages with an id above `since`, at most `limit`. */
  since(room: string, since: number, limit: number): StoredMessage[] {
    return this.sinceStmt.all(room, since, limit);
  }

  /** Commits a batch of messages in one transaction. @returns their ids, in order. */
  insertMessages(batch: NewMessage[]): number[] {
    return this.insertBatch(batch);
  }

  /** True when a write transaction can be taken (nothing is changed). */
  isWritable(): boolean {
    try {
      this.db.exec('BEGIN IMMEDIATE');
      this.db.exec('ROLLBACK');
      return true;
    } catch {
      return false;
    }
  }
}
