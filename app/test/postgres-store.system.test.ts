// The PostgreSQL engine against a real, throwaway PostgreSQL cluster (Debian's binaries; see
// test/system-helpers/postgres.ts). No mocks: every assertion goes through the pg driver and the server.
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import type { NewMessage, StoredMessage } from '../src/db/chat-store';
import { openDatabase } from '../src/db/sqlite-database';
import { readMigrations } from '../src/db/migration-files';
import { migratePostgres } from '../src/db/postgres-migrations';
import { openPostgresStore, type PostgresStore } from '../src/db/postgres-store';
import { SqliteStore } from '../src/db/sqlite-store';
import { startPostgres, type TestPostgres } from '../../test/system-helpers/postgres';

const PG_MIGRATIONS = path.resolve(__dirname, '..', 'migrations', 'postgres');
const SQLITE_MIGRATIONS = path.resolve(__dirname, '..', 'migrations');

let cluster: TestPostgres;
let databases = 0;
const open: PostgresStore[] = [];
const scratch: string[] = [];

/** A SQLite engine on a fresh file with the real migrations, for side-by-side comparisons. */
function sqliteStore(): SqliteStore {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'shagram-sq-'));
  scratch.push(dir);
  return new SqliteStore(openDatabase(path.join(dir, 'shagram.db'), SQLITE_MIGRATIONS));
}

/** A fresh, empty database on the shared cluster. */
function freshDatabase(): Promise<string> {
  databases += 1;
  return cluster.createDatabase(`t${process.pid}_${databases}`);
}

async function store(url: string): Promise<PostgresStore> {
  const opened = await openPostgresStore(url, PG_MIGRATIONS);
  open.push(opened);
  return opened;
}

async function sql<R extends pg.QueryResultRow>(url: string, text: string, values: unknown[] = []): Promise<R[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<R>(text, values)).rows;
  } finally {
    await client.end();
  }
}

function message(room: string, index: number): NewMessage {
  return { room, user: `user${index % 3}`, text: `message ${index} in ${room} — ünïcødé ✓`, createdAt: new Date(Date.UTC(2024, 0, 1, 0, 0, index)).toISOString() };
}

/** Resolves once `condition` holds, polling it (each poll is a real query); fails after `ms`. */
async function until(condition: () => Promise<boolean>, what: string, ms = 20_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setImmediate(resolve));
  }
}

beforeAll(async () => {
  cluster = await startPostgres();
}, 120_000);

afterEach(async () => {
  await Promise.all(open.splice(0).map((opened) => opened.close()));
});

afterAll(async () => {
  await cluster?.stop();
  for (const dir of scratch) fs.rmSync(dir, { recursive: true, force: true });
});

