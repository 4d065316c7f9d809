-- 002: who created each room (per-account room quota), server-side token revocation and account deletion.
-- Rooms from before this version, and the seeded ones, have no creator (NULL): they count against no quota.
ALTER TABLE rooms ADD COLUMN created_by TEXT;
CREATE INDEX rooms_created_by ON rooms(created_by) WHERE created_by IS NOT NULL;

-- Every token carries the account's epoch at issue ("ep"); "log out everywhere" and deletion raise it, so every
-- older token is refused. A deleted account keeps its row as a tombstone (no password, deleted_at set): its name
-- stays reserved, so nobody else can take it and pass for the author of its messages.
ALTER TABLE users ADD COLUMN token_epoch INTEGER NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN deleted_at TEXT;
CREATE INDEX users_username ON users(username);

-- Revocations, read by every replica into its in-process cache. A row names one token (jti) or every token of
-- the account below min_epoch; it is useless once expires_at (unix seconds) has passed, and is then pruned.
CREATE TABLE token_revocations (
  id         INTEGER PRIMARY KEY AUTOINCREMENT,
  username   TEXT NOT NULL,
  jti        TEXT,
  min_epoch  INTEGER,
  expires_at INTEGER NOT NULL,
  created_at TEXT NOT NULL
);
CREATE INDEX token_revocations_expires_at ON token_revocations(expires_at);
