/**
 * RedisFanOut against a real redis-server (Debian's, `scripts/setup.d/61-redis.sh`): two or three
 * instances in this process play the replicas, each with a recording sink; a crashed replica is a
 * child process killed with SIGKILL. Every wait is on a sink event (or a deadline that fails the
 * test), never a fixed sleep.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import type { StoredMessage } from '../src/db/chat-store';
import type { FanOutSink } from '../src/fanout/fan-out';
import { RedisFanOut, type RedisFanOutOptions } from '../src/fanout/redis-fan-out';
import { encodeBatch } from '../src/fanout/redis-payloads';
import { RedisUrlError } from '../src/fanout/redis-url';
import { startRedis, type RedisProcess } from '../../test/system-helpers/redis';
import { freePort } from '../../test/system-helpers/ports';

const ROOT = path.resolve(__dirname, '../..');

type Event =
  | { kind: 'deliver'; messages: readonly StoredMessage[] }
  | { kind: 'presence'; room: string; users: string[] }
  | { kind: 'availability'; up: boolean };

/** A hub stand-in: local users are set by the test; every call is recorded and can be awaited. */
class RecordingSink implements FanOutSink {
  readonly events: Event[] = [];
  readonly local = new Map<string, string[]>();
  private readonly waiters = new Set<() => void>();

  constructor(readonly name: string) {}

  deliver(messages: readonly StoredMessage[]): void {
    this.push({ kind: 'deliver', messages });
  }
  presence(room: string, users: string[]): void {
    this.push({ kind: 'presence', room, users });
  }
  localUsers(room: string): string[] {
    return [...(this.local.get(room) ?? [])].sort();
  }
  localRooms(): string[] {
    return [...this.local.keys()];
  }
  availability(up: boolean): void {
    this.push({ kind: 'availability', up });
  }

  /** Ids of every delivered message, in delivery order. */
  ids(room?: string): number[] {
    return this.events.flatMap((event) =>
      event.kind === 'deliver' ? event.messages.filter((m) => !room || m.room_id === room).map((m) => m.id) : [],
    );
  }
  batches(): number {
    return this.events.filter((event) => event.kind === 'deliver').length;
  }
  presenceOf(room: string): string[] | undefined {
    const last = this.events.filter((event) => event.kind === 'presence' && event.room === room).pop();
    return last?.kind === 'presence' ? last.users : undefined;
  }
  presenceCalls(room: string): number {
    return this.events.filter((event) => event.kind === 'presence' && event.room === room).length;
  }
  availabilities(): boolean[] {
    return this.events.flatMap((event) => (event.kind === 'availability' ? [event.up] : []));
  }

  /** Resolves when `predicate` holds (checked now and after every sink call); rejects after `timeoutMs`. */
  waitFor(what: string, predicate: () => boolean, timeoutMs = 10_000): Promise<void> {
    if (predicate()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const check = (): void => {
        if (!predicate()) return;
        clearTimeout(timer);
        this.waiters.delete(check);
        resolve();
      };
      const timer = setTimeout(() => {
        this.waiters.delete(check);
        reject(new Error(`${this.name}: timed out after ${timeoutMs} ms waiting for ${what}; events: ${JSON.stringify(this.events.slice(-8))}`));
      }, timeoutMs);
      this.waiters.add(check);
    });
  }

  private push(event: Event): void {
    this.events.push(event);
    for (const waiter of [...this.waiters]) waiter();
  }
}

const message = (id: number, room = 'general', user = 'alice'): StoredMessage => ({
  id,
  room_id: room,
  user,
  text: `message ${id}`,
  created_at: new Date(1_790_000_000_000 + id).toISOString(),
});

interface Replica {
  fanOut: RedisFanOut;
  sink: RecordingSink;
  warnings: string[];
}

const live: RedisFanOut[] = [];

async function replica(url: string, name: string, options: Partial<RedisFanOutOptions> = {}): Promise<Replica> {
  const sink = new RecordingSink(name);
  const warnings: string[] = [];
  const fanOut = new RedisFanOut({ url, replicaId: `test-${name}`, onWarning: (line) => warnings.push(line), ...options });
  await fanOut.start(sink);
  live.push(fanOut);
  return { fanOut, sink, warnings };
}