describe('PostgresStore', () => {
  test('migrations apply once, are idempotent, and two replicas starting at once do not race', async () => {
    const url = await freshDatabase();
    // Two "replicas" open the same empty database at the same moment.
    const [first, second] = await Promise.all([store(url), store(url)]);
    expect(first.engine).toBe('postgres');
    expect(await second.listRooms()).toEqual(['chat', 'dev', 'general']);
    const recorded = await sql<{ version: number; name: string }>(url, 'SELECT version, name FROM schema_migrations ORDER BY version');
    expect(recorded).toEqual(readMigrations(PG_MIGRATIONS).map((migration) => ({ version: migration.version, name: migration.name })));
    // A later start finds nothing pending and changes nothing.
    await store(url);
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      expect(await migratePostgres(client, readMigrations(PG_MIGRATIONS))).toEqual([]);
    } finally {
      await client.end();
    }
    expect(await sql(url, 'SELECT count(*)::int AS n FROM rooms')).toEqual([{ n: 3 }]);
    // The history index exists.
    const indexes = await sql<{ indexdef: string }>(url, "SELECT indexdef FROM pg_indexes WHERE indexname = 'messages_room_id_id'");
    expect(indexes[0]?.indexdef).toContain('(room_id, id)');
  });

  test('a failing migration leaves the database exactly as it was', async () => {
    const url = await freshDatabase();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'shagram-pg-mig-'));
    fs.writeFileSync(path.join(dir, '001_ok.sql'), 'CREATE TABLE a(x int);');
    fs.writeFileSync(path.join(dir, '002_broken.sql'), 'CREATE TABLE b(y int); THIS IS NOT SQL;');
    await expect(openPostgresStore(url, dir)).rejects.toThrow(/^cannot open PostgreSQL at postgres:\/\/shagram@127\.0\.0\.1:\d+\/t\d+_\d+: syntax error/);
    expect(await sql(url, "SELECT to_regclass('a') AS a, to_regclass('schema_migrations') AS m")).toEqual([{ a: null, m: null }]);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('accounts are unique by key (case-insensitively), found by key', async () => {
    const db = await store(await freshDatabase());
    expect(await db.createUser('Alice', 'alice', 'hash-1')).toBe(true);
    expect(await db.createUser('ALICE', 'alice', 'hash-2')).toBe(false);
    expect(await db.createUser('Эмиль', 'эмиль', 'hash-3')).toBe(true);
    expect(await db.findUser('alice')).toEqual({ username: 'Alice', password_hash: 'hash-1' });
    expect(await db.findUser('эмиль')).toEqual({ username: 'Эмиль', password_hash: 'hash-3' });
    expect(await db.findUser('bob')).toBeUndefined();
  });

  test('rooms: seeded, created once, listed in the same (bytewise) order as SQLite', async () => {
    const db = await store(await freshDatabase());
    const sqlite = sqliteStore();
    expect(await db.roomExists('general')).toBe(true);
    expect(await db.roomExists('nope')).toBe(false);
    for (const name of ['a-b', 'a_c', 'ab', 'a0', 'zz', 'b-', 'b_']) {
      expect(await db.createRoom(name)).toBe(true);
      expect(await sqlite.createRoom(name)).toBe(true);
    }
    expect(await db.createRoom('a-b')).toBe(false);
    expect(await db.createRoom('general')).toBe(false);
    expect(await db.roomExists('a_c')).toBe(true);
    expect(await db.listRooms()).toEqual(await sqlite.listRooms());
    await sqlite.close();
  });

  test('history and since page exactly like the SQLite engine for the same inserts', async () => {
    const db = await store(await freshDatabase());
    const sqlite = sqliteStore();
    const batches: NewMessage[][] = [];
    for (let i = 0; i < 40; i++) batches.push([message('general', i), message(i % 2 ? 'dev' : 'general', i + 100), message('chat', i + 200)].slice(0, (i % 3) + 1));
    for (const batch of batches) {
      const pgIds = await db.insertMessages(batch);
      expect(pgIds).toEqual(await sqlite.insertMessages(batch));
    }
    const same = async (read: (engine: PostgresStore | SqliteStore) => Promise<StoredMessage[]>): Promise<StoredMessage[]> => {
      const got = await read(db);
      expect(got).toEqual(await read(sqlite));
      return got;
    };
    const latest = await same((engine) => engine.history('general', 10));
    expect(latest).toHaveLength(10);
    expect(latest.map((row) => row.id)).toEqual([...latest.map((row) => row.id)].sort((a, b) => b - a));
    expect(typeof latest[0]?.id).toBe('number');
    expect(latest[0]).toEqual({ id: expect.any(Number), room_id: 'general', user: expect.any(String), text: expect.any(String), created_at: expect.stringMatching(/^2024-01-01T/) });
    await same((engine) => engine.history('general', 10, latest[9]!.id));
    await same((engine) => engine.history('dev', 200));
    await same((engine) => engine.history('dev', 5, 1));
    await same((engine) => engine.history('nope', 5));
    const replay = await same((engine) => engine.since('chat', 0, 7));
    expect(replay.map((row) => row.id)).toEqual([...replay.map((row) => row.id)].sort((a, b) => a - b));
    await same((engine) => engine.since('chat', replay[6]!.id, 200));
    await same((engine) => engine.since('general', 1_000_000, 10));
    await sqlite.close();
  });

  test('a batch is atomic: one invalid row (unknown room) stores nothing and publishes nothing', async () => {
    const url = await freshDatabase();
    const db = await store(url);
    await db.insertMessages([message('general', 1)]);
    const afterCommit = jest.fn();
    await expect(db.insertMessages([message('general', 2), message('no-such-room', 3), message('dev', 4)], afterCommit)).rejects.toThrow(/foreign key/);
    expect(afterCommit).not.toHaveBeenCalled();
    expect(await sql(url, 'SELECT count(*)::int AS n FROM messages')).toEqual([{ n: 1 }]);
    // The connection is usable again and holds no lock: the next batch on the same rooms goes through.
    const ids = await db.insertMessages([message('general', 5), message('dev', 6)]);
    expect(ids[1]).toBe(ids[0]! + 1);
    expect(await sql(url, "SELECT count(*)::int AS n FROM pg_locks WHERE locktype = 'advisory'")).toEqual([{ n: 0 }]);
  });

  test('afterCommit runs after the commit with the ids in batch order; its rejection is passed on, rows stay', async () => {
    const url = await freshDatabase();
    const db = await store(url);
    const seen: { ids: number[]; visible: number }[] = [];
    const ids = await db.insertMessages([message('dev', 1), message('chat', 2), message('dev', 3)], async (committed) => {
      // Visible to another connection: the rows are committed before anything is published.
      const rows = await sql<{ n: number }>(url, 'SELECT count(*)::int AS n FROM messages WHERE id = ANY($1::bigint[])', [committed]);
      seen.push({ ids: committed, visible: rows[0]!.n });
    });
    expect(seen).toEqual([{ ids, visible: 3 }]);
    expect(ids).toEqual([ids[0], ids[0]! + 1, ids[0]! + 2]);
    expect((await db.since('dev', 0, 10)).map((row) => row.text)).toEqual([message('dev', 1).text, message('dev', 3).text]);
    await expect(db.insertMessages([message('chat', 4)], () => Promise.reject(new Error('fan-out down')))).rejects.toThrow('fan-out down');
    expect((await db.history('chat', 1))[0]?.text).toBe(message('chat', 4).text);
    expect(await sql(url, "SELECT count(*)::int AS n FROM pg_locks WHERE locktype = 'advisory'")).toEqual([{ n: 0 }]);
  });

  test('afterCommit gets, for each message, the id committed just before it in its room (0 for a room\'s first)', async () => {
    const db = await store(await freshDatabase());
    const calls: { ids: number[]; prev: number[] | undefined }[] = [];
    const record = (ids: number[], prev?: number[]): void => {
      calls.push({ ids, prev });
    };
    const first = await db.insertMessages([message('dev', 1), message('chat', 2), message('dev', 3)], record);
    const second = await db.insertMessages([message('chat', 4), message('dev', 5), message('dev', 6)], record);
    expect(calls).toEqual([
      { ids: first, prev: [0, 0, first[0]] },
      { ids: second, prev: [first[1], first[2], second[1]] },
    ]);
    // Concurrent writers of one room: each batch's prev is the last id committed before it, whoever wrote it.
    const prevOf = new Map<number, number>();
    await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        db.insertMessages([message('general', i)], (ids, prev) => {
          prevOf.set(ids[0]!, prev![0]!);
        }),
      ),
    );
    const ids = [...prevOf.keys()].sort((a, b) => a - b);
    const before = (await db.since('general', 0, 100)).map((row) => row.id).filter((id) => id < ids[0]!);
    expect(ids.map((id) => prevOf.get(id))).toEqual([before.at(-1) ?? 0, ...ids.slice(0, -1)]);
  });

  test('two replicas writing one room: a writer waits while the other publishes, so publication follows id order', async () => {
    const url = await freshDatabase();
    const [replicaA, replicaB] = await Promise.all([store(url), store(url)]);
    const waiting = async (): Promise<boolean> =>
      (await sql<{ n: number }>(url, "SELECT count(*)::int AS n FROM pg_locks WHERE locktype = 'advisory' AND NOT granted"))[0]!.n === 1;

    // Deterministic part: A has committed and is publishing (gate closed); B's batch for the same room must
    // wait on the room lock, while B's batch for another room goes straight through.
    let openGate!: () => void;
    const gate = new Promise<void>((resolve) => (openGate = resolve));
    let entered!: () => void;
    const inAfterCommit = new Promise<void>((resolve) => (entered = resolve));
    const published: string[] = [];
    const a = replicaA.insertMessages([message('chat', 1)], async (ids) => {
      entered();
      await gate;
      published.push(`A${ids[0]}`);
    });
    await inAfterCommit;
    const b = replicaB.insertMessages([message('dev', 2), message('chat', 3)], async (ids) => {
      published.push(`B${ids[1]}`);
    });
    const other = await replicaB.insertMessages([message('general', 4)]);
    expect(other).toHaveLength(1);
    await until(waiting, "B's wait for the room lock");
    expect(published).toEqual([]);
    openGate();
    const [aIds, bIds] = await Promise.all([a, b]);
    expect(published).toEqual([`A${aIds[0]}`, `B${bIds[1]}`]);
    expect(bIds[1]).toBeGreaterThan(aIds[0]!);

    // Under load: many concurrent batches from both replicas; every room's publications come in id order.
    const order = new Map<string, number[]>();
    const writes: Promise<number[]>[] = [];
    for (let i = 0; i < 60; i++) {
      const replica = i % 2 ? replicaA : replicaB;
      const batch = [message(i % 3 ? 'chat' : 'dev', i), message(i % 4 ? 'chat' : 'general', i + 1000)];
      writes.push(
        replica.insertMessages(batch, async (ids) => {
          await new Promise((resolve) => setImmediate(resolve));
          batch.forEach((m, index) => order.set(m.room, [...(order.get(m.room) ?? []), ids[index]!]));
        }),
      );
    }
    await Promise.all(writes);
    for (const [, ids] of order) expect(ids).toEqual([...ids].sort((x, y) => x - y));
    expect(order.get('chat')!.length).toBeGreaterThan(40);
    expect(await sql(url, "SELECT count(*)::int AS n FROM pg_locks WHERE locktype = 'advisory'")).toEqual([{ n: 0 }]);
  }, 120_000);

  test('isWritable answers true on a primary, false once closed; close can be called twice', async () => {
    const db = await store(await freshDatabase());
    expect(await db.isWritable()).toBe(true);
    await db.close();
    expect(await db.isWritable()).toBe(false);
    await db.close(); // afterEach closes it a third time
  });

  test('an unreachable server or a wrong password fails at start with one readable line, never the password', async () => {
    const port = await new Promise<number>((resolve) => {
      const server = net.createServer().listen(0, '127.0.0.1', () => {
        const { port: free } = server.address() as net.AddressInfo;
        server.close(() => resolve(free));
      });
    });
    const refused = openPostgresStore(`postgres://shagram:top-secret@127.0.0.1:${port}/shagram`, PG_MIGRATIONS, { connectTimeoutMs: 2000 });
    await expect(refused).rejects.toThrow(new RegExp(`^cannot reach PostgreSQL at postgres://shagram@127\\.0\\.0\\.1:${port}/shagram: ECONNREFUSED$`));
    const wrong = cluster.url.replace('shagram-test', 'not-the-password');
    const denied = await openPostgresStore(wrong, PG_MIGRATIONS).catch((error: Error) => error);
    expect(String(denied)).toMatch(/cannot open PostgreSQL at postgres:\/\/shagram@127\.0\.0\.1:\d+\/shagram: password authentication failed for user "shagram"/);
    expect(String(denied)).not.toContain('not-the-password');
  });

  test('PostgreSQL restarted under a live store: calls reject during the outage and succeed afterwards without reopening', async () => {
    const idleErrors: Error[] = [];
    const url = await freshDatabase();
    const db = await openPostgresStore(url, PG_MIGRATIONS, { onIdleError: (error) => idleErrors.push(error) });
    open.push(db);
    const before = await db.insertMessages([message('general', 1), message('general', 2)]);
    // Several idle pooled connections exist when the server goes away.
    await Promise.all([db.history('general', 5), db.listRooms(), db.findUser('x'), db.since('general', 0, 5)]);
    await cluster.down();
    try {
      await expect(db.history('general', 5)).rejects.toThrow();
      const afterCommit = jest.fn();
      await expect(db.insertMessages([message('general', 3)], afterCommit)).rejects.toThrow();
      expect(afterCommit).not.toHaveBeenCalled();
      expect(await db.isWritable()).toBe(false);
    } finally {
      await cluster.up();
    }
    expect(await db.isWritable()).toBe(true);
    expect((await db.history('general', 5)).map((row) => row.id)).toEqual([...before].reverse());
    const after = await db.insertMessages([message('general', 4)]);
    expect(after[0]).toBeGreaterThan(before[1]!);
    expect((await db.since('general', before[1]!, 10)).map((row) => row.id)).toEqual(after);
  }, 120_000);
});

