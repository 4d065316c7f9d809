// Scale-out lane: real PostgreSQL and Redis (Debian's packages, started here), two
// Shagram replicas as real processes, and Debian's nginx with an upstream of both, all on
// loopback. Clients on different replicas talk both ways; a replica killed with SIGKILL while the
// conversation goes on loses nothing and duplicates nothing for its clients, who reconnect through
// nginx with `since`; Redis and PostgreSQL restarts mid-conversation degrade visibly and recover by
// themselves. Every client's ledger is checked against the database (each committed id once, in
// order); the same guarantee under heavier streams is in delivery.system.test.ts.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startPostgres, type TestPostgres } from '../../../test/system-helpers/postgres';
import { startRedis, type RedisProcess } from '../../../test/system-helpers/redis';
import { freePort } from '../../../test/system-helpers/ports';
import { killAll, runUntilExit, spawnServer, type ServerProcess } from '../helpers/process';
import { startReplicaEdge, type ReplicaEdge } from './replica-edge';
import { LedgerClient } from './ledger-client';
import { connect } from '../helpers/client';
import { CLOSE_SESSION_REVOKED } from '../../src/ws/gateway';
import { committedIds } from './stream';

const ORIGIN = 'http://chat.test';
const JWT_SECRET = 'scale-out-lane-secret-that-is-long-enough-0123456789';

let pg: TestPostgres;
let redis: RedisProcess;
let edge: ReplicaEdge;
let replicas: ServerProcess[];
const clients: LedgerClient[] = [];

function replicaEnv(): Record<string, string> {
  return {
    DATABASE_URL: pg.url,
    REDIS_URL: redis.url,
    JWT_SECRET,
    WS_ALLOWED_ORIGINS: ORIGIN,
    MESSAGE_RATE_LIMIT: '10000/10',
    DATABASE_PATH: path.join(os.tmpdir(), 'unused-by-postgres.db'),
    LOG_LEVEL: 'info',
  };
}

async function registerUser(baseUrl: string, username: string): Promise<string> {
  const res = await fetch(`${baseUrl}/api/auth/register`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password: 'correct horse battery' }),
  });
  const body = (await res.json()) as { access_token: string };
  if (res.status !== 201) throw new Error(`register ${username}: ${res.status} ${JSON.stringify(body)}`);
  return body.access_token;
}

async function client(baseUrl: string, room: string, token: string): Promise<LedgerClient> {
  // Joining never creates a room: it is created first (409: it exists already).
  const made = await fetch(`${baseUrl.replace(/^ws/, 'http')}/api/rooms`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ name: room }),
  });
  if (made.status !== 201 && made.status !== 409) throw new Error(`creating room ${room}: ${made.status} ${await made.text()}`);
  const c = new LedgerClient(baseUrl, room, token, ORIGIN);
  await c.connect();
  clients.push(c);
  return c;
}

async function readyz(baseUrl: string): Promise<number> {
  try {
    return (await fetch(`${baseUrl}/readyz`)).status;
  } catch {
    return 0;
  }
}

