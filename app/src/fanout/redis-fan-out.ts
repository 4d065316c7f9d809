import { randomBytes } from 'node:crypto';
import os from 'node:os';
import { Redis } from 'ioredis';
import type { StoredMessage } from '../db/chat-store';
import type { FanOut, FanOutSink, FanOutStats } from './fan-out';
import {
  backoffDelay,
  decodeBatch,
  decodePresenceNote,
  decodeUsers,
  describeConnectError,
  encodeBatch,
  encodePresenceNote,
  encodeUsers,
  fanOutKeys,
  isValidReplicaId,
  sameUsers,
  unionUsers,
  type FanOutKeys,
} from './redis-payloads';
import { parseRedisUrl, type RedisTarget } from './redis-url';

/** Settings of {@link RedisFanOut}. */
export interface RedisFanOutOptions {
  /** `redis://[[user]:password@]host[:port][/db]` or `rediss://…`. */
  url: string;
  /** This replica's id in keys and notes; default `<hostname>-<pid>-<random>`. */
  replicaId?: string;
  /** Lifetime of this replica's presence hash without a heartbeat (default 15000 ms). */
  presenceTtlMs?: number;
  /** Heartbeat, liveness probe and presence sweep period (default 5000 ms; must be below the TTL). */
  heartbeatMs?: number;
  /** Bound on establishing a connection (default 5000 ms). */
  connectTimeoutMs?: number;
  /** Bound on one command, `PUBLISH` included (default 2000 ms). */
  commandTimeoutMs?: number;
  /** Cap of the exponential reconnect backoff (default 2000 ms). */
  maxBackoffMs?: number;
  /** Prefix of every key and channel (default `shagram:`). */
  keyPrefix?: string;
  /** Receives one-line warnings (outage, recovery, malformed payloads). Default: dropped. */
  onWarning?: (message: string) => void;
}

/** Counters, for metrics and tests. */
export type RedisFanOutStats = FanOutStats;

/** Reads the union inputs for several rooms in one atomic step and prunes replicas whose hash expired. */
const READ_PRESENCE = `
local ids = redis.call('SMEMBERS', KEYS[1])
local live = {}
for _, id in ipairs(ids) do
  if redis.call('EXISTS', ARGV[1] .. id) == 1 then
    live[#live + 1] = id
  else
    redis.call('SREM', KEYS[1], id)
  end
end
local out = {}
for i = 2, #ARGV do
  local values = {}
  for _, id in ipairs(live) do
    local value = redis.call('HGET', ARGV[1] .. id, ARGV[i])
    if value then values[#values + 1] = value end
  end
  out[#out + 1] = values
end
return out
`;

type ExecResult = [error: Error | null, result: unknown][] | null;

/** The first error of a MULTI/EXEC reply, if any. */
function execError(results: ExecResult): Error | undefined {
  if (!results) return new Error('transaction aborted');
  for (const [error] of results) if (error) return error;
  return undefined;
}