/** Sets a replica's local users of a room (as the hub would after joins/leaves) and tells the fan-out. */
function setLocal(target: Replica, room: string, users: string[]): void {
  if (users.length === 0) target.sink.local.delete(room);
  else target.sink.local.set(room, users);
  target.fanOut.presenceChanged(room);
}

afterEach(async () => {
  await Promise.all(live.splice(0).map((fanOut) => fanOut.close()));
});

describe('messages', () => {
  let redis: RedisProcess;
  beforeAll(async () => {
    redis = await startRedis();
  });
  afterAll(async () => {
    await redis.stop();
  });

  test('a batch published on A is delivered exactly once to A, B and C, in publish order', async () => {
    const [a, b, c] = await Promise.all(['A', 'B', 'C'].map((name) => replica(redis.url, name)));
    await a!.fanOut.publish([message(1), message(2, 'ops'), message(3)]);
    await a!.fanOut.publish([message(4)]);
    // A sentinel published after everything: anything duplicated would arrive before it.
    await b!.fanOut.publish([message(5)]);
    for (const r of [a!, b!, c!]) {
      await r.sink.waitFor('message 5', () => r.sink.ids().includes(5));
      expect(r.sink.ids()).toEqual([1, 2, 3, 4, 5]);
      expect(r.sink.batches()).toBe(3);
      expect(r.sink.events.find((event) => event.kind === 'deliver')).toEqual({
        kind: 'deliver',
        messages: [message(1), message(2, 'ops'), message(3)],
      });
      expect(r.fanOut.stats.delivered).toBe(3);
      expect(r.warnings).toEqual([]);
    }
    await expect(a!.fanOut.publish([])).resolves.toBeUndefined();
  });

  test('interleaved publishes from A, B and C, each awaited in turn, arrive in that order everywhere', async () => {
    const replicas = await Promise.all(['A', 'B', 'C'].map((name) => replica(redis.url, name)));
    const total = 300;
    let seed = 7;
    const random = (): number => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    for (let id = 1; id <= total; id++) {
      const publisher = replicas[Math.floor(random() * replicas.length)]!;
      // Like the server: the next publish for the room starts after the previous one resolved.
      await publisher.fanOut.publish([message(id, id % 3 === 0 ? 'ops' : 'general')]);
    }
    for (const r of replicas) {
      await r.sink.waitFor(`message ${total}`, () => r.sink.ids().length === total);
      expect(r.sink.ids()).toEqual(Array.from({ length: total }, (_, i) => i + 1));
    }
  });

  test('publishes not awaited in between keep their call order (one publisher connection)', async () => {
    const [a, b] = await Promise.all(['A', 'B'].map((name) => replica(redis.url, name)));
    const ids = Array.from({ length: 200 }, (_, i) => i + 1);
    await Promise.all(ids.map((id) => a!.fanOut.publish([message(id)])));
    for (const r of [a!, b!]) {
      await r.sink.waitFor('200 messages', () => r.sink.ids().length === ids.length);
      expect(r.sink.ids()).toEqual(ids);
    }
  });

  test('malformed payloads published by hand are ignored and counted; the replica keeps working', async () => {
    const [a, b] = await Promise.all(['A', 'B'].map((name) => replica(redis.url, name)));
    const raw = new Redis(redis.url);
    try {
      const junk = [
        'not json',
        '{"v":1}',
        JSON.stringify({ v: 99, r: 'x', m: [message(1)] }),
        JSON.stringify({ v: 1, r: 'x', m: [{ ...message(1), id: -1 }] }),
        JSON.stringify({ v: 1, r: 'x', m: [] }),
        '',
      ];
      for (const payload of junk) await raw.publish('shagram:messages', payload);
      await raw.publish('shagram:presence', '{"rooms":42}');
      await raw.publish('shagram:messages', encodeBatch('by-hand', [message(42)]));
      for (const r of [a!, b!]) {
        await r.sink.waitFor('message 42', () => r.sink.ids().includes(42));
        expect(r.sink.ids()).toEqual([42]);
        expect(r.fanOut.stats.malformed).toBe(junk.length + 1);
        expect(r.fanOut.available).toBe(true);
        expect(r.warnings.some((line) => line.includes('malformed message payload (not JSON)'))).toBe(true);
      }
      await a!.fanOut.publish([message(43)]);
      await b!.sink.waitFor('message 43', () => b!.sink.ids().includes(43));
    } finally {
      raw.disconnect();
    }
  });
});

