import type { ClientSpec } from './client-spec';
import type { HistogramData } from './histogram';
import type { RoomPlan } from './plan';
import type { CapacityRoom } from './capacity-plan';

/** Configuration of a fan-out load process (argv[2], JSON). */
export interface FanoutWorkerConfig {
  spec: ClientSpec;
  rooms: RoomPlan[];
  /** First sender id of this process (ids are unique across processes). */
  senderBase: number;
  inflight: number;
  messageBytes: number;
  concurrency: number;
}

/** Configuration of a scale (idle connections) load process. */
export interface ScaleWorkerConfig {
  spec: ClientSpec;
  rooms: number;
  /** This process's number and the process count: its i-th connection is global index i*procs+proc. */
  proc: number;
  procs: number;
  concurrency: number;
}

/** Configuration of the history load process. */
export interface HistoryWorkerConfig {
  spec: ClientSpec;
  url: string;
  room: string;
  seed: number;
  messageBytes: number;
  connections: number;
  duration: number;
}

/** Configuration of a capacity load process. */
export interface CapacityWorkerConfig {
  spec: ClientSpec;
  rooms: CapacityRoom[];
  /** Tokens of the accounts the users sign in as (user i uses tokens[i % length]). */
  tokens: string[];
  /** Loopback source address of this process's connections. */
  localAddress: string;
  concurrency: number;
  messageBytes: number;
}

/** Orchestrator → load process. */
export type ToWorker =
  | { type: 'go'; measureStart: number; measureEnd: number }
  | { type: 'ramp'; to: number }
  | { type: 'close' }
  /** capacity: send `rate` messages/s (this process's share) until `until`, recording those sent after `measureFrom`. */
  | { type: 'cap-step'; rate: number; measureFrom: number; until: number; churnPerSec: number }
  /** capacity: drop `share` of the connections at once and reconnect them with `since`. */
  | { type: 'cap-storm'; share: number }
  | { type: 'cap-verify' };

/** Load process → orchestrator. */
export type FromWorker =
  | { type: 'ready'; connected: number; failed: number; firstError?: string }
  | { type: 'progress'; count: number }
  | { type: 'fanout-result'; delivered: number; crossDelivered: number; sent: number; lost: number; latency: HistogramData }
  | { type: 'ramped'; open: number; failed: number; firstError?: string }
  | { type: 'history-result'; requestsPerSec: number; total: number; p50: number; p99: number; non2xx: number; errors: number; pageSize: number; seeded: number }
  /** crossDelivered: counted deliveries whose sender is on another replica than the recipient (0 on one process). */
  | { type: 'cap-step-result'; sent: number; expected: number; delivered: number; crossDelivered: number; latency: HistogramData; churned: number; reconnectFailures: number }
  | { type: 'cap-storm-result'; dropped: number; reconnected: number; retries: number; failed: number; ms: number; incomplete: number }
  /**
   * crossReceived: every message a user received live from a sender on another replica, over the whole run;
   * serverCloses: sockets the server closed (e.g. 1012 on a detected gap), each reconnected with `since`.
   */
  | { type: 'cap-verify-result'; connections: number; checked: number; missed: number; duplicates: number; filledOverHttp: number; crossReceived: number; serverCloses: number; firstCloseCode?: number; firstProblem?: string }
  | { type: 'error'; message: string };

/** Sends a message to the orchestrator (no-op outside a forked child). */
export function toParent(message: FromWorker): void {
  process.send?.(message);
}

/** Reads the JSON configuration a load process was started with. */
export function workerConfig<T>(): T {
  const raw = process.argv[2];
  if (!raw) throw new Error('load process started without its JSON configuration');
  return JSON.parse(raw) as T;
}
