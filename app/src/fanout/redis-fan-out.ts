import { randomBytes } from 'node:crypto';
import os from 'node:os';
import type { Redis } from 'ioredis';
import type { StoredMessage } from '../db/chat-store';
import type { FanOut, FanOutSink, FanOutStats } from './fan-out';
import { createRedisClient, endQuietly, errorText, quit, type ConnectionRole } from './redis-connection';
import { backoffDelay, decodeBatch, decodePresenceNote, describeConnectError, encodeBatch, fanOutKeys, isValidReplicaId, type FanOutKeys } from './redis-payloads';
import { RedisPresence } from './redis-presence';
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
 *   The protocol is in redis-presence.ts, its script in redis-presence-script.ts, the connections'
 *   settings in redis-connection.ts; this class runs the connections' lifecycle and availability.
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
  private readonly presence: RedisPresence;
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
    this.warn = options.onWarning ?? (() => undefined);
    this.presence = new RedisPresence(this.keys, this.replicaId, this.ttlMs, {
      isActive: () => this.up && !this.closing,
      publisher: () => this.pub,
      sink: () => this.sink,
      countMalformed: () => {
        this.stats.malformed++;
      },
      malformed: (what) => this.malformed(what),
      callSink: (what, call) => this.callSink(what, call),
    });
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
      this.presence.markDirty();
      return;
    }
    this.presence.changed(pub, room, sink.localUsers(room));
  }

  /** Withdraws this replica's presence (deletes its hash, announces it) and quits both connections. */
  async close(): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    if (this.heartbeatTimer) clearInterval(this.heartbeatTimer);
    this.heartbeatTimer = undefined;
    const pub = this.pub;
    const sub = this.sub;
    if (pub && this.up) await this.presence.withdraw(pub);
    this.up = false;
    this.sink = undefined;
    this.presence.forget();
    await Promise.all([quit(pub), quit(sub)]);
  }

  private createClient(role: ConnectionRole): Redis {
    const timeouts = { connectTimeoutMs: this.connectTimeoutMs, commandTimeoutMs: this.commandTimeoutMs };
    // At start (and after close) no retry: start() reports the failure; at run time, a capped backoff.
    const client = createRedisClient(this.target, role, this.replicaId, timeouts, (attempt) =>
      this.started && !this.closing ? backoffDelay(attempt, 100, this.maxBackoffMs, Math.random()) : null,
    );
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
    if (sink) this.presence.refresh(sink.localRooms(), true);
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
    this.presence.rewrite(pub, sink, announceAll).catch((error: unknown) => this.probeFailed(pub, error));
    sub.ping().catch((error: unknown) => this.probeFailed(sub, error));
    this.presence.refresh(sink.localRooms(), false);
  }

  /** A connection that looks up but does not answer (half-open socket, hung server) is recycled. */
  private probeFailed(client: Redis, error: unknown): void {
    if (this.closing || client.status !== 'ready') return;
    if (!/timed? ?out/i.test(errorText(error))) return;
    this.warn(`Redis fan-out: no answer from ${this.target.display} within ${this.commandTimeoutMs} ms; reconnecting`);
    client.disconnect(true);
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
      this.presence.refresh(decoded.value.rooms, true);
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

