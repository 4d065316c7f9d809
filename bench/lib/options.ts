import { parseArgs } from 'node:util';

/**
 * Names of the servers the harness can run. `shagram-2x` is two Shagram replicas on PostgreSQL +
 * Redis (fan-out and capacity); it needs Debian's postgresql and redis-server, so it is opt-in.
 */
export const TARGET_NAMES = ['shagram', 'ws-broadcast', 'socketio-sqlite', 'shagram-2x'] as const;
export type TargetName = (typeof TARGET_NAMES)[number];

/** The targets of a run without `--targets` (every single-process server; `shagram-2x` is opt-in). */
export const DEFAULT_TARGETS: readonly TargetName[] = ['shagram', 'ws-broadcast', 'socketio-sqlite'];

/** Names of the workloads. */
export const WORKLOAD_NAMES = ['fanout', 'scale', 'history', 'capacity'] as const;
export type WorkloadName = (typeof WORKLOAD_NAMES)[number];

/** The workloads of a run without `--workloads` (`capacity` takes minutes and 15,000 sockets: opt-in). */
export const DEFAULT_WORKLOADS: readonly WorkloadName[] = ['fanout', 'scale', 'history'];

/** Every parameter of one bench run. Durations are seconds. */
export interface BenchOptions {
  targets: TargetName[];
  workloads: WorkloadName[];
  /** fan-out: rooms, clients per room, total senders, messages in flight per sender, text length. */
  rooms: number;
  clients: number;
  senders: number;
  inflight: number;
  messageBytes: number;
  warmup: number;
  duration: number;
  /** Load-client child processes per workload. */
  loadProcs: number;
  /** scale: idle authenticated connections at the end of the ramp, ramp steps, rooms they spread over, settle time per step. */
  scaleConnections: number;
  scaleSteps: number;
  scaleRooms: number;
  scaleSettle: number;
  /** Connection attempts in flight per load process while connecting. */
  connectConcurrency: number;
  /** history: autocannon connections, duration, messages seeded into the room first. */
  historyConnections: number;
  historyDuration: number;
  historySeed: number;
  /** capacity: users, rooms, active share (%), accounts, rate steps (messages/s), seconds per step, churn (users/s), storm share (%), load processes, p99 bound (ms). */
  capacityUsers: number;
  capacityRooms: number;
  capacityActive: number;
  capacityAccounts: number;
  capacityRates: number[];
  capacityStep: number;
  capacityChurn: number;
  capacityStorm: number;
  capacityProcs: number;
  capacityP99: number;
  /** Results folder (JSON + SVG). */
  out: string;
  /** Shagram's production entry point. */
  shagramEntry: string;
  /** Extra node flags for the Shagram process (e.g. `--cpu-prof --cpu-prof-dir=./prof`). */
  shagramNodeArgs: string[];
  help: boolean;
}

interface Spec {
  key: keyof BenchOptions;
  flag: string;
  kind: 'int' | 'seconds' | 'list' | 'string' | 'args' | 'ints';
  default: string;
  help: string;
}