describe('PostgresStore: room creators and token revocation (same answers as SQLite)', () => {
  test('createRoomFor: created / exists / quota, the creator recorded; racing creations never pass the quota', async () => {
    const url = await freshDatabase();
    const db = await store(url);
    const sqlite = sqliteStore();
    for (const engine of [db, sqlite]) {
      expect(await engine.createRoomFor('mine-1', 'alice', 2)).toBe('created');
      expect(await engine.createRoomFor('mine-1', 'alice', 2)).toBe('exists');
      expect(await engine.createRoomFor('general', 'alice', 2)).toBe('exists');
      expect(await engine.createRoomFor('mine-2', 'alice', 2)).toBe('created');
      expect(await engine.createRoomFor('mine-3', 'alice', 2)).toBe('quota');
      expect(await engine.createRoomFor('mine-3', 'bob', 2)).toBe('created');
    }
    const results = await Promise.all(Array.from({ length: 12 }, (_, i) => db.createRoomFor(`race-${i}`, 'carol', 3)));
    expect(results.filter((result) => result === 'created')).toHaveLength(3);
    expect(results.filter((result) => result === 'quota')).toHaveLength(9);
    expect(await sql(url, "SELECT name, created_by FROM rooms WHERE name LIKE 'mine-%' ORDER BY name")).toEqual([
      { name: 'mine-1', created_by: 'alice' },
      { name: 'mine-2', created_by: 'alice' },
      { name: 'mine-3', created_by: 'bob' },
    ]);
    expect(await sql(url, "SELECT created_by FROM rooms WHERE name = 'general'")).toEqual([{ created_by: null }]);
    await sqlite.close();
  });

  test('listRoomsPage pages in the same (bytewise) order as SQLite', async () => {
    const db = await store(await freshDatabase());
    const sqlite = sqliteStore();
    for (const name of ['a-b', 'a_c', 'ab', 'a0', 'zz', 'b-', 'b_']) {
      await db.createRoom(name);
      await sqlite.createRoom(name);
    }
    for (const [after, limit] of [[undefined, 3], ['a_c', 2], ['b_', 10], ['zz', 5], [undefined, 100]] as const) {
      expect(await db.listRoomsPage(after, limit)).toEqual(await sqlite.listRoomsPage(after, limit));
    }
    expect(await db.listRoomsPage(undefined, 100)).toEqual(await db.listRooms());
    await sqlite.close();
  });

  test('epochs, revocations, account deletion (a tombstone) and pruning answer like SQLite', async () => {
    const db = await store(await freshDatabase());
    const sqlite = sqliteStore();
    const now = 1_900_000_000;
    for (const engine of [db, sqlite]) {
      expect(await engine.createUser('Alice', 'alice', 'hash-1')).toBe(true);
      expect(await engine.tokenEpoch('Alice')).toBe(0);
      expect(await engine.tokenEpoch('nobody')).toBeUndefined();
      await engine.revokeToken('Alice', 'jti-1', now + 100);
      expect(await engine.revokeAllTokens('Alice', now + 3600)).toBe(1);
      expect(await engine.revokeAllTokens('nobody', now + 3600)).toBeUndefined();
      expect(await engine.tokenEpoch('Alice')).toBe(1);
      expect(await engine.deleteUser('Alice', now + 3600)).toBe(2);
      expect(await engine.deleteUser('Alice', now + 3600)).toBeUndefined();
      expect(await engine.tokenEpoch('Alice')).toBeUndefined();
      expect(await engine.revokeAllTokens('Alice', now + 3600)).toBeUndefined();
      // the name stays taken; no password matches the tombstone
      expect(await engine.findUser('alice')).toEqual({ username: 'Alice', password_hash: 'deleted' });
      expect(await engine.createUser('ALICE', 'alice', 'hash-2')).toBe(false);
    }
    const strip = (rows: Array<{ id: number }>) => rows.map(({ id: _id, ...rest }) => rest);
    const pgRows = await db.revocations(0, now);
    expect(strip(pgRows)).toEqual(strip(await sqlite.revocations(0, now)));
    expect(strip(pgRows)).toEqual([
      { username: 'Alice', jti: 'jti-1', min_epoch: null, expires_at: now + 100 },
      { username: 'Alice', jti: null, min_epoch: 1, expires_at: now + 3600 },
      { username: 'Alice', jti: null, min_epoch: 2, expires_at: now + 3600 },
    ]);
    expect(typeof pgRows[0]!.id).toBe('number');
    // expired rows are not returned, and pruning deletes them
    expect(strip(await db.revocations(0, now + 100))).toHaveLength(2);
    expect(await db.pruneRevocations(now + 100)).toBe(1);
    expect(await sqlite.pruneRevocations(now + 100)).toBe(1);
    expect(strip(await db.revocations(0, now))).toEqual(strip(await sqlite.revocations(0, now)));
    await sqlite.close();
  });

  test('a revocation whose id was drawn before, but committed after, one already read is still read on the next poll', async () => {
    const url = await freshDatabase();
    const db = await store(url);
    const slow = new pg.Client({ connectionString: url });
    await slow.connect();
    try {
      const exp = Math.floor(Date.now() / 1000) + 3600;
      await slow.query('BEGIN');
      await slow.query("INSERT INTO token_revocations(username, jti, min_epoch, expires_at) VALUES ('a', 'drawn-first', NULL, $1)", [exp]);
      await db.revokeToken('b', 'committed-first', exp);
      const first = await db.revocations(0, exp - 3600);
      expect(first.map((row) => row.jti)).toEqual(['committed-first']);
      const cursor = first[0]!.id;
      await slow.query('COMMIT');
      const next = await db.revocations(cursor, exp - 3600);
      expect(next.map((row) => row.jti)).toContain('drawn-first');
      expect(next.find((row) => row.jti === 'drawn-first')!.id).toBeLessThan(cursor);
    } finally {
      await slow.end();
    }
  });
});
