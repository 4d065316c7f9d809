/**
 * The storage contract the server speaks. Two engines implement it: SQLite (`sqlite-store.ts`,
 * the embedded default) and PostgreSQL (`postgres-store.ts`, chosen by `DATABASE_URL`). Every
 * method is asynchronous so that both engines fit; the SQLite engine answers synchronously
 * inside the promise.
 */

/** A stored chat message as the API returns it. */
export interface StoredMessage {
  id: number;
  room_id: string;
  user: string;
  text: string;
  created_at: string;
  /**
   * Only on a message on its way to the sockets, and only from an engine that knows it (PostgreSQL): the
   * id of the message committed just before it in the same room (0 for a room's first). A replica that
   * never received that one live can tell (see Hub); never sent to clients.
   */
  prev?: number;
}

/** A message waiting to be committed. */
export interface NewMessage {
  room: string;
  user: string;
  text: string;
  createdAt: string;
}

/** An account as stored. */
export interface UserRow {
  username: string;
  password_hash: string;
}

/** The password hash a deleted account keeps: no password matches it. */
export const DELETED_PASSWORD_HASH = 'deleted';

/** What {@link ChatStore.createRoomFor} did. */
export type CreateRoomResult = 'created' | 'exists' | 'quota';

/**
 * A stored revocation: one token (`jti`), or every token of `username` whose epoch is below `min_epoch`.
 * `expires_at` (unix seconds) is when the last token it names expires: after that it is useless and pruned.
 */
export interface RevocationRow {
  id: number;
  username: string;
  jti: string | null;
  min_epoch: number | null;
  expires_at: number;
}

/** A room's unread messages for one account, as {@link ChatStore.unreadCounts} reads them. */
export interface UnreadCount {
  room: string;
  /** Messages by others after the account's read marker, counted among the first `cap` after it. */
  unread: number;
  /** Of those, the ones whose text holds the mention (`@name`, case-insensitively). */
  mentions: number;
  /** True when `cap` messages follow the marker: the count is "cap or more". */
  capped: boolean;
}

/**
 * Runs right after a batch is committed, with the ids the database gave it (in batch order) and, from
 * the PostgreSQL engine, `prev`: for each message the id of the message committed just before it in the
 * same room (0 for a room's first). The PostgreSQL engine still holds the batch's per-room order locks
 * while it runs, so across replicas the messages of one room are published in id order. A rejection is
 * reported to the caller of `insertMessages` (the rows stay committed).
 */
export type AfterCommit = (ids: number[], prev?: number[]) => void | Promise<void>;

export interface ChatStore {
  /** Which engine this is, for logs and `/readyz`. */
  readonly engine: 'sqlite' | 'postgres';
  /** Creates an account. @returns false when the name (case-insensitively, by `key`) is taken. */
  createUser(username: string, key: string, passwordHash: string): Promise<boolean>;
  findUser(key: string): Promise<UserRow | undefined>;
  /** Room names, sorted. */
  listRooms(): Promise<string[]>;
  roomExists(name: string): Promise<boolean>;
  /** @returns true when the room was created, false when it already existed. The room has no creator. */
  createRoom(name: string): Promise<boolean>;
  /** Room names after `after` (bytewise), sorted, at most `limit`. */
  listRoomsPage(after: string | undefined, limit: number): Promise<string[]>;
  /**
   * Creates a room on behalf of `createdBy`, unless that account already created `quota` rooms (checked and
   * inserted atomically, so concurrent requests cannot pass the quota together).
   */
  createRoomFor(name: string, createdBy: string, quota: number): Promise<CreateRoomResult>;
  /** The account's current token epoch; undefined for an unknown or deleted account. */
  tokenEpoch(username: string): Promise<number | undefined>;
  /** Records the revocation of one token (`jti`) of `username`, valid until `expiresAt` (unix seconds). */
  revokeToken(username: string, jti: string, expiresAt: number): Promise<void>;
  /**
   * Raises the account's token epoch (every token issued before is revoked) and records it.
   * @returns the new epoch, or undefined for an unknown or deleted account.
   */
  revokeAllTokens(username: string, expiresAt: number): Promise<number | undefined>;
  /**
   * Deletes an account: its password hash is wiped, `deleted_at` set, its epoch raised (recorded like
   * {@link revokeAllTokens}). The row stays as a tombstone so the name is never given to someone else; its
   * messages and rooms stay. @returns the new epoch, or undefined when there was no live account of that name.
   */
  deleteUser(username: string, expiresAt: number): Promise<number | undefined>;
  /** Unexpired revocations (expires_at > `now`) with an id above `afterId` (and, PostgreSQL, the last minute's), by id. */
  revocations(afterId: number, now: number): Promise<RevocationRow[]>;
  /** Forgets revocations that expired at or before `now` (unix seconds). @returns how many. */
  pruneRevocations(now: number): Promise<number>;
  /**
   * Moves `username`'s read marker in `room` forward to `lastReadId` (never back; created on first use).
   * The room must exist.
   */
  setReadMarker(username: string, room: string, lastReadId: number): Promise<void>;
  /**
   * Unread counts of `username` in those of `rooms` where it has a read marker (others are left out): for each,
   * the first `cap` messages after the marker (through the room-and-id index, so the cost is bounded by
   * rooms × cap whatever the room's size), those by others, and among them those holding `mention`
   * (lower-cased, e.g. `@alice`).
   */
  unreadCounts(username: string, rooms: readonly string[], mention: string, cap: number): Promise<UnreadCount[]>;
  /** Newest first: the last `limit` messages of a room, or those with an id below `before`. */
  history(room: string, limit: number, before?: number): Promise<StoredMessage[]>;
  /** Oldest first: messages of a room with an id above `since`, at most `limit`. */
  since(room: string, since: number, limit: number): Promise<StoredMessage[]>;
  /**
   * Commits a batch in one transaction (all or nothing), then awaits `afterCommit(ids)`.
   * @returns the ids, in batch order. Rejects when the commit fails (nothing was stored).
   */
  insertMessages(batch: readonly NewMessage[], afterCommit?: AfterCommit): Promise<number[]>;
  /** True when a write could be taken now (nothing is changed). Used by `/readyz`. */
  isWritable(): Promise<boolean>;
  /** Closes the engine; pending work is finished first. */
  close(): Promise<void>;
}
