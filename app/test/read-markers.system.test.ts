// Read markers and unread counts on both engines, side by side: a real throwaway PostgreSQL cluster (Debian's
// binaries, test/system-helpers/postgres.ts) and a SQLite file, both with the real migrations, give the same
// answers; and each engine reads the counts through the messages' (room_id, id) index.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import type { ChatStore, NewMessage } from '../src/db/chat-store';
import { openDatabase } from '../src/db/sqlite-database';
import { openPostgresStore, type PostgresStore } from '../src/db/postgres-store';
import { SqliteStore } from '../src/db/sqlite-store';
import { startPostgres, type TestPostgres } from '../../test/system-helpers/postgres';

jest.setTimeout(120_000);

const PG_MIGRATIONS = path.resolve(__dirname, '..', 'migrations', 'postgres');
const SQLITE_MIGRATIONS = path.resolve(__dirname, '..', 'migrations');

let cluster: TestPostgres;
let postgres: PostgresStore;
let postgresUrl: string;
let sqlite: SqliteStore;
let dir: string;

beforeAll(async () => {
  cluster = await startPostgres();
  postgresUrl = await cluster.createDatabase(`markers${process.pid}`);
  postgres = await openPostgresStore(postgresUrl, PG_MIGRATIONS);
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'shagram-markers-'));
  sqlite = new SqliteStore(openDatabase(path.join(dir, 'shagram.db'), SQLITE_MIGRATIONS));
}, 120_000);

afterAll(async () => {
  await postgres?.close();
  await sqlite?.close();
  await cluster?.stop();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

const at = (i: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, i)).toISOString();

/** The same story on one engine; returns what it answered along the way. */
async function story(store: ChatStore): Promise<unknown[]> {
  const answers: unknown[] = [];
  for (const room of ['alpha', 'beta', 'gamma']) await store.createRoom(room);
  const batch = (room: string, user: string, texts: string[]): NewMessage[] => texts.map((text, i) => ({ room, user, text, createdAt: at(i) }));
  const [a1] = await store.insertMessages(batch('alpha', 'bob', ['one']));
  await store.setReadMarker('Alice', 'alpha', a1!);
  await store.setReadMarker('Alice', 'beta', 0);
  answers.push(await store.unreadCounts('Alice', ['alpha', 'beta', 'gamma'], '@alice', 5));
  await store.insertMessages(batch('alpha', 'bob', ['two', 'hey @ALICE', 'mail x@alice.example']));
  await store.insertMessages(batch('alpha', 'Alice', ['mine, @alice']));
  await store.insertMessages(batch('beta', 'carol', ['b1', 'b2', 'b3', 'b4', 'b5', 'b6', 'b7']));
  answers.push(await store.unreadCounts('Alice', ['gamma', 'beta', 'alpha'], '@alice', 5));
  answers.push(await store.unreadCounts('Bob', ['alpha', 'beta'], '@bob', 5));
  // Never back, forward works.
  await store.setReadMarker('Alice', 'alpha', 0);
  answers.push(await store.unreadCounts('Alice', ['alpha'], '@alice', 5));
  const [last] = await store.history('beta', 1);
  await store.setReadMarker('Alice', 'beta', last!.id);
  answers.push(await store.unreadCounts('Alice', ['beta'], '@alice', 5));
  answers.push(await store.unreadCounts('Alice', [], '@alice', 5));
  return answers;
}

test('SQLite and PostgreSQL count the same: by others, mentions among them, capped, markers never move back', async () => {
  const fromSqlite = await story(sqlite);
  const fromPostgres = await story(postgres);
  expect(fromPostgres).toEqual(fromSqlite);
  expect(fromSqlite).toEqual([
    [
      { room: 'alpha', unread: 0, mentions: 0, capped: false },
      { room: 'beta', unread: 0, mentions: 0, capped: false },
    ],
    [
      { room: 'beta', unread: 5, mentions: 0, capped: true },
      // "x@alice.example" holds "@alice" too: the server's count is a substring match (the page highlights exactly).
      { room: 'alpha', unread: 3, mentions: 2, capped: false },
    ],
    [],
    [{ room: 'alpha', unread: 3, mentions: 2, capped: false }],
    [{ room: 'beta', unread: 0, mentions: 0, capped: false }],
    [],
  ]);
});

test('both engines read the counts through the (room_id, id) index, not a scan of messages', async () => {
  const plan = sqlite.db
    .prepare(`EXPLAIN QUERY PLAN SELECT user, text FROM messages WHERE room_id = ? AND id > ? ORDER BY id LIMIT ?`)
    .all('alpha', 0, 100) as Array<{ detail: string }>;
  expect(plan.map((row) => row.detail).join('\n')).toMatch(/USING (COVERING )?INDEX messages_room_id_id/);

  const client = new pg.Client({ connectionString: postgresUrl });
  await client.connect();
  try {
    await client.query('SET enable_seqscan = off'); // a tiny table: make the planner show the index it can use
    const rows = await client.query<{ 'QUERY PLAN': string }>(
      `EXPLAIN SELECT count(*) FROM read_markers r CROSS JOIN LATERAL (
         SELECT "user", text FROM messages WHERE room_id = r.room_id AND id > r.last_read_id ORDER BY id LIMIT 100) m
       WHERE r.username = 'Alice' AND r.room_id = ANY(ARRAY['alpha','beta'])`,
    );
    const text = rows.rows.map((row) => row['QUERY PLAN']).join('\n');
    expect(text).toMatch(/messages_room_id_id/);
    expect(text).toMatch(/read_markers_pkey/);
  } finally {
    await client.end();
  }
});
