/**
 * The Redis fan-out's presence protocol. Each replica keeps `<prefix>presence:<replicaId>` (hash: room → JSON array
 * of its users) with a TTL refreshed by the heartbeat, and is listed in the set `<prefix>replicas` while it has
 * users anywhere. A change is announced on `<prefix>presence`; receivers read the union of every live replica's
 * users atomically (READ_PRESENCE, which also prunes replicas whose hash expired) and hand it to the sink.
 */
import type { Redis } from 'ioredis';
import type { FanOutSink } from './fan-out';
import { execError } from './redis-connection';
import { decodeUsers, encodePresenceNote, encodeUsers, sameUsers, unionUsers, type FanOutKeys } from './redis-payloads';
import { READ_PRESENCE, scriptValues } from './redis-presence-script';

/** What the presence protocol needs from the fan-out that runs it. */
export interface PresenceHost {
  /** True while both connections are up and the fan-out is not closing. */
  isActive(): boolean;
  /** The publisher connection (commands), while there is one. */
  publisher(): Redis | undefined;
  /** The sink presence is delivered into, while there is one. */
  sink(): FanOutSink | undefined;
  /** A script reply of an unexpected shape: counted as malformed. */
  countMalformed(): void;
  /** A malformed value: counted and reported. */
  malformed(what: string): void;
  /** Calls the sink, keeping its exceptions away from ioredis' event handlers. */
  callSink(what: string, call: (sink: FanOutSink) => void): void;
}

/** This replica's side of the presence protocol: what it wrote, what it sent, and the union reads it owes. */
export class RedisPresence {
  /** This replica's presence hash. */
  readonly key: string;
  /** What this replica last wrote to its presence hash (room → JSON users). */
  private written = new Map<string, string>();
  /** A presence write failed or was skipped: the next heartbeat announces every room. */
  private dirty = false;
  /** Presence last handed to the sink, per room with local peers. */
  private readonly lastSent = new Map<string, string[]>();
  /** Rooms waiting for a union read (true: send even if unchanged). */
  private readonly pending = new Map<string, boolean>();
  private refreshing = false;

  constructor(
    private readonly keys: FanOutKeys,
    private readonly replicaId: string,
    private readonly ttlMs: number,
    private readonly host: PresenceHost,
  ) {
    this.key = `${keys.presenceKeyPrefix}${replicaId}`;
  }

  /** A write could not be made now: the next heartbeat rewrites and announces every room. */
  markDirty(): void {
    this.dirty = true;
  }

  /** Writes this replica's `users` of `room` and announces the change to every replica. */
  changed(pub: Redis, room: string, users: string[]): void {
    const multi = pub.multi();
    if (users.length > 0) {
      const value = encodeUsers(users);
      multi.hset(this.key, room, value);
      this.written.set(room, value);
    } else {
      multi.hdel(this.key, room);
      this.written.delete(room);
    }
    this.listSelf(multi, this.written.size > 0);
    multi.publish(this.keys.presence, encodePresenceNote(this.replicaId, [room]));
    multi.exec().then(
      (results) => {
        if (execError(results)) this.dirty = true;
      },
      () => {
        this.dirty = true;
      },
    );
  }

  /**
   * The heartbeat's write: rewrites this replica's presence hash (and its TTL) from the sink's local users and
   * announces the rooms whose users changed since the last write (every room when `announceAll`, or after a failed
   * write). Rejects with the transaction's error when Redis did not take it (the caller probes the connection).
   */
  rewrite(pub: Redis, sink: FanOutSink, announceAll: boolean): Promise<void> {
    const announce = announceAll || this.dirty;
    this.dirty = false;
    const fields = new Map<string, string>();
    for (const room of sink.localRooms()) {
      const users = sink.localUsers(room);
      if (users.length > 0) fields.set(room, encodeUsers(users));
    }
    const changed = new Set<string>();
    for (const [room, value] of fields) if (announce || this.written.get(room) !== value) changed.add(room);
    for (const room of this.written.keys()) if (announce || !fields.has(room)) changed.add(room);
    this.written = fields;
    const multi = pub.multi().del(this.key);
    if (fields.size > 0) multi.hset(this.key, Object.fromEntries(fields));
    this.listSelf(multi, fields.size > 0);
    if (changed.size > 0) multi.publish(this.keys.presence, encodePresenceNote(this.replicaId, [...changed]));
    return multi.exec().then(
      (results) => {
        if (execError(results)) this.dirty = true;
      },
      (error: unknown) => {
        this.dirty = true;
        throw error;
      },
    );
  }

  /**
   * Keeps this replica's entry in the replicas set in step with its presence hash: listed (and the hash's TTL
   * refreshed) while it has peers somewhere, unlisted when it has none, so the set only names replicas whose hash
   * can exist. (Readers prune entries whose hash expired, e.g. after a crash.)
   */
  private listSelf(multi: ReturnType<Redis['multi']>, hasPresence: boolean): void {
    if (hasPresence) multi.pexpire(this.key, this.ttlMs).sadd(this.keys.replicas, this.replicaId);
    else multi.srem(this.keys.replicas, this.replicaId);
  }

  /** Deletes this replica's hash and announces its rooms (best effort: the hash expires by itself after the TTL). */
  async withdraw(pub: Redis): Promise<void> {
    const rooms = [...this.written.keys()];
    try {
      const multi = pub.multi().del(this.key).srem(this.keys.replicas, this.replicaId);
      if (rooms.length > 0) multi.publish(this.keys.presence, encodePresenceNote(this.replicaId, rooms));
      await multi.exec();
    } catch {
      // Best effort: the hash expires by itself after the TTL.
    }
  }

  /** Forgets what was written (the fan-out is closing). */
  forget(): void {
    this.written.clear();
  }

  /** Queues a union read for `rooms`; reads run one at a time, coalescing what arrives meanwhile. */
  refresh(rooms: Iterable<string>, force: boolean): void {
    for (const room of rooms) this.pending.set(room, force || (this.pending.get(room) ?? false));
    if (!this.refreshing && this.pending.size > 0) void this.runRefresh();
  }

  private async runRefresh(): Promise<void> {
    this.refreshing = true;
    try {
      while (this.pending.size > 0 && this.host.isActive()) {
        const batch = new Map(this.pending);
        this.pending.clear();
        const pub = this.host.publisher();
        const sink = this.host.sink();
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
          this.dirty = true;
          return;
        }
        const values = scriptValues(reply, rooms.length);
        if (!values) {
          this.host.countMalformed();
          continue;
        }
        rooms.forEach((room, index) => {
          const lists: string[][] = [];
          for (const raw of values[index] ?? []) {
            const users = typeof raw === 'string' ? decodeUsers(raw) : undefined;
            if (users) lists.push(users);
            else this.host.malformed(`presence value for room ${room}`);
          }
          const users = unionUsers(lists);
          const previous = this.lastSent.get(room);
          if (batch.get(room) !== true && previous && sameUsers(previous, users)) return;
          if (!this.host.sink()?.localRooms().includes(room)) return;
          this.lastSent.set(room, users);
          this.host.callSink('presence', (target) => target.presence(room, users));
        });
      }
    } finally {
      this.refreshing = false;
    }
  }
}