describe('presence', () => {
  let redis: RedisProcess;
  beforeAll(async () => {
    redis = await startRedis();
  });
  afterAll(async () => {
    await redis.stop();
  });

  const fast = { presenceTtlMs: 1000, heartbeatMs: 200 };

  test('every replica with peers in a room sees the union of all replicas; others are not bothered', async () => {
    const [a, b, c] = await Promise.all(['A', 'B', 'C'].map((name) => replica(redis.url, name, fast)));
    setLocal(a!, 'general', ['alice']);
    setLocal(b!, 'general', ['bob', 'alice']);
    setLocal(b!, 'ops', ['bob']);
    for (const r of [a!, b!]) {
      await r.sink.waitFor('alice and bob', () => JSON.stringify(r.sink.presenceOf('general')) === '["alice","bob"]');
    }
    await b!.sink.waitFor('ops', () => JSON.stringify(b!.sink.presenceOf('ops')) === '["bob"]');
    setLocal(b!, 'general', []);
    for (const r of [a!]) await r.sink.waitFor('only alice', () => JSON.stringify(r.sink.presenceOf('general')) === '["alice"]');
    setLocal(c!, 'general', ['carol']);
    for (const r of [a!, c!]) {
      await r.sink.waitFor('alice and carol', () => JSON.stringify(r.sink.presenceOf('general')) === '["alice","carol"]');
    }
    // B left general: it is not told about it any more; A never had ops.
    expect(b!.sink.presenceOf('general')).not.toEqual(['alice', 'carol']);
    expect(a!.sink.presenceCalls('ops')).toBe(0);
  });

  test('the replicas set names a replica only while it has peers (read in order on its own connection)', async () => {
    const c = await replica(redis.url, 'C', { presenceTtlMs: 60_000, heartbeatMs: 20_000 });
    // Commands on one connection run in order: a read on the replica's own publishing connection comes after
    // everything the replica queued before it (the start's heartbeat, each presence change).
    const own = (c.fanOut as unknown as { pub: Redis }).pub;
    const listed = () => own.sismember('shagram:replicas', 'test-C');
    await expect(listed()).resolves.toBe(0);
    setLocal(c, 'general', ['carol']);
    await expect(listed()).resolves.toBe(1);
    await expect(own.pttl('shagram:presence:test-C')).resolves.toBeGreaterThan(50_000);
    setLocal(c, 'general', []);
    await expect(listed()).resolves.toBe(0);
    await expect(own.exists('shagram:presence:test-C')).resolves.toBe(0);
  });

  test('close() withdraws a replica at once', async () => {
    const [a, b] = await Promise.all(['A', 'B'].map((name) => replica(redis.url, name, { presenceTtlMs: 60_000, heartbeatMs: 20_000 })));
    setLocal(a!, 'general', ['alice']);
    setLocal(b!, 'general', ['bob']);
    await a!.sink.waitFor('alice and bob', () => JSON.stringify(a!.sink.presenceOf('general')) === '["alice","bob"]');
    await b!.fanOut.close();
    // Far sooner than the 60 s TTL or the 20 s heartbeat: close() deleted the hash and announced it.
    await a!.sink.waitFor('only alice', () => JSON.stringify(a!.sink.presenceOf('general')) === '["alice"]', 5000);
    const raw = new Redis(redis.url);
    try {
      expect(await raw.exists('shagram:presence:test-B')).toBe(0);
      expect(await raw.exists('shagram:presence:test-A')).toBe(1);
      expect(await raw.pttl('shagram:presence:test-A')).toBeGreaterThan(50_000);
    } finally {
      raw.disconnect();
    }
  });

  test('a replica killed with SIGKILL disappears from the others after about the TTL', async () => {
    const a = await replica(redis.url, 'A', fast);
    setLocal(a, 'general', ['alice']);
    const child = await spawnReplica(redis.url, 'crashy', 'general', 'carol', fast);
    try {
      await a.sink.waitFor('alice and carol', () => JSON.stringify(a.sink.presenceOf('general')) === '["alice","carol"]');
      const killedAt = Date.now();
      child.kill('SIGKILL');
      await a.sink.waitFor('carol gone', () => JSON.stringify(a.sink.presenceOf('general')) === '["alice"]', 5000);
      const elapsed = Date.now() - killedAt;
      // TTL (1000 ms) counted from the last heartbeat, plus at most one sweep period (200 ms) and slack.
      expect(elapsed).toBeLessThan(fast.presenceTtlMs + 3 * fast.heartbeatMs + 500);
      const raw = new Redis(redis.url);
      try {
        expect(await raw.sismember('shagram:replicas', 'test-crashy')).toBe(0);
      } finally {
        raw.disconnect();
      }
    } finally {
      child.kill('SIGKILL');
    }
  });

  test('a malformed presence value written by hand is ignored', async () => {
    const a = await replica(redis.url, 'A', fast);
    const raw = new Redis(redis.url);
    try {
      await raw.multi().hset('shagram:presence:evil', 'general', 'not json').pexpire('shagram:presence:evil', 5000).sadd('shagram:replicas', 'evil').exec();
      setLocal(a, 'general', ['alice']);
      await a.sink.waitFor('alice', () => JSON.stringify(a.sink.presenceOf('general')) === '["alice"]');
      expect(a.fanOut.stats.malformed).toBeGreaterThan(0);
    } finally {
      await raw.del('shagram:presence:evil');
      raw.disconnect();
    }
  });
});

