-- 001: accounts, rooms and message history.
CREATE TABLE users (
  id            INTEGER PRIMARY KEY,
  username      TEXT NOT NULL,
  -- lower-cased NFC form: names are unique regardless of case ("Alice" and "alice" are one account)
  username_key  TEXT NOT NULL UNIQUE,
  password_hash TEXT NOT NULL,
  created_at    TEXT NOT NULL
);

CREATE TABLE rooms (
  name       TEXT PRIMARY KEY,
  created_at TEXT NOT NULL
) WITHOUT ROWID;

-- AUTOINCREMENT: ids are never reused, so `since=<id>` replay stays exact.
CREATE TABLE messages (
  id         INTEGER PRIMARY KEY AUTOINCREMENT,
  room_id    TEXT NOT NULL REFERENCES rooms(name),
  user       TEXT NOT NULL,
  text       TEXT NOT NULL,
  created_at TEXT NOT NULL
);

-- Serves history ("last N of a room, before id X") and since-replay ("room, id > X").
CREATE INDEX messages_room_id_id ON messages(room_id, id);

INSERT INTO rooms(name, created_at) VALUES
  ('general', strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
  ('chat',    strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
  ('dev',     strftime('%Y-%m-%dT%H:%M:%fZ', 'now'));