/** The script's reply as one list of raw hash values per room; undefined when it has another shape. */
function scriptValues(reply: unknown, rooms: number): unknown[][] | undefined {
  if (!Array.isArray(reply) || reply.length !== rooms) return undefined;
  if (!reply.every((values) => Array.isArray(values))) return undefined;
  return reply as unknown[][];
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * Fan-out over Redis pub/sub for several replicas behind one load balancer.
 *
 * - Messages: `publish` sends one JSON batch on `<prefix>messages` over a single publisher
 *   connection and resolves once Redis acknowledged the `PUBLISH`; every replica (this one
 *   included) receives it once on its subscriber connection and hands it to `sink.deliver`.
 * - Presence: each replica keeps `<prefix>presence:<replicaId>` (hash: room → JSON array of its
 *   users) with a TTL refreshed by a heartbeat, and is listed in the set `<prefix>replicas`. A change
 *   is announced on `<prefix>presence`; receivers read the union atomically (a Lua script that also
 *   prunes replicas whose hash expired) and call `sink.presence`. The heartbeat also sweeps the
 *   rooms with local peers, so a crashed replica's users disappear about one TTL after it died.
 * - Outage: losing either connection calls `sink.availability(false)` once and `publish` rejects at
 *   once; ioredis reconnects with a capped backoff, and when both connections are back and
 *   subscribed, presence is re-published and `sink.availability(true)` is called once.
 */
export class RedisFanOut implements FanOut {
  readonly kind = 'redis' as const;
  /** This replica's id (in keys, notes and connection names). */
  readonly replicaId: string;
  /** Counters (delivered batches, malformed payloads, outages). */
  readonly stats: RedisFanOutStats = { delivered: 0, malformed: 0, outages: 0 };

  private readonly target: RedisTarget;
  private readonly keys: FanOutKeys;
  private readonly presenceKey: string;
  private readonly ttlMs: number;
  private readonly heartbeatMs: number;
  private readonly connectTimeoutMs: number;
  private readonly commandTimeoutMs: number;
  private readonly maxBackoffMs: number;
  private readonly warn: (message: string) => void;

  private sink: FanOutSink | undefined;
  private pub: Redis | undefined;
  private sub: Redis | undefined;
  private started = false;
  private closing = false;
  private up = false;
  private pubReady = false;
  private subReady = false;
  private subEpoch = 0;
  private lastError: unknown;
  private heartbeatTimer: NodeJS.Timeout | undefined;
  /** What this replica last wrote to its presence hash (room → JSON users). */
  private written = new Map<string, string>();
  /** A presence write failed or was skipped: the next heartbeat announces every room. */
  private presenceDirty = false;
  /** Presence last handed to the sink, per room with local peers. */
  private readonly lastSent = new Map<string, string[]>();
  /** Rooms waiting for a union read (true: send even if unchanged). */
  private readonly pending = new Map<string, boolean>();
  private refreshing = false;

  /** @throws RedisUrlError for an unusable URL, Error for inconsistent timings (one readable line each). */
  constructor(options: RedisFanOutOptions) {
    this.target = parseRedisUrl(options.url);
    this.replicaId = options.replicaId ?? `${os.hostname()}-${process.pid}-${randomBytes(4).toString('hex')}`;
    if (!isValidReplicaId(this.replicaId)) {
      throw new Error('Redis fan-out replica id must be 1-128 characters of A-Z a-z 0-9 . _ : -');
    }
    this.ttlMs = options.presenceTtlMs ?? 15_000;
    this.heartbeatMs = options.heartbeatMs ?? 5_000;
    this.connectTimeoutMs = options.connectTimeoutMs ?? 5_000;
    this.commandTimeoutMs = options.commandTimeoutMs ?? 2_000;
    this.maxBackoffMs = options.maxBackoffMs ?? 2_000;
    for (const [name, value] of Object.entries({
      presenceTtlMs: this.ttlMs,
      heartbeatMs: this.heartbeatMs,
      connectTimeoutMs: this.connectTimeoutMs,
      commandTimeoutMs: this.commandTimeoutMs,
      maxBackoffMs: this.maxBackoffMs,
    })) {
      if (!Number.isInteger(value) || value <= 0) throw new Error(`Redis fan-out ${name} must be a positive integer`);
    }
    if (this.heartbeatMs >= this.ttlMs) throw new Error('Redis fan-out heartbeatMs must be below presenceTtlMs');
    this.keys = fanOutKeys(options.keyPrefix ?? 'shagram:');
    this.presenceKey = `${this.keys.presenceKeyPrefix}${this.replicaId}`;
    this.warn = options.onWarning ?? (() => undefined);
  }

  /** True while both connections are up and the subscriber is subscribed. */
  get available(): boolean {
    return this.up;
  }

  /** The URL without credentials, for logs. */
  get display(): string {
    return this.target.display;
  }

  /**
   * Connects both connections and subscribes. Rejects with one line such as
   * `cannot reach Redis at redis://host:6379: ECONNREFUSED` (no credentials) and then leaves no
   * connection, reconnect loop or timer behind.
   */
  async start(sink: FanOutSink): Promise<void> {
    if (this.pub || this.closing) throw new Error('Redis fan-out was already started');
    this.sink = sink;
    const pub = (this.pub = this.createClient('pub'));
    const sub = (this.sub = this.createClient('sub'));
    let firstError: unknown;
    const remember = (error: unknown): void => {
      firstError ??= error;
    };
    pub.on('error', remember);
    sub.on('error', remember);
    try {
      const results = await Promise.allSettled([pub.connect(), sub.connect()]);
      const failed = results.find((result) => result.status === 'rejected');
      if (failed) throw firstError ?? failed.reason;
      await sub.subscribe(this.keys.messages, this.keys.presence);
      if (pub.status !== 'ready' || sub.status !== 'ready') throw firstError ?? new Error('connection lost while starting');
    } catch (error) {
      this.pub = undefined;
      this.sub = undefined;
      this.sink = undefined;
      endQuietly(pub);
      endQuietly(sub);
      throw new Error(describeConnectError(this.target.display, error as Error), { cause: error });
    } finally {
      pub.off('error', remember);
      sub.off('error', remember);
    }
    this.started = true;
    this.pubReady = true;
    this.subReady = true;
    this.up = true;
    this.heartbeatTimer = setInterval(() => this.heartbeat(false), this.heartbeatMs);
    this.heartbeatTimer.unref();
    this.heartbeat(true);
  }

  /**
   * Publishes a committed batch as one payload. Calls are sent in call order on one connection;
   * resolves when Redis acknowledged the `PUBLISH`. Rejects at once while Redis is unavailable,
   * and when Redis does not answer within the command timeout.
   */
  async publish(messages: readonly StoredMessage[]): Promise<void> {
    if (messages.length === 0) return;
    const pub = this.pub;
    if (!this.up || !pub) throw new Error(`Redis fan-out is unavailable (${this.target.display})`);
    try {
      await pub.publish(this.keys.messages, encodeBatch(this.replicaId, messages));
    } catch (error) {
      throw new Error(`cannot publish to Redis at ${this.target.display}: ${errorText(error)}`, { cause: error });
    }
  }

  /** Writes this replica's users of `room` and announces the change to every replica. */
  presenceChanged(room: string): void {
    const pub = this.pub;
    const sink = this.sink;
    if (!this.started || this.closing || !pub || !sink) return;
    if (!this.up) {
      this.presenceDirty = true;
      return;
    }
    const users = sink.localUsers(room);
    const multi = pub.multi();
    if (users.length > 0) {
      const value = encodeUsers(users);
      multi.hset(this.presenceKey, room, value);
      this.written.set(room, value);
    } else {
      multi.hdel(this.presenceKey, room);
      this.written.delete(room);
    }
    this.listSelf(multi, this.written.size > 0);
    multi.publish(this.keys.presence, encodePresenceNote(this.replicaId, [room]));
    multi.exec().then(
      (results) => {
        if (execError(results)) this.presenceDirty = true;
      },
      () => {
        this.presenceDirty = true;
      },
    );
  }

  /**
   * Keeps this replica's entry in the replicas set in step with its presence hash: listed (and the hash's TTL
   * refreshed) while it has peers somewhere, unlisted when it has none, so the set only names replicas whose hash
   * can exist. (Readers prune entries whose hash expired, e.g. after a crash.)
   */
  private listSelf(multi: ReturnType<Redis['multi']>, hasPresence: boolean): void {
    if (hasPresence) multi.pexpire(this.presenceKey, this.ttlMs).sadd(this.keys.replicas, this.replicaId);
    else multi.srem(this.keys.replicas, this.replicaId);
  }

  /** Withdraws this replica's presence (deletes its hash, announces it) and quits both connections. */
  async close(): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    if (this.heartbeatTimer) clearInterval(this.heartbeatTimer);
    this.heartbeatTimer = undefined;
    const pub = this.pub;
    const sub = this.sub;
    if (pub && this.up) {
      const rooms = [...this.written.keys()];
      try {
        const multi = pub.multi().del(this.presenceKey).srem(this.keys.replicas, this.replicaId);
        if (rooms.length > 0) multi.publish(this.keys.presence, encodePresenceNote(this.replicaId, rooms));
        await multi.exec();
      } catch {
        // Best effort: the hash expires by itself after the TTL.
      }
    }
    this.up = false;
    this.sink = undefined;
    this.written.clear();
    await Promise.all([quit(pub), quit(sub)]);
  }

  private createClient(role: 'pub' | 'sub'): Redis {
    const { host, port, username, password, db, tls } = this.target;
    const client = new Redis({
      host,
      port,
      username,
      password,
      db,
      tls: tls ? {} : undefined,
      lazyConnect: true,
      // Never queue while disconnected: publish must fail fast so the sender can be told.
      enableOfflineQueue: false,
      // A PUBLISH whose reply was lost is not re-sent (it may have been delivered already).
      autoResendUnfulfilledCommands: false,
      maxRetriesPerRequest: 0,
      // Subscriptions are renewed by hand so that availability is reported only once they are.
      autoResubscribe: false,
      connectTimeout: this.connectTimeoutMs,
      // ioredis arms this timer when ending a socket, even one that already closed
      // during a reconnect loop: keep it short so a closing process is not held for 2 s.
      disconnectTimeout: 250,
      commandTimeout: this.commandTimeoutMs,
      connectionName: `shagram-${role}-${this.replicaId}`.replace(/:/g, '_'),
      disableClientInfo: true,
      // At start (and after close) no retry: start() reports the failure; at run time, a capped backoff.
      retryStrategy: (attempt) =>
        this.started && !this.closing ? backoffDelay(attempt, 100, this.maxBackoffMs, Math.random()) : null,
    });
    client.on('error', (error: unknown) => {
      this.lastError = error;
    });
    if (role === 'pub') {
      client.on('ready', () => {
        this.pubReady = true;
        this.update();
      });
      client.on('close', () => {
        this.pubReady = false;
        this.update();
      });
    } else {
      client.on('ready', () => this.resubscribe(client));
      client.on('close', () => {
        this.subEpoch++;
        this.subReady = false;
        this.update();
      });
      client.on('message', (channel: string, payload: string) => this.onMessage(channel, payload));
    }
    return client;
  }

  /** After a reconnect: subscribe again, then report the subscriber as ready. */
  private resubscribe(sub: Redis): void {
    if (!this.started || this.closing) return;
    const epoch = ++this.subEpoch;
    sub.subscribe(this.keys.messages, this.keys.presence).then(
      () => {
        if (epoch !== this.subEpoch || sub.status !== 'ready') return;
        this.subReady = true;
        this.update();
      },
      (error: unknown) => {
        if (epoch !== this.subEpoch) return;
        this.warn(`Redis fan-out: cannot subscribe again (${errorText(error)}); reconnecting`);
        sub.disconnect(true);
      },
    );
  }

  /** Reports a change of availability to the sink, once per transition. */
  private update(): void {
    if (!this.started || this.closing) return;
    const up = this.pubReady && this.subReady;
    if (up === this.up) return;
    this.up = up;
    if (!up) {
      this.stats.outages++;
      const reason = this.lastError === undefined ? 'connection closed' : errorText(this.lastError);
      this.warn(`Redis fan-out lost Redis at ${this.target.display} (${reason}); reconnecting`);
      this.callSink('availability', (sink) => sink.availability(false));
      return;
    }
    this.lastError = undefined;
    this.warn(`Redis fan-out reconnected to ${this.target.display}`);
    this.callSink('availability', (sink) => sink.availability(true));
    this.heartbeat(true);
    const sink = this.sink;
    if (sink) this.refresh(sink.localRooms(), true);
  }

  /**
   * Rewrites this replica's presence hash (and its TTL), announces rooms whose users changed since
   * the last write (every room after an outage), probes both connections and sweeps the union of
   * the rooms with local peers.
   */
  private heartbeat(announceAll: boolean): void {
    const pub = this.pub;
    const sub = this.sub;
    const sink = this.sink;
    if (!this.up || this.closing || !pub || !sub || !sink) return;
    const announce = announceAll || this.presenceDirty;
    this.presenceDirty = false;
    const fields = new Map<string, string>();
    for (const room of sink.localRooms()) {
      const users = sink.localUsers(room);
      if (users.length > 0) fields.set(room, encodeUsers(users));
    }
    const changed = new Set<string>();
    for (const [room, value] of fields) if (announce || this.written.get(room) !== value) changed.add(room);
    for (const room of this.written.keys()) if (announce || !fields.has(room)) changed.add(room);
    this.written = fields;
    const multi = pub.multi().del(this.presenceKey);
    if (fields.size > 0) multi.hset(this.presenceKey, Object.fromEntries(fields));
    this.listSelf(multi, fields.size > 0);
    if (changed.size > 0) multi.publish(this.keys.presence, encodePresenceNote(this.replicaId, [...changed]));
    multi.exec().then(
      (results) => {
        if (execError(results)) this.presenceDirty = true;
      },
      (error: unknown) => {
        this.presenceDirty = true;
        this.probeFailed(pub, error);
      },
    );
    sub.ping().catch((error: unknown) => this.probeFailed(sub, error));
    this.refresh(sink.localRooms(), false);
  }

  /** A connection that looks up but does not answer (half-open socket, hung server) is recycled. */
  private probeFailed(client: Redis, error: unknown): void {
    if (this.closing || client.status !== 'ready') return;
    if (!/timed? ?out/i.test(errorText(error))) return;
    this.warn(`Redis fan-out: no answer from ${this.target.display} within ${this.commandTimeoutMs} ms; reconnecting`);
    client.disconnect(true);
  }

  /** Queues a union read for `rooms`; reads run one at a time, coalescing what arrives meanwhile. */
  private refresh(rooms: Iterable<string>, force: boolean): void {
    for (const room of rooms) this.pending.set(room, force || (this.pending.get(room) ?? false));
    if (!this.refreshing && this.pending.size > 0) void this.runRefresh();
  }

  private async runRefresh(): Promise<void> {
    this.refreshing = true;
    try {
      while (this.pending.size > 0 && this.up && !this.closing) {
        const batch = new Map(this.pending);
        this.pending.clear();
        const pub = this.pub;
        const sink = this.sink;
        if (!pub || !sink) return;
        const local = new Set(sink.localRooms());
        for (const room of this.lastSent.keys()) if (!local.has(room)) this.lastSent.delete(room);
        const rooms = [...batch.keys()].filter((room) => local.has(room));
        if (rooms.length === 0) continue;
        let reply: unknown;
        try {
          reply = await pub.eval(READ_PRESENCE, 1, this.keys.replicas, this.keys.presenceKeyPrefix, ...rooms);
        } catch {
          // Lost or slow Redis: the availability handling or the next heartbeat sweep takes over.
          this.presenceDirty = true;
          return;
        }
        const values = scriptValues(reply, rooms.length);
        if (!values) {
          this.stats.malformed++;
          continue;
        }
        rooms.forEach((room, index) => {
          const lists: string[][] = [];
          for (const raw of values[index] ?? []) {
            const users = typeof raw === 'string' ? decodeUsers(raw) : undefined;
            if (users) lists.push(users);
            else this.malformed(`presence value for room ${room}`);
          }
          const users = unionUsers(lists);
          const previous = this.lastSent.get(room);
          if (batch.get(room) !== true && previous && sameUsers(previous, users)) return;
          if (!this.sink?.localRooms().includes(room)) return;
          this.lastSent.set(room, users);
          this.callSink('presence', (target) => target.presence(room, users));
        });
      }
    } finally {
      this.refreshing = false;
    }
  }

  private onMessage(channel: string, payload: string): void {
    if (!this.started || this.closing) return;
    if (channel === this.keys.messages) {
      const decoded = decodeBatch(payload);
      if (!decoded.ok) {
        this.malformed(`message payload (${decoded.reason})`);
        return;
      }
      this.stats.delivered++;
      this.callSink('deliver', (sink) => sink.deliver(decoded.value.messages));
    } else if (channel === this.keys.presence) {
      const decoded = decodePresenceNote(payload);
      if (!decoded.ok) {
        this.malformed(`presence note (${decoded.reason})`);
        return;
      }
      this.refresh(decoded.value.rooms, true);
    }
  }

  private malformed(what: string): void {
    this.stats.malformed++;
    const count = this.stats.malformed;
    if (count <= 10 || count % 1000 === 0) this.warn(`Redis fan-out ignored a malformed ${what} (${count} so far)`);
  }

  /** Calls the sink without letting its exception reach ioredis' event handlers. */
  private callSink(what: string, call: (sink: FanOutSink) => void): void {
    const sink = this.sink;
    if (!sink) return;
    try {
      call(sink);
    } catch (error) {
      this.warn(`Redis fan-out: sink.${what} threw: ${errorText(error)}`);
    }
  }
}

/** Quits a connection politely when it is up (waiting for its end), and always ends it (no reconnect timer survives). */
async function quit(client: Redis | undefined): Promise<void> {
  if (!client) return;
  if (client.status === 'ready') {
    let timer: NodeJS.Timeout | undefined;
    const ended = new Promise<void>((resolve) => {
      client.once('end', () => resolve());
      timer = setTimeout(resolve, 1000);
    });
    try {
      await client.quit();
      await ended;
    } catch {
      // Already gone.
    } finally {
      clearTimeout(timer);
    }
  }
  endQuietly(client);
}

/**
 * Ends a connection and its reconnect loop. A connection already ended is left alone: calling
 * `disconnect()` again would arm ioredis' 2 s "destroy the stream" timer on a closed stream.
 */
function endQuietly(client: Redis): void {
  if (client.status !== 'end') client.disconnect();
}