/** The flags, their defaults (which finish in under 3 minutes on 2 cores) and their help. */
export const SPECS: readonly Spec[] = [
  { key: 'targets', flag: 'targets', kind: 'list', default: DEFAULT_TARGETS.join(','), help: `servers to measure (comma-separated; one of ${TARGET_NAMES.join(', ')})` },
  { key: 'workloads', flag: 'workloads', kind: 'list', default: DEFAULT_WORKLOADS.join(','), help: `workloads to run (comma-separated; one of ${WORKLOAD_NAMES.join(', ')}; capacity is opt-in)` },
  { key: 'rooms', flag: 'rooms', kind: 'int', default: '10', help: 'fan-out: rooms (R)' },
  { key: 'clients', flag: 'clients', kind: 'int', default: '20', help: 'fan-out: clients per room (C), senders included' },
  { key: 'senders', flag: 'senders', kind: 'int', default: '40', help: 'fan-out: senders in all (S), spread over the rooms' },
  { key: 'inflight', flag: 'inflight', kind: 'int', default: '1', help: 'fan-out: messages in flight per sender (closed loop)' },
  { key: 'messageBytes', flag: 'message-bytes', kind: 'int', default: '100', help: 'fan-out: characters of text per message' },
  { key: 'warmup', flag: 'warmup', kind: 'seconds', default: '2', help: 'fan-out: seconds of load before measuring' },
  { key: 'duration', flag: 'duration', kind: 'seconds', default: '10', help: 'fan-out: seconds measured' },
  { key: 'loadProcs', flag: 'load-procs', kind: 'int', default: '2', help: 'load-client child processes' },
  { key: 'scaleConnections', flag: 'scale-connections', kind: 'int', default: '5000', help: 'scale: idle authenticated connections (N)' },
  { key: 'scaleSteps', flag: 'scale-steps', kind: 'int', default: '5', help: 'scale: ramp steps (RSS sampled after each)' },
  { key: 'scaleRooms', flag: 'scale-rooms', kind: 'int', default: '50', help: 'scale: rooms the connections spread over' },
  { key: 'scaleSettle', flag: 'scale-settle', kind: 'seconds', default: '1.5', help: 'scale: seconds to settle before each RSS sample' },
  { key: 'connectConcurrency', flag: 'connect-concurrency', kind: 'int', default: '100', help: 'connection attempts in flight per load process' },
  { key: 'historyConnections', flag: 'history-connections', kind: 'int', default: '20', help: 'history: autocannon connections' },
  { key: 'historyDuration', flag: 'history-duration', kind: 'seconds', default: '8', help: 'history: seconds under autocannon' },
  { key: 'historySeed', flag: 'history-seed', kind: 'int', default: '100', help: 'history: messages sent into the room first' },
  { key: 'capacityUsers', flag: 'capacity-users', kind: 'int', default: '15000', help: 'capacity: connected authenticated users (one socket each)' },
  { key: 'capacityRooms', flag: 'capacity-rooms', kind: 'int', default: '500', help: 'capacity: rooms, Zipf-sized (a few large, many small)' },
  { key: 'capacityActive', flag: 'capacity-active', kind: 'int', default: '5', help: 'capacity: percent of users who send' },
  { key: 'capacityAccounts', flag: 'capacity-accounts', kind: 'int', default: '200', help: 'capacity: accounts the users sign in as (registered first)' },
  { key: 'capacityRates', flag: 'capacity-rates', kind: 'ints', default: '25,50,100,200,400,800', help: 'capacity: message rates (messages/s, all senders together) stepped through until p99 passes the bound' },
  { key: 'capacityStep', flag: 'capacity-step', kind: 'seconds', default: '8', help: 'capacity: seconds measured per rate step' },
  { key: 'capacityChurn', flag: 'capacity-churn', kind: 'int', default: '20', help: 'capacity: users leaving and rejoining per second during the steps' },
  { key: 'capacityStorm', flag: 'capacity-storm', kind: 'int', default: '10', help: 'capacity: percent of users dropped at once and reconnected with since' },
  { key: 'capacityProcs', flag: 'capacity-procs', kind: 'int', default: '4', help: 'capacity: load-client processes (each from its own 127.0.0.x)' },
  { key: 'capacityP99', flag: 'capacity-p99', kind: 'int', default: '100', help: 'capacity: p99 delivery latency bound (ms) of a sustained rate' },
  { key: 'out', flag: 'out', kind: 'string', default: 'bench/results', help: 'results folder' },
  { key: 'shagramEntry', flag: 'shagram-entry', kind: 'string', default: 'app/dist/main.js', help: "Shagram's production build entry" },
  { key: 'shagramNodeArgs', flag: 'shagram-node-args', kind: 'args', default: '', help: 'extra node flags for Shagram, space-separated; write it as --shagram-node-args="--cpu-prof ..."' },
];

/** Thrown for an invalid flag; the message names it. */
export class OptionsError extends Error {}

