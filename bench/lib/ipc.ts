import type { ClientSpec } from './client-spec';
import type { HistogramData } from './histogram';
import type { RoomPlan } from './plan';

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

/** Orchestrator → load process. */
export type ToWorker =
  | { type: 'go'; measureStart: number; measureEnd: number }
  | { type: 'ramp'; to: number }
  | { type: 'close' };

/** Load process → orchestrator. */
export type FromWorker =
  | { type: 'ready'; connected: number; failed: number; firstError?: string }
  | { type: 'progress'; count: number }
  | { type: 'fanout-result'; delivered: number; crossDelivered: number; sent: number; lost: number; latency: HistogramData }
  | { type: 'ramped'; open: number; failed: number; firstError?: string }
  | { type: 'history-result'; requestsPerSec: number; total: number; p50: number; p99: number; non2xx: number; errors: number; pageSize: number; seeded: number }
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
