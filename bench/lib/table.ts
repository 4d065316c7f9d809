import type { TargetName } from './options';
import type { TargetCheck, TargetResults } from './results';
import { ratio } from './checks';
import { REPLICA_TARGET } from './replicas';

/** One line of the results table. */
export interface Row {
  workload: string;
  metric: string;
  /** Figure per target (undefined: not measured / not supported). */
  values: Partial<Record<TargetName, number>>;
}

/** Formats a figure: thousands separators from 100, one decimal from 10, else two. */
export function formatNumber(value: number | undefined): string {
  if (value === undefined || !Number.isFinite(value)) return '—';
  const abs = Math.abs(value);
  if (abs >= 100) return Math.round(value).toLocaleString('en-US');
  if (abs >= 10) return value.toFixed(1);
  return value.toFixed(2);
}

/** Formats a ratio such as `0.93×`. */
export function formatRatio(value: number | undefined): string {
  return value === undefined ? '—' : `${value.toFixed(2)}×`;
}

/** The table rows from the results (pure). */
export function buildRows(results: Partial<Record<TargetName, TargetResults>>): Row[] {
  const rows: Row[] = [];
  const add = (workload: string, metric: string, pick: (r: TargetResults) => number | undefined) => {
    const values: Row['values'] = {};
    for (const [name, r] of Object.entries(results) as Array<[TargetName, TargetResults]>) values[name] = pick(r);
    if (Object.values(values).some((v) => v !== undefined)) rows.push({ workload, metric, values });
  };
  add('fan-out', 'delivered msgs/s', (r) => r.fanout?.deliveredPerSec);
  add('fan-out', 'sent (stored) msgs/s', (r) => r.fanout?.sentPerSec);
  add('fan-out', 'latency p50 ms', (r) => r.fanout?.p50Ms);
  add('fan-out', 'latency p95 ms', (r) => r.fanout?.p95Ms);
  add('fan-out', 'latency p99 ms', (r) => r.fanout?.p99Ms);
  add('fan-out', 'server CPU % of a core', (r) => r.fanout?.cpuPercent);
  add('fan-out', 'load clients CPU % (all)', (r) => r.fanout?.loadCpuPercent);
  add('fan-out', 'server µs CPU per delivery', (r) => (r.fanout && r.fanout.deliveredPerSec > 0 ? (r.fanout.cpuPercent * 1e4) / r.fanout.deliveredPerSec : undefined));
  add('fan-out', 'server peak RSS MiB', (r) => r.fanout?.rssMB);
  // Multi-replica targets: what crossed replicas, and the shared services' CPU (rows appear only then).
  add('fan-out', 'deliveries across replicas %', (r) => (r.fanout?.replicas ? r.fanout.replicas.crossReplicaShare * 100 : undefined));
  add('fan-out', 'PostgreSQL CPU % of a core', (r) => r.fanout?.replicas?.postgresCpuPercent);
  add('fan-out', 'Redis CPU % of a core', (r) => r.fanout?.replicas?.redisCpuPercent);
  if (Object.values(results).some((r) => r?.fanout?.replicas)) {
    // The single-process targets keep their storage in-process, so for them this equals the server figure.
    add('fan-out', 'µs CPU per delivery incl. PG + Redis', (r) => {
      const f = r.fanout;
      if (!f || f.deliveredPerSec <= 0) return undefined;
      return ((f.cpuPercent + (f.replicas?.postgresCpuPercent ?? 0) + (f.replicas?.redisCpuPercent ?? 0)) * 1e4) / f.deliveredPerSec;
    });
  }
  add('scale', 'idle connections open', (r) => r.scale?.connections);
  add('scale', 'server RSS MiB at the end', (r) => r.scale?.finalRssMB);
  add('scale', 'RSS per connection KiB', (r) => r.scale?.perConnKB);
  add('scale', 'marginal RSS per conn KiB', (r) => r.scale?.marginalPerConnKB);
  add('history', 'requests/s', (r) => r.history?.requestsPerSec);
  add('history', 'latency p50 ms', (r) => r.history?.p50Ms);
  add('history', 'latency p99 ms', (r) => r.history?.p99Ms);
  return rows;
}

function renderGrid(header: string[], body: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((row) => row[i]!.length)));
  const line = (cells: string[]) => cells.map((cell, i) => (i < 2 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join('  ').trimEnd();
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...body.map(line)].join('\n');
}

/** The ratio columns of a table over these targets: [numerator, denominator] pairs. */
export function ratioColumns(targets: TargetName[]): Array<[TargetName, TargetName]> {
  if (!targets.includes('shagram')) return [];
  const peers = targets.filter((t) => t !== 'shagram' && t !== REPLICA_TARGET);
  const columns: Array<[TargetName, TargetName]> = peers.map((p) => ['shagram', p]);
  if (targets.includes(REPLICA_TARGET)) columns.push([REPLICA_TARGET, 'shagram']);
  return columns;
}

/**
 * The results table: one column per target and, when Shagram ran, one ratio column
 * `shagram/<peer>` per peer, and `shagram-2x/shagram` when the two-replica target ran too.
 */
export function formatTable(rows: Row[], targets: TargetName[]): string {
  const ratios = ratioColumns(targets);
  const header = ['workload', 'metric', ...targets, ...ratios.map(([a, b]) => `${a}/${b}`)];
  const body = rows.map((row) => [
    row.workload,
    row.metric,
    ...targets.map((t) => formatNumber(row.values[t])),
    ...ratios.map(([a, b]) => formatRatio(ratio(row.values[a], row.values[b]))),
  ]);
  return renderGrid(header, body);
}

/** The targets as lines: `MET`, `MISSED` or `n/a`, measured against the bound. */
export function formatChecks(checks: TargetCheck[]): string {
  return checks
    .map((c) => {
      const verdict = c.met === undefined ? 'n/a   ' : c.met ? 'MET   ' : 'MISSED';
      const measured = c.unit === '×' ? formatRatio(c.measured) : `${formatNumber(c.measured)} ${c.unit}`;
      return `${verdict} ${c.goal}: ${measured}`;
    })
    .join('\n');
}