/** Polls /readyz until it answers `status` (there is no event to await across processes). */
async function readyzBecomes(baseUrl: string, status: number, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while ((await readyz(baseUrl)) !== status) {
    if (Date.now() > deadline) throw new Error(`${baseUrl}/readyz never answered ${status}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Each message text exactly once, in increasing id order. */
function expectExactlyOnceInOrder(c: LedgerClient, texts: string[]): void {
  const mine = c.seen.filter((message) => texts.includes(message.text));
  expect(mine.map((message) => message.text).sort()).toEqual([...texts].sort());
  const ids = c.seen.map((message) => message.id);
  expect(new Set(ids).size).toBe(ids.length);
  expect([...ids].sort((a, b) => a - b)).toEqual(ids);
}

/**
 * The client's ledger is the room's committed messages, each once, in id order: no duplicate and no gap
 * (for a client that was in the room before its first message).
 */
async function expectLedgerIsDatabase(c: LedgerClient): Promise<void> {
  expect(c.seen.map((message) => message.id)).toEqual(await committedIds(pg, c.room));
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

beforeAll(async () => {
  [pg, redis] = await Promise.all([startPostgres(), startRedis()]);
  replicas = await Promise.all([spawnServer(replicaEnv()), spawnServer(replicaEnv())]);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'shagram-replica-edge-'));
  edge = await startReplicaEdge(dir, await freePort(), replicas.map((replica) => replica.port));
}, 120_000);

afterEach(() => {
  for (const c of clients.splice(0)) c.close();
});

afterAll(async () => {
  killAll();
  await edge?.stop();
  await Promise.all([pg?.stop(), redis?.stop()]);
}, 60_000);

test('both replicas report ready on PostgreSQL and Redis', async () => {
  for (const replica of replicas) {
    const res = await fetch(`${replica.url}/readyz`);
    expect(await res.json()).toEqual({ status: 'ready', database: 'postgres', fanout: 'redis' });
  }
});

test('clients on different replicas talk both ways, each message once, with one id sequence; presence spans replicas', async () => {
  const [a, b] = replicas as [ServerProcess, ServerProcess];
  const alice = await registerUser(a.url, 'alice');
  const bob = await registerUser(b.url, 'bob'); // accounts are shared: bob logs in on A below
  const onA = await client(a.wsUrl, 'general', alice);
  const onB = await client(b.wsUrl, 'general', bob);
  await onA.until('bob in presence', () => onA.presence.includes('bob') && onA.presence.includes('alice'));
  await onB.until('alice in presence', () => onB.presence.includes('alice'));

  onA.send('from A');
  onB.send('from B');
  for (const c of [onA, onB]) {
    await c.waitForText('from A');
    await c.waitForText('from B');
  }
  expect(onA.seen).toEqual(onB.seen);
  expectExactlyOnceInOrder(onA, ['from A', 'from B']);

  const login = await fetch(`${a.url}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: 'bob', password: 'correct horse battery' }),
  });
  expect(login.status).toBe(200);
  const history = (await (await fetch(`${b.url}/api/messages/general`)).json()) as { messages: Array<{ text: string }> };
  expect(history.messages.map((message) => message.text)).toEqual([...onA.texts()].reverse());

  onA.close();
  await onB.until('alice gone from presence', () => !onB.presence.includes('alice'));
});