/** Runs TypeScript `source` in a child node process (through tsx's loader); its folder is removed at exit. */
function spawnTs(source: string): ChildProcess {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'shagram-replica-'));
  const script = path.join(dir, 'child.ts');
  fs.writeFileSync(script, source);
  // node itself (not the tsx wrapper, which would leave its node child alive after a SIGKILL).
  const child = spawn(process.execPath, ['--import', 'tsx', script], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  child.once('exit', () => fs.rmSync(dir, { recursive: true, force: true }));
  return child;
}

/** Starts a RedisFanOut in a child process with one local user, resolves once it is up. */
async function spawnReplica(url: string, name: string, room: string, user: string, timings: object): Promise<ChildProcess> {
  const child = spawnTs(`import { RedisFanOut } from ${JSON.stringify(path.join(ROOT, 'app/src/fanout/redis-fan-out'))};
const users = new Map<string, string[]>([[${JSON.stringify(room)}, [${JSON.stringify(user)}]]]);
const fanOut = new RedisFanOut({ url: ${JSON.stringify(url)}, replicaId: ${JSON.stringify(`test-${name}`)}, ...${JSON.stringify(timings)} });
fanOut
  .start({ deliver() {}, presence() {}, availability() {}, localUsers: (r) => users.get(r) ?? [], localRooms: () => [...users.keys()] })
  .then(() => {
    fanOut.presenceChanged(${JSON.stringify(room)});
    process.stdout.write('started\\n');
    setInterval(() => undefined, 1 << 30);
  }, (error: Error) => {
    process.stderr.write(error.message + '\\n');
    process.exit(1);
  });
`);
  await new Promise<void>((resolve, reject) => {
    let output = '';
    const timer = setTimeout(() => reject(new Error(`replica ${name} did not start: ${output}`)), 30_000);
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('started')) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`replica ${name} exited ${code}: ${output}`));
    });
  });
  return child;
}

