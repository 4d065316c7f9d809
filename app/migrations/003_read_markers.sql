-- 003: where each account last read each room, for the unread counts of the room list. One row per account and
-- room it has opened (upserted, never moved back). Counts are read through messages_room_id_id ("room, id > X"),
-- at most a capped number of rows per room, so they need no further index. (A rowid table: migrate-to-postgres
-- pages through it by rowid.)
CREATE TABLE read_markers (
  username     TEXT NOT NULL,
  room_id      TEXT NOT NULL,
  last_read_id INTEGER NOT NULL,
  updated_at   TEXT NOT NULL,
  PRIMARY KEY (username, room_id)
);
