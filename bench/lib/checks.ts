import type { BenchOptions, TargetName } from './options';
import type { TargetCheck, TargetResults } from './results';

type Results = Partial<Record<TargetName, TargetResults>>;

/** a / b, or undefined when either is missing, not finite, or b is 0. */
export function ratio(a: number | undefined, b: number | undefined): number | undefined {
  if (a === undefined || b === undefined || !Number.isFinite(a) || !Number.isFinite(b) || b === 0) return undefined;
  return a / b;
}

function check(goal: string, measured: number | undefined, bound: number, unit: string, direction: 'min' | 'max'): TargetCheck {
  return { goal, measured, bound, unit, met: measured === undefined ? undefined : direction === 'min' ? measured >= bound : measured <= bound };
}

/**
 * The benchmark's targets for Shagram against the figures of one run (`met` is undefined when a
 * figure the target needs was not measured).
 */
export function evaluateTargets(results: Results, options: Pick<BenchOptions, 'scaleConnections'>): TargetCheck[] {
  const s = results.shagram;
  const ws = results['ws-broadcast'];
  const sio = results['socketio-sqlite'];
  return [
    check('delivered msgs/s ≥ 0.9 × bare ws', ratio(s?.fanout?.deliveredPerSec, ws?.fanout?.deliveredPerSec), 0.9, '×', 'min'),
    check('delivered msgs/s ≥ 2 × socket.io + SQLite', ratio(s?.fanout?.deliveredPerSec, sio?.fanout?.deliveredPerSec), 2, '×', 'min'),
    check('p99 fan-out latency ≤ 1.5 × bare ws', ratio(s?.fanout?.p99Ms, ws?.fanout?.p99Ms), 1.5, '×', 'max'),
    check(
      `RSS per idle authenticated connection ≤ 20 KiB at ${options.scaleConnections.toLocaleString('en-US')} connections`,
      s?.scale?.perConnKB,
      20,
      'KiB',
      'max',
    ),
    check('history ≥ 5,000 requests/s', s?.history?.requestsPerSec, 5000, 'req/s', 'min'),
  ];
}