describe('misconfiguration', () => {
  const handles = (): Record<string, number> => {
    const counts: Record<string, number> = {};
    for (const kind of process.getActiveResourcesInfo()) counts[kind] = (counts[kind] ?? 0) + 1;
    // Sockets only: other tests' timers (jest's, closed clients') come and go at any time here;
    // timers are checked by the child-process test below.
    return { TCPSocketWrap: counts.TCPSocketWrap ?? 0, TCPWRAP: counts.TCPWRAP ?? 0 };
  };

  test('an unreachable Redis at start rejects with one readable line and leaves nothing running', async () => {
    const port = await freePort();
    const before = handles();
    const fanOut = new RedisFanOut({ url: `redis://app:Sup3rSecret@127.0.0.1:${port}/0` });
    const sink = new RecordingSink('X');
    const error = await fanOut.start(sink).then(
      () => undefined,
      (caught: Error) => caught,
    );
    expect(error?.message).toBe(`cannot reach Redis at redis://127.0.0.1:${port}: ECONNREFUSED`);
    expect(fanOut.available).toBe(false);
    await expect(fanOut.publish([message(1)])).rejects.toThrow(/unavailable/);
    fanOut.presenceChanged('general');
    await new Promise((resolve) => setImmediate(resolve));
    expect(handles()).toEqual(before);
    expect(sink.events).toEqual([]);
    await fanOut.close();
  });

  test('a process whose start failed exits by itself at once (no timer or reconnect loop left)', async () => {
    const port = await freePort();
    const child = spawnTs(`import { RedisFanOut } from ${JSON.stringify(path.join(ROOT, 'app/src/fanout/redis-fan-out'))};
const fanOut = new RedisFanOut({ url: 'redis://app:Sup3rSecret@127.0.0.1:${port}' });
fanOut
  .start({ deliver() {}, presence() {}, availability() {}, localUsers: () => [], localRooms: () => [] })
  .then(() => process.stdout.write('started\\n'), (error: Error) => process.stdout.write('rejected: ' + error.message + '\\n'));
`);
    let output = '';
    let rejectedAt = 0;
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('rejected') && rejectedAt === 0) rejectedAt = Date.now();
    });
    child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    const lingered = Date.now() - rejectedAt;
    expect(output.trim()).toBe(`rejected: cannot reach Redis at redis://127.0.0.1:${port}: ECONNREFUSED`);
    expect(code).toBe(0);
    // ioredis' stray 2 s stream timer or a reconnect loop would keep the process alive.
    expect(lingered).toBeLessThan(1000);
  }, 30_000);

  test('a wrong password is reported without the password', async () => {
    const redis = await startRedis({ password: 'the-right-one' });
    try {
      const wrong = new RedisFanOut({ url: `redis://:Sup3rSecret@127.0.0.1:${redis.port}` });
      const error = await wrong.start(new RecordingSink('W')).then(
        () => undefined,
        (caught: Error) => caught,
      );
      expect(error?.message).toMatch(new RegExp(`^Redis at redis://127\\.0\\.0\\.1:${redis.port} refused the connection: WRONGPASS`));
      expect(error?.message).not.toContain('Sup3rSecret');
      const missing = new RedisFanOut({ url: redis.url });
      await expect(missing.start(new RecordingSink('M'))).rejects.toThrow(/a password is required \(NOAUTH\)$/);
      const right = await replica(`redis://:the-right-one@127.0.0.1:${redis.port}`, 'R');
      await right.fanOut.publish([message(1)]);
      await right.sink.waitFor('message 1', () => right.sink.ids().includes(1));
    } finally {
      await Promise.all(live.splice(0).map((fanOut) => fanOut.close()));
      await redis.stop();
    }
  });

  test('a non-Redis URL or bad timings fail in the constructor with one line', () => {
    expect(() => new RedisFanOut({ url: 'http://Sup3rSecret@cache:6379' })).toThrow(RedisUrlError);
    expect(() => new RedisFanOut({ url: 'http://cache:6379' })).toThrow('Redis URL must start with redis:// or rediss:// (got http://)');
    expect(() => new RedisFanOut({ url: 'redis://cache', heartbeatMs: 5000, presenceTtlMs: 5000 })).toThrow(/heartbeatMs must be below/);
    expect(() => new RedisFanOut({ url: 'redis://cache', replicaId: 'has space' })).toThrow(/replica id/);
  });
});

