import type { StoredMessage } from '../db/chat-store';

/**
 * How committed messages and presence reach the sockets of every replica. Two implementations:
 * `LocalFanOut` (one process, the embedded default) and `RedisFanOut` (Redis pub/sub, chosen by
 * `REDIS_URL`), which delivers each published batch exactly once to every replica, the
 * publishing one included (it does not short-cut its own messages).
 */
export interface FanOut {
  /** `local` or `redis`, for logs and `/readyz`. */
  readonly kind: 'local' | 'redis';
  /** False while the fan-out cannot deliver (e.g. Redis is unreachable). */
  readonly available: boolean;
  /** Counters of a fan-out that goes through a service (Redis); none for the in-process one. */
  readonly stats?: Readonly<FanOutStats>;
  /** Starts delivering to `sink`. Rejects (with a readable message) when the service is unreachable at start. */
  start(sink: FanOutSink): Promise<void>;
  /** Publishes a committed batch (ids from the database, one room or several). Rejects when it could not be published. */
  publish(messages: readonly StoredMessage[]): Promise<void>;
  /** This replica's set of users in `room` changed (joins and leaves, already coalesced per turn). */
  presenceChanged(room: string): void;
  /** Stops; this replica's presence is withdrawn. */
  close(): Promise<void>;
}

/** Counters of a fan-out through a service, exported on `/metrics`. */
export interface FanOutStats {
  /** Batches received on the message channel and handed to the sink. */
  delivered: number;
  /** Channel payloads or presence values that failed validation and were ignored. */
  malformed: number;
  /** Times the fan-out became unavailable. */
  outages: number;
}

/** What a fan-out delivers into: this replica's hub. */
export interface FanOutSink {
  /** Delivers a batch (in id order per room) to this replica's peers. */
  deliver(messages: readonly StoredMessage[]): void;
  /** The users now in `room` across every replica, sorted and distinct: sent to this replica's peers. */
  presence(room: string, users: string[]): void;
  /** This replica's distinct users per room it has peers in. */
  localUsers(room: string): string[];
  /** Rooms this replica has peers in. */
  localRooms(): string[];
  /** The fan-out was lost (`false`) or is back (`true`). */
  availability(up: boolean): void;
}
