-- 003: where each account last read each room, for the unread counts of the room list.
-- PostgreSQL twin of ../003_read_markers.sql. One row per account and room it has opened (upserted, never moved
-- back). Counts are read through messages_room_id_id ("room, id > X"), at most a capped number of rows per room.
CREATE TABLE read_markers (
  username     text NOT NULL,
  room_id      text COLLATE "C" NOT NULL,
  last_read_id bigint NOT NULL,
  updated_at   timestamptz NOT NULL DEFAULT clock_timestamp(),
  PRIMARY KEY (username, room_id)
);
