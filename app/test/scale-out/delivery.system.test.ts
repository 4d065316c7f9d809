// The delivery guarantee under failures , on the real thing: PostgreSQL and Redis
// (Debian's, started here), two Shagram replicas as real processes, JSON-mode readers split across
// them that reconnect with `since=<largest id seen>` whenever their socket closes, and a sender
// alternating between the replicas. The truth is the database: after each scenario every reader
// must have received every committed id of the room exactly once, in id order — never twice,
// never not at all (docs/delivery.md).
import os from 'node:os';
import path from 'node:path';
import { startPostgres, type TestPostgres } from '../../../test/system-helpers/postgres';
import { startRedis, type RedisProcess } from '../../../test/system-helpers/redis';
import { killAll, spawnServer, type ServerProcess } from '../helpers/process';
import { settle, StreamReader, StreamSender, type Target } from './stream';

const ORIGIN = 'http://chat.test';
const JWT_SECRET = 'delivery-lane-secret-that-is-long-enough-0123456789';
const READERS = 10;

let pg: TestPostgres;
let redis: RedisProcess;
let replicas: ServerProcess[];
let token: string;
const running: Array<StreamReader | StreamSender> = [];

function replicaEnv(): Record<string, string> {
  return {
    DATABASE_URL: pg.url,
    REDIS_URL: redis.url,
    JWT_SECRET,
    WS_ALLOWED_ORIGINS: ORIGIN,
    MESSAGE_RATE_LIMIT: '100000/10',
    DATABASE_PATH: path.join(os.tmpdir(), 'unused-by-postgres.db'),
    LOG_LEVEL: 'info',
  };
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function alive(replica: ServerProcess): boolean {
  return replica.child.exitCode === null && replica.child.signalCode === null;
}

/** Always the same replica. */
const fixed =
  (replica: ServerProcess): Target =>
  () =>
    replica.wsUrl;

/** The replica of the first attempt, then any live one in turn (a load balancer that skips a dead upstream). */
const preferring =
  (replica: ServerProcess): Target =>
  (attempt) => {
    if (attempt === 0) return replica.wsUrl;
    const live = replicas.filter(alive);
    return (live[attempt % live.length] ?? replica).wsUrl;
  };

/** `count` readers of `room`, alternating between the replicas, all connected (no `since`). */
async function readersOf(room: string, target: (replica: ServerProcess) => Target, count = READERS): Promise<StreamReader[]> {
  // Joining never creates a room: it is created first.
  const made = await fetch(`${replicas[0]!.url}/api/rooms`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ name: room }),
  });
  if (made.status !== 201) throw new Error(`creating room ${room}: ${made.status} ${await made.text()}`);
  const readers = Array.from(
    { length: count },
    (_, i) => new StreamReader(`reader-${i}@${i % 2 === 0 ? 'A' : 'B'}`, { room, token, origin: ORIGIN, target: target(replicas[i % 2]!) }),
  );
  await Promise.all(readers.map((reader) => reader.start()));
  running.push(...readers);
  return readers;
}

async function senderOf(room: string, target: (replica: ServerProcess) => Target, intervalMs: number): Promise<StreamSender> {
  const sender = new StreamSender(replicas.map((replica) => target(replica)), room, token, ORIGIN);
  await sender.start(intervalMs);
  running.push(sender);
  return sender;
}

/** Polls /readyz of every live replica until each answers 200. */
async function allReady(timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (const replica of replicas.filter(alive)) {
    for (;;) {
      const status = await fetch(`${replica.url}/readyz`).then(
        (res) => res.status,
        () => 0,
      );
      if (status === 200) break;
      if (Date.now() > deadline) throw new Error(`${replica.url}/readyz never answered 200`);
      await sleep(100);
    }
  }
}

beforeAll(async () => {
  [pg, redis] = await Promise.all([startPostgres(), startRedis()]);
  replicas = await Promise.all([spawnServer(replicaEnv()), spawnServer(replicaEnv())]);
  const res = await fetch(`${replicas[0]!.url}/api/auth/register`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: 'streamer', password: 'correct horse battery' }),
  });
  token = ((await res.json()) as { access_token: string }).access_token;
}, 120_000);

