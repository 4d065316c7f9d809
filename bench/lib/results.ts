import type { BenchOptions, TargetName } from './options';

/** Fan-out figures of one target. Latencies in milliseconds, RSS in MiB. */
export interface FanoutResult {
  connected: number;
  failedConnections: number;
  deliveredPerSec: number;
  /** Messages the senders sent per second (each is stored then fanned out). */
  sentPerSec: number;
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
  meanMs: number;
  /** Server CPU over the measured window, percent of one core. */
  cpuPercent: number;
  /** CPU of all load processes together over the same window, percent of one core. */
  loadCpuPercent: number;
  /** Peak server RSS during the measured window. */
  rssMB: number;
  /** Messages re-sent because their echo stalled for 5 s. */
  lost: number;
  samples: number;
}

/** Idle-connection figures of one target. */
export interface ScaleResult {
  connections: number;
  failedConnections: number;
  baselineRssMB: number;
  finalRssMB: number;
  /** (final RSS − baseline RSS) / connections, KiB. */
  perConnKB: number;
  /** RSS growth per connection between the first and the last ramp step, KiB. */
  marginalPerConnKB: number;
  steps: Array<{ connections: number; rssMB: number }>;
}

/** History endpoint figures of one target. */
export interface HistoryResult {
  requestsPerSec: number;
  p50Ms: number;
  p99Ms: number;
  non2xx: number;
  errors: number;
  /** Messages in one response (the page must be full for a fair comparison). */
  pageSize: number;
}

/** Everything measured for one target; a workload it does not support is absent. */
export interface TargetResults {
  fanout?: FanoutResult;
  scale?: ScaleResult;
  history?: HistoryResult;
  /** Set when the target failed to run a workload; the message says why. */
  errors: string[];
}

/** One of the targets, checked. */
export interface TargetCheck {
  goal: string;
  /** Shagram's figure over the reference (or the absolute figure), and the bound it must meet. */
  measured: number | undefined;
  bound: number;
  unit: string;
  met: boolean | undefined;
}

/** The JSON written to the results folder. */
export interface BenchReport {
  startedAt: string;
  durationSeconds: number;
  machine: { cpus: number; cpuModel: string; node: string; platform: string; openFilesLimit: string };
  options: BenchOptions;
  results: Partial<Record<TargetName, TargetResults>>;
  checks: TargetCheck[];
}
