/**
 * The `shagram-2x` target, the pure part: how many replicas, which workloads apply, and whether the
 * machine has what it needs (Debian's PostgreSQL and Redis, and root for `runuser -u postgres`).
 */
import type { TargetName, WorkloadName } from './options';

/** The multi-replica target. */
export const REPLICA_TARGET = 'shagram-2x' satisfies TargetName;
/** Replicas it runs. */
export const REPLICA_COUNT = 2;

/** Workloads each target measures; a target not listed measures all of them. */
const WORKLOADS_OF: Partial<Record<TargetName, readonly WorkloadName[]>> = {
  // Scale (idle connections) and history (one GET route) say nothing about the cross-replica path; capacity's rooms
  // span both replicas (a room's users alternate over them).
  [REPLICA_TARGET]: ['fanout', 'capacity'],
  // Capacity speaks Shagram's protocol (since, the replay event): Shagram and its replicas only.
  'ws-broadcast': ['fanout', 'scale', 'history'],
  'socketio-sqlite': ['fanout', 'scale', 'history'],
};

/** The requested workloads split into those the target runs (in the requested order) and those it does not apply to. */
export function workloadsFor(name: TargetName, requested: readonly WorkloadName[]): { run: WorkloadName[]; notApplicable: WorkloadName[] } {
  const supported = WORKLOADS_OF[name];
  if (!supported) return { run: [...requested], notApplicable: [] };
  return { run: requested.filter((w) => supported.includes(w)), notApplicable: requested.filter((w) => !supported.includes(w)) };
}

/** What {@link missingPrerequisite} looks at (the real machine in the bench, a fake in tests). */
export interface MachineProbe {
  exists(path: string): boolean;
  /** Entries of a folder, [] when it does not exist. */
  list(path: string): string[];
  /** The bench's user id (`process.getuid()`). */
  uid: number | undefined;
}

export const POSTGRES_ROOT = '/usr/lib/postgresql';
export const REDIS_SERVER = '/usr/bin/redis-server';
const SETUP_HINT = 'install them with `npm run setup:system`';

/**
 * Why `shagram-2x` cannot run here, as one line, or undefined when it can: the throwaway
 * PostgreSQL (test/system-helpers/postgres.ts) needs Debian's server binaries (`initdb` under
 * /usr/lib/postgresql/<version>/bin), `runuser` and root; the throwaway Redis needs /usr/bin/redis-server.
 */
export function missingPrerequisite(probe: MachineProbe): string | undefined {
  const missing: string[] = [];
  const hasPostgres = probe.list(POSTGRES_ROOT).some((version) => /^\d+$/.test(version) && probe.exists(`${POSTGRES_ROOT}/${version}/bin/initdb`));
  if (!hasPostgres) missing.push(`PostgreSQL server (${POSTGRES_ROOT}/<version>/bin/initdb)`);
  if (!probe.exists(REDIS_SERVER)) missing.push(`redis-server (${REDIS_SERVER})`);
  if (missing.length > 0) return `${missing.join(' and ')} not installed; ${SETUP_HINT}`;
  if (probe.uid !== 0) return 'the throwaway PostgreSQL is started through `runuser -u postgres`, which needs root';
  return undefined;
}

/** Thrown by startTarget when a target cannot run on this machine; the bench reports it as skipped, not failed. */
export class TargetSkipped extends Error {}