describe('Redis lost and back at run time', () => {
  let redis: RedisProcess;
  beforeAll(async () => {
    redis = await startRedis();
  });
  afterAll(async () => {
    await redis.stop();
  });

  const opts = { presenceTtlMs: 2000, heartbeatMs: 300, maxBackoffMs: 300 };

  test('killed: availability(false) once, publish rejects at once; restarted empty: availability(true) once, presence rebuilt, publishing works', async () => {
    const [a, b, c] = await Promise.all(['A', 'B', 'C'].map((name) => replica(redis.url, name, opts)));
    setLocal(a!, 'general', ['alice']);
    setLocal(b!, 'general', ['bob']);
    for (const r of [a!, b!]) {
      await r.sink.waitFor('alice and bob', () => JSON.stringify(r.sink.presenceOf('general')) === '["alice","bob"]');
    }
    await a!.fanOut.publish([message(1)]);
    for (const r of [a!, b!, c!]) await r.sink.waitFor('message 1', () => r.sink.ids().includes(1));

    await redis.kill();
    for (const r of [a!, b!, c!]) {
      await r.sink.waitFor('availability(false)', () => r.sink.availabilities().includes(false), 5000);
      expect(r.fanOut.available).toBe(false);
    }
    const started = Date.now();
    await expect(a!.fanOut.publish([message(2)])).rejects.toThrow(/Redis fan-out is unavailable/);
    await expect(b!.fanOut.publish([message(2)])).rejects.toThrow(/Redis fan-out is unavailable/);
    expect(Date.now() - started).toBeLessThan(1000);
    setLocal(a!, 'general', ['alice', 'anna']); // a change while down is published on recovery

    await redis.restart(); // empty: the presence hashes are gone and must be rebuilt
    for (const r of [a!, b!, c!]) {
      await r.sink.waitFor('availability(true)', () => r.sink.availabilities().length === 2, 10_000);
      expect(r.sink.availabilities()).toEqual([false, true]);
      expect(r.fanOut.available).toBe(true);
    }
    for (const r of [a!, b!]) {
      await r.sink.waitFor('presence rebuilt', () => JSON.stringify(r.sink.presenceOf('general')) === '["alice","anna","bob"]');
    }
    const raw = new Redis(redis.url);
    try {
      expect(await raw.smembers('shagram:replicas').then((ids) => ids.sort())).toEqual(['test-A', 'test-B']);
      expect(await raw.hget('shagram:presence:test-B', 'general')).toBe('["bob"]');
    } finally {
      raw.disconnect();
    }
    await b!.fanOut.publish([message(3)]);
    await c!.fanOut.publish([message(4)]);
    for (const r of [a!, b!, c!]) {
      await r.sink.waitFor('message 4', () => r.sink.ids().includes(4));
      expect(r.sink.ids()).toEqual([1, 3, 4]);
      expect(r.fanOut.stats.outages).toBe(1);
    }
    expect(a!.warnings.some((line) => /lost Redis at redis:\/\/127\.0\.0\.1:\d+/.test(line))).toBe(true);
  }, 30_000);

  test('a quick bounce (restart) is still one false and one true on every replica', async () => {
    const [a, b] = await Promise.all(['A', 'B'].map((name) => replica(redis.url, name, opts)));
    setLocal(a!, 'general', ['alice']);
    await a!.sink.waitFor('alice', () => JSON.stringify(a!.sink.presenceOf('general')) === '["alice"]');
    await redis.restart();
    for (const r of [a!, b!]) {
      await r.sink.waitFor('back', () => r.sink.availabilities().length === 2, 10_000);
      expect(r.sink.availabilities()).toEqual([false, true]);
    }
    await a!.fanOut.publish([message(10)]);
    for (const r of [a!, b!]) {
      await r.sink.waitFor('message 10', () => r.sink.ids().includes(10));
      expect(r.sink.ids()).toEqual([10]);
    }
  }, 30_000);

  test('close() during an outage returns promptly and leaves no reconnect loop', async () => {
    const a = await replica(redis.url, 'A', opts);
    await redis.kill();
    await a.sink.waitFor('availability(false)', () => a.sink.availabilities().includes(false), 5000);
    const started = Date.now();
    await a.fanOut.close();
    expect(Date.now() - started).toBeLessThan(500);
    await redis.restart();
    const b = await replica(redis.url, 'B', opts);
    await b.fanOut.publish([message(1)]);
    await b.sink.waitFor('message 1', () => b.sink.ids().includes(1));
    // A negative check needs a window: twice the reconnect backoff cap, in which a leftover
    // reconnect timer of A would have connected again (its connections are named after it).
    await new Promise((resolve) => setTimeout(resolve, 2 * opts.maxBackoffMs + 200));
    const raw = new Redis(redis.url);
    try {
      const clients = String(await raw.client('LIST'));
      expect(clients).toContain('shagram-pub-test-B');
      expect(clients).not.toContain('test-A');
    } finally {
      raw.disconnect();
    }
    expect(a.sink.availabilities()).toEqual([false]);
  }, 30_000);
});
