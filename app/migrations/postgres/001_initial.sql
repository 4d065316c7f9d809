-- 001: accounts, rooms and message history. PostgreSQL twin of ../001_initial.sql (same version number,
-- same tables and columns, same API shapes). Applied by app/src/db/postgres-migrations.ts.
-- Timestamps stay text: the API returns created_at exactly as the server wrote it (an ISO string).
-- COLLATE "C" on names: byte order, as SQLite sorts them, whatever the cluster's default locale is.
CREATE TABLE users (
  id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  username      text NOT NULL,
  -- lower-cased NFC form: names are unique regardless of case ("Alice" and "alice" are one account)
  username_key  text COLLATE "C" NOT NULL UNIQUE,
  password_hash text NOT NULL,
  created_at    text NOT NULL
);

CREATE TABLE rooms (
  name       text COLLATE "C" PRIMARY KEY,
  created_at text NOT NULL
);

-- Ids come from the identity sequence: never reused, and shared by every replica, so `since=<id>` replay
-- stays exact across replicas. "user" is a reserved word in PostgreSQL, hence the quotes.
CREATE TABLE messages (
  id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  room_id    text COLLATE "C" NOT NULL REFERENCES rooms(name),
  "user"     text NOT NULL,
  text       text NOT NULL,
  created_at text NOT NULL
);

-- Serves history ("last N of a room, before id X") and since-replay ("room, id > X").
CREATE INDEX messages_room_id_id ON messages(room_id, id);

INSERT INTO rooms(name, created_at) VALUES
  ('general', to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')),
  ('chat',    to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')),
  ('dev',     to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'));