function pickList<T extends string>(flag: string, raw: string, allowed: readonly T[]): T[] {
  const items = raw.split(',').map((item) => item.trim()).filter(Boolean);
  if (items.length === 0) throw new OptionsError(`--${flag} needs at least one of ${allowed.join(', ')}`);
  for (const item of items) {
    if (!allowed.includes(item as T)) throw new OptionsError(`--${flag}: unknown "${item}" (one of ${allowed.join(', ')})`);
  }
  return [...new Set(items)] as T[];
}

/**
 * Parses command-line flags into complete options (defaults filled in).
 * @throws OptionsError for an unknown flag or a value out of range.
 */
export function parseBenchArgs(argv: string[]): BenchOptions {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        help: { type: 'boolean', short: 'h' },
        ...Object.fromEntries(SPECS.map((spec) => [spec.flag, { type: 'string' as const }])),
      },
    });
  } catch (error) {
    throw new OptionsError((error as Error).message);
  }
  const values = parsed.values as Record<string, string | boolean | undefined>;
  const result: Record<string, unknown> = { help: values.help === true };
  for (const spec of SPECS) {
    const raw = (values[spec.flag] as string | undefined) ?? spec.default;
    switch (spec.kind) {
      case 'int': {
        if (!/^\d+$/.test(raw) || Number(raw) < 1) throw new OptionsError(`--${spec.flag} must be a whole number ≥ 1, got "${raw}"`);
        result[spec.key] = Number(raw);
        break;
      }
      case 'seconds': {
        const n = Number(raw);
        if (raw.trim() === '' || !Number.isFinite(n) || n < 0) throw new OptionsError(`--${spec.flag} must be a number of seconds ≥ 0, got "${raw}"`);
        result[spec.key] = n;
        break;
      }
      case 'list':
        result[spec.key] = spec.key === 'targets' ? pickList(spec.flag, raw, TARGET_NAMES) : pickList(spec.flag, raw, WORKLOAD_NAMES);
        break;
      case 'ints': {
        const items = raw.split(',').map((item) => item.trim());
        if (items.some((item) => !/^\d+$/.test(item) || Number(item) < 1)) throw new OptionsError(`--${spec.flag} must be whole numbers ≥ 1, comma-separated, got "${raw}"`);
        result[spec.key] = items.map(Number);
        break;
      }
      case 'args':
        result[spec.key] = raw.split(/\s+/).filter(Boolean);
        break;
      default:
        if (raw.trim() === '') throw new OptionsError(`--${spec.flag} must not be empty`);
        result[spec.key] = raw;
    }
  }
  const options = result as unknown as BenchOptions;
  if (options.senders > options.rooms * options.clients) {
    throw new OptionsError(`--senders (${options.senders}) cannot exceed rooms × clients (${options.rooms * options.clients})`);
  }
  if (options.duration <= 0) throw new OptionsError('--duration must be more than 0 seconds');
  if (options.historyDuration < 1) throw new OptionsError('--history-duration must be at least 1 second');
  if (options.capacityActive > 100 || options.capacityStorm > 100) throw new OptionsError('--capacity-active and --capacity-storm are percentages (1–100)');
  if (options.capacityStep <= 0) throw new OptionsError('--capacity-step must be more than 0 seconds');
  return options;
}

/** The `--help` text, generated from the flag table. */
export function helpText(): string {
  const lines = [
    'Usage: npm run bench -- [flags]',
    '',
    'Measures Shagram against a bare ws broadcast server and socket.io + SQLite on loopback.',
    'Add --targets shagram,shagram-2x for two Shagram replicas on PostgreSQL + Redis (fan-out and capacity).',
    'Capacity (opt-in, Shagram and shagram-2x): npm run bench -- --targets shagram,shagram-2x --workloads capacity',
    '',
  ];
  for (const spec of SPECS) lines.push(`  --${spec.flag.padEnd(22)} ${spec.help} (default ${spec.default})`);
  lines.push(`  --${'help'.padEnd(22)} this text`);
  return lines.join('\n');
}
