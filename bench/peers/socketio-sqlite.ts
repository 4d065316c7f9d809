/**
 * Peer 2 — what users would pick instead: socket.io's chat example (Express + socket.io) with
 * each message persisted to better-sqlite3 before it is emitted. Durability equals Shagram's:
 * WAL + synchronous=FULL, one INSERT (its own committed transaction) per message, then emit to
 * the room, sender included. History over the same table shape as Shagram:
 * `GET /api/messages/:room` → `{messages}`, the last 50, newest first.
 *
 * Rooms and user names come from the handshake query (`?room=&user=`); there is no auth.
 * Env: PORT (default 8091), HOST (default 127.0.0.1), DATABASE_PATH (default ./socketio-bench.db).
 */
import http from 'node:http';
import express from 'express';
import { Server } from 'socket.io';
import Database from 'better-sqlite3';

const db = new Database(process.env.DATABASE_PATH ?? './socketio-bench.db');
db.pragma('journal_mode = WAL');
db.pragma('synchronous = FULL');
db.exec(`CREATE TABLE IF NOT EXISTS messages (
  id INTEGER PRIMARY KEY AUTOINCREMENT, room_id TEXT NOT NULL, user TEXT NOT NULL, text TEXT NOT NULL, created_at TEXT NOT NULL);
  CREATE INDEX IF NOT EXISTS messages_room_id_id ON messages(room_id, id);`);
const insert = db.prepare('INSERT INTO messages(room_id, user, text, created_at) VALUES (?, ?, ?, ?)');
const latest = db.prepare('SELECT id, room_id, user, text, created_at FROM messages WHERE room_id = ? ORDER BY id DESC LIMIT 50');

const app = express();
app.get('/healthz', (_req, res) => {
  res.json({ status: 'ok' });
});
app.get('/api/messages/:room', (req, res) => {
  res.json({ messages: latest.all(req.params.room) });
});

const server = http.createServer(app);
const io = new Server(server);

io.on('connection', (socket) => {
  const room = String(socket.handshake.query.room ?? 'general');
  const user = String(socket.handshake.query.user ?? 'anonymous');
  void socket.join(room);
  socket.on('message', (msg: { text?: unknown }) => {
    if (typeof msg?.text !== 'string') return;
    const created_at = new Date().toISOString();
    const id = Number(insert.run(room, user, msg.text, created_at).lastInsertRowid);
    io.to(room).emit('message', { id, room, user, text: msg.text, created_at });
  });
});

server.listen(Number(process.env.PORT ?? 8091), process.env.HOST ?? '127.0.0.1');
process.once('SIGTERM', () => {
  io.close();
  db.close();
  process.exit(0);
});
