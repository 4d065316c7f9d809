-- 002: who created each room (per-account room quota), server-side token revocation and account deletion.
-- PostgreSQL twin of ../002_room_owners_and_revocation.sql. Rooms from before this version, and the seeded ones,
-- have no creator (NULL): they count against no quota.
ALTER TABLE rooms ADD COLUMN created_by text;
CREATE INDEX rooms_created_by ON rooms(created_by) WHERE created_by IS NOT NULL;

-- Every token carries the account's epoch at issue ("ep"); "log out everywhere" and deletion raise it, so every
-- older token is refused. A deleted account keeps its row as a tombstone (no password, deleted_at set): its name
-- stays reserved, so nobody else can take it and pass for the author of its messages.
ALTER TABLE users ADD COLUMN token_epoch integer NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN deleted_at text;
CREATE INDEX users_username ON users(username);

-- Revocations, read by every replica into its in-process cache. A row names one token (jti) or every token of
-- the account below min_epoch; it is useless once expires_at (unix seconds) has passed, and is then pruned.
-- created_at is the database's clock: a replica re-reads the last minute's rows on every poll, so a row whose
-- id was drawn before, but committed after, one it has already read is not skipped.
CREATE TABLE token_revocations (
  id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  username   text NOT NULL,
  jti        text,
  min_epoch  integer,
  expires_at bigint NOT NULL,
  created_at timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE INDEX token_revocations_expires_at ON token_revocations(expires_at);
CREATE INDEX token_revocations_created_at ON token_revocations(created_at);