test('a log-out on one replica closes the token\'s socket on the other (4001) and is refused there; log-out everywhere too', async () => {
  const [a, b] = replicas as [ServerProcess, ServerProcess];
  const frank = await registerUser(a.url, 'frank');
  const login = await fetch(`${b.url}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: 'frank', password: 'correct horse battery' }),
  });
  const second = ((await login.json()) as { access_token: string }).access_token;
  const me = async (url: string, token: string) => (await fetch(`${url}/api/me`, { headers: { authorization: `Bearer ${token}` } })).status;
  const onB = await connect(b.wsUrl, 'general', { token: frank, origin: ORIGIN, json: true });
  const otherOnB = await connect(b.wsUrl, 'general', { token: second, origin: ORIGIN, json: true });

  const out = await fetch(`${a.url}/api/auth/logout`, { method: 'POST', headers: { authorization: `Bearer ${frank}` } });
  expect(out.status).toBe(200);
  // B reads the revocation from PostgreSQL at its next poll (REVOCATION_POLL_MS) and closes the socket.
  expect((await onB.closed).code).toBe(CLOSE_SESSION_REVOKED);
  expect(await me(b.url, frank)).toBe(401);
  expect(await me(a.url, frank)).toBe(401);
  expect(await me(b.url, second)).toBe(200);

  const all = await fetch(`${a.url}/api/auth/logout-all`, { method: 'POST', headers: { authorization: `Bearer ${second}` } });
  expect(all.status).toBe(200);
  expect((await otherOnB.closed).code).toBe(CLOSE_SESSION_REVOKED);
  expect(await me(b.url, second)).toBe(401);
});

test('a replica killed with SIGKILL mid-conversation: its clients reconnect through nginx to the other with since, miss nothing and get nothing twice', async () => {
  const edgeUrl = `ws://127.0.0.1:${edge.port}`;
  const carol = await registerUser(replicas[0]!.url, 'carol');
  // Round robin spreads these over both replicas.
  const crowd = await Promise.all(Array.from({ length: 4 }, () => client(edgeUrl, 'failover', carol)));
  crowd[0]!.send('before the crash');
  for (const c of crowd) await c.waitForText('before the crash');

  const victim = replicas[1]!;
  const orphans = crowd.filter((c) => c.upstream === `127.0.0.1:${victim.port}`);
  const survivors = crowd.filter((c) => !orphans.includes(c));
  expect(orphans.length).toBeGreaterThan(0);
  expect(survivors.length).toBeGreaterThan(0);
  // The conversation goes on through the crash and the reconnects, so the orphans' replays overlap
  // live traffic: a message must reach them from the replay or live, never both.
  let talked = 0;
  const talk = setInterval(() => survivors[0]!.open && survivors[0]!.send(`during the failover ${++talked}`), 5);
  try {
    victim.child.kill('SIGKILL');
    await victim.exited;
    for (const c of orphans) await c.waitForClose();

    const missed = ['while-down-1', 'while-down-2', 'while-down-3'];
    for (const text of missed) survivors[0]!.send(text);
    for (const c of survivors) await c.waitForText('while-down-3');

    for (const c of orphans) await c.reconnect(20_000, edgeUrl);
    for (const c of orphans) {
      expect(c.upstream).not.toBe(`127.0.0.1:${victim.port}`);
      await c.waitForText('while-down-3');
      expectExactlyOnceInOrder(c, ['before the crash', ...missed]);
    }
    await sleep(300);
  } finally {
    clearInterval(talk);
  }
  expect(talked).toBeGreaterThan(20);
  orphans[0]!.send('after the failover');
  for (const c of crowd) await c.waitForText('after the failover');
  for (const c of crowd) expect(c.texts().filter((t) => t === 'after the failover')).toHaveLength(1);
  for (const c of crowd) await expectLedgerIsDatabase(c);
  for (const c of survivors) expect(c.open).toBe(true);
}, 90_000);

test('Redis restarted mid-conversation: replicas turn unready and close sockets, then recover; nothing acknowledged is lost', async () => {
  const live = replicas.filter((replica) => replica.child.exitCode === null && replica.child.signalCode === null);
  const target = live[0]!;
  const dave = await registerUser(target.url, 'dave');
  const talker = await client(target.wsUrl, 'outage', dave);
  const listener = await client(target.wsUrl, 'outage', dave);
  talker.send('before redis restart');
  await listener.waitForText('before redis restart');

  await redis.kill();
  expect(await talker.waitForClose()).toBe(1012);
  expect(await listener.waitForClose()).toBe(1012);
  await readyzBecomes(target.url, 503);

  await redis.restart();
  await readyzBecomes(target.url, 200);
  await talker.reconnect();
  await listener.reconnect();
  talker.send('after redis restart');
  await listener.waitForText('after redis restart');
  expectExactlyOnceInOrder(listener, ['before redis restart', 'after redis restart']);
  await expectLedgerIsDatabase(listener);
}, 90_000);

test('PostgreSQL restarted mid-conversation: sends are refused with "unavailable", then work again without restarting replicas', async () => {
  const target = replicas.find((replica) => replica.child.exitCode === null && replica.child.signalCode === null)!;
  const erin = await registerUser(target.url, 'erin');
  const c = await client(target.wsUrl, 'pg-outage', erin);
  c.send('before pg restart');
  await c.waitForText('before pg restart');

  await pg.down();
  await readyzBecomes(target.url, 503);
  c.send('during pg outage');
  await c.until('an unavailable error', () => c.errors.includes('unavailable'));
  await pg.up();
  await readyzBecomes(target.url, 200);
  c.send('after pg restart');
  await c.waitForText('after pg restart');
  expect(c.texts()).toEqual(['before pg restart', 'after pg restart']);
  await expectLedgerIsDatabase(c);
  const history = (await (await fetch(`${target.url}/api/messages/pg-outage`)).json()) as { messages: Array<{ text: string }> };
  expect(history.messages.map((message) => message.text)).toEqual(['after pg restart', 'before pg restart']);
}, 90_000);

test('an unreachable Redis at start fails with one readable line and exit code 1', async () => {
  const port = await freePort();
  const { code, stderr } = await runUntilExit({ ...replicaEnv(), REDIS_URL: `redis://:sekret@127.0.0.1:${port}` });
  expect(code).toBe(1);
  expect(stderr.trim().split('\n')).toHaveLength(1);
  expect(stderr).toMatch(/cannot reach Redis at redis:\/\/127\.0\.0\.1:\d+/);
  expect(stderr).not.toContain('sekret');
}, 30_000);