afterEach(async () => {
  await Promise.all(running.splice(0).map((client) => client.stop()));
});

afterAll(async () => {
  killAll();
  await Promise.all([pg?.stop(), redis?.stop()]);
}, 60_000);

test('readers reconnecting with since all the time while the conversation runs: every committed id exactly once', async () => {
  // The plainest form of the race behind duplicates after a reconnect: a replay reads a message that is committed but
  // still on its way through Redis, and the fan-out then delivers it live too.
  const room = 'churn';
  const readers = await readersOf(room, fixed);
  const sender = await senderOf(room, fixed, 3);
  const churn = setInterval(() => readers[Math.floor(Math.random() * readers.length)]!.drop(), 40);
  try {
    await sleep(4000);
  } finally {
    clearInterval(churn);
  }
  const { committed, problems } = await settle(pg, room, sender, readers);
  expect(committed.length).toBeGreaterThan(100);
  expect(problems).toEqual([]);
  expect(readers.reduce((sum, reader) => sum + reader.connections.length, 0)).toBeGreaterThan(READERS + 50);
}, 60_000);

test('Redis SIGKILLed and restarted on the same port 1.5 s later, three times mid-stream: every reader gets every committed id exactly once', async () => {
  const room = 'redis-outage';
  const readers = await readersOf(room, fixed);
  const sender = await senderOf(room, fixed, 3);
  await sleep(500);
  for (let cycle = 0; cycle < 3; cycle++) {
    await redis.kill();
    await sleep(1500);
    await redis.restart();
    await allReady();
    // Readers reconnect (with since) while the sender is already sending again.
    await Promise.all(readers.map((reader) => reader.until('reconnected', () => reader.open, 20_000)));
    await sleep(700);
  }
  const { committed, problems } = await settle(pg, room, sender, readers);
  expect(committed.length).toBeGreaterThan(100);
  expect(problems).toEqual([]);
  // Every reader really went through the outages (closed by its replica, back with since).
  for (const reader of readers) expect(reader.connections.filter((c) => c.closeCode === 1012).length).toBeGreaterThanOrEqual(3);
}, 110_000);

test('PostgreSQL restarted mid-stream while readers keep reconnecting: every committed id exactly once', async () => {
  const room = 'pg-outage';
  const readers = await readersOf(room, fixed);
  const sender = await senderOf(room, fixed, 3);
  // Some readers reconnect during the outage too: their replay cannot be read (closed with 1011, nothing
  // sent), and they try again until it can.
  const churn = setInterval(() => readers[Math.floor(Math.random() * readers.length)]!.drop(), 100);
  try {
    await sleep(500);
    await pg.down();
    await sleep(1500);
    await pg.up();
    await allReady();
    await sleep(1000);
  } finally {
    clearInterval(churn);
  }
  const { committed, problems } = await settle(pg, room, sender, readers);
  expect(committed.length).toBeGreaterThan(100);
  expect(problems).toEqual([]);
  expect(sender.errors).toContain('unavailable'); // sends during the outage were refused, not lost silently
  expect(readers.some((reader) => reader.connections.some((c) => c.closeCode === 1011))).toBe(true);
}, 110_000);

// Last: it kills replica B for good.
test('a replica SIGKILLed mid-stream: its readers move to the other with since, and every reader gets every committed id exactly once', async () => {
  const room = 'replica-crash';
  const readers = await readersOf(room, preferring);
  const sender = await senderOf(room, preferring, 3);
  await sleep(1000);
  const victim = replicas[1]!;
  victim.child.kill('SIGKILL');
  await victim.exited;
  await sleep(1500);
  const { committed, problems } = await settle(pg, room, sender, readers);
  expect(committed.length).toBeGreaterThan(100);
  expect(problems).toEqual([]);
  const orphans = readers.filter((reader) => reader.connections[0]!.url === victim.wsUrl);
  expect(orphans.length).toBe(READERS / 2);
  for (const reader of orphans) expect(reader.connections.at(-1)!.url).toBe(replicas[0]!.wsUrl);
}, 60_000);
