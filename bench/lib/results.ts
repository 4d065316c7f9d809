import type { BenchOptions, TargetName, WorkloadName } from './options';

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
  /** Server CPU over the measured window, percent of one core (summed over the replicas of a multi-replica target). */
  cpuPercent: number;
  /** CPU of all load processes together over the same window, percent of one core. */
  loadCpuPercent: number;
  /** Peak server RSS during the measured window (of the sum over the replicas, sampled together). */
  rssMB: number;
  /** Messages re-sent because their echo stalled for 5 s. */
  lost: number;
  samples: number;
  /** Multi-replica targets only: per replica and for the services they share. */
  replicas?: ReplicaFigures;
}

/** The extra fan-out figures of a multi-replica target (`shagram-2x`). */
export interface ReplicaFigures {
  count: number;
  /** Connected clients per replica, as planned. */
  clients: number[];
  /** Per replica: CPU % of a core over the window, peak RSS MiB. Their sums are cpuPercent and (about) rssMB. */
  cpuPercent: number[];
  rssMB: number[];
  /** PostgreSQL (postmaster + backends) and Redis CPU over the window, % of a core; absent when not readable. */
  postgresCpuPercent?: number;
  redisCpuPercent?: number;
  /** Share of the measured deliveries whose sender was on another replica than the recipient (came through Redis). */
  crossReplicaShare: number;
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

/** One rate step of the capacity workload. */
export interface CapacityStep {
  /** Messages/s asked for and actually sent during the measured window. */
  rate: number;
  sentPerSec: number;
  deliveredPerSec: number;
  /** Deliveries counted / deliveries expected (each counted message × its room's members); below 1: late or lost. */
  deliveredShare: number;
  p50Ms: number;
  p99Ms: number;
  /** Server CPU over the window, % of one core (summed over the replicas); CPU microseconds per delivered message. */
  cpuPercent: number;
  cpuUsPerDelivery: number;
  loadCpuPercent: number;
  /** Server RSS at the step's end (summed over the replicas). */
  rssMB: number;
  /** Multi-replica targets only: each replica's CPU (% of one core), and the share of counted deliveries that crossed replicas. */
  replicaCpuPercent?: number[];
  crossShare?: number;
  /** Multi-replica targets only: PostgreSQL's and Redis's CPU over the window (% of one core, each with its direct children), not in cpuPercent. */
  postgresCpuPercent?: number;
  redisCpuPercent?: number;
  /** Users that left and came back (presence churn) during the step. */
  churned: number;
  /** Whether p99 ≤ the latency bound and (nearly) every expected delivery arrived. */
  ok: boolean;
}

/** The capacity workload's figures particular to a multi-replica target (`shagram-2x`). */
export interface CapacityReplicas {
  count: number;
  /** Users (and senders) planned per replica. */
  users: number[];
  senders: number[];
  /** Each replica's RSS before the users and with all of them connected. */
  baselineRssMB: number[];
  connectedRssMB: number[];
  /** Planned share of deliveries that cross replicas (a sender's room members on another replica). */
  plannedCrossShare: number;
  /** Messages users received live from a sender on another replica, over the whole run. */
  crossReceived: number;
  /**
   * PostgreSQL's RSS (the postmaster and its direct children, summed: shared buffers are counted in each, so it
   * overstates) and Redis's, with every user connected; their CPU seconds during the storm. Not in the server
   * figures; undefined where unreadable.
   */
  postgresRssMB?: number;
  redisRssMB?: number;
  stormPostgresCpuSeconds?: number;
  stormRedisCpuSeconds?: number;
}

/** Figures of the capacity workload (Shagram and its multi-replica target). */
export interface CapacityResult {
  users: number;
  failedConnections: number;
  firstConnectError?: string;
  rooms: number;
  largestRoom: number;
  senders: number;
  accounts: number;
  meanFanout: number;
  loadProcs: number;
  /** Server RSS before the users and with all of them connected (idle), and the difference per user (summed over the replicas). */
  baselineRssMB: number;
  connectedRssMB: number;
  rssPerUserKB: number;
  /** Seconds to connect every user (each with a `since` replay). */
  connectSeconds: number;
  latencyBoundMs: number;
  steps: CapacityStep[];
  /** Highest step rate that was ok (0 when none was). */
  maxSustainedRate: number;
  storm: {
    dropped: number;
    reconnected: number;
    failed: number;
    retries: number;
    seconds: number;
    incompleteReplays: number;
    duringRate: number;
    /** The server's CPU seconds while the storm lasted (summed over the replicas). */
    serverCpuSeconds: number;
    /**
     * Handshakes a full accept queue turned away (each costs its client a SYN retransmission, 1 s then doubling) and
     * SYN retransmissions, over the storm: the network namespace's counters, so other traffic there counts too.
     */
    listenOverflows: number;
    synRetransmits: number;
  };
  /** serverCloses: sockets the server closed during the run (each reconnected with since), firstCloseCode the first one's code. */
  verify: { checked: number; missed: number; duplicates: number; filledOverHttp: number; serverCloses?: number; firstCloseCode?: number; firstProblem?: string };
  /** Multi-replica targets only. */
  replicas?: CapacityReplicas;
  /** Load average (1 min) at the start and the end. */
  loadAverage: [number, number];
  /** The first resource that ran out, in words. */
  firstLimit: string;
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
  capacity?: CapacityResult;
  /** Set when the target failed to run a workload; the message says why. */
  errors: string[];
  /** Set when the target could not run on this machine at all (not a failure); the message says why. */
  skipped?: string;
  /** Requested workloads that do not apply to this target (not measured, not a failure). */
  notApplicable?: WorkloadName[];
}

/** One of the benchmark's targets, checked. */
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
