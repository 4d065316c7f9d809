/**
 * The metric names the monitoring stack may query, and a PromQL reader that lists the metric names an expression
 * uses. The alert rules and the dashboard are checked against this list (monitoring/test/), so neither can watch a
 * metric that nothing exports.
 */
import { Metrics } from '../app/src/metrics';

/**
 * Metric names of the exporters, by source, as those versions export them (only the names the rules and the
 * dashboard use or that an operator reaches for first; add a name here when a query needs it).
 */
export const EXPORTER_METRICS = {
  /** Prometheus itself, for every target and for the alert state. */
  prometheus: ['up', 'scrape_duration_seconds', 'scrape_samples_scraped', 'ALERTS'],
  /** node-exporter (prom/node-exporter v1.8; Debian's 1.5 has the same names). */
  node: [
    'node_cpu_seconds_total',
    'node_load1',
    'node_load5',
    'node_load15',
    'node_memory_MemTotal_bytes',
    'node_memory_MemAvailable_bytes',
    'node_filesystem_avail_bytes',
    'node_filesystem_size_bytes',
    'node_filesystem_readonly',
    'node_network_receive_bytes_total',
    'node_network_transmit_bytes_total',
    'node_boot_time_seconds',
    'node_time_seconds',
    'node_textfile_scrape_error',
    'node_textfile_mtime_seconds',
  ],
  /** cAdvisor v0.49 (per container; `name` is the container name). */
  cadvisor: [
    'container_start_time_seconds',
    'container_last_seen',
    'container_cpu_usage_seconds_total',
    'container_memory_working_set_bytes',
    'container_memory_usage_bytes',
  ],
  /** blackbox exporter v0.25 (/probe). */
  blackbox: ['probe_success', 'probe_duration_seconds', 'probe_http_status_code', 'probe_ssl_earliest_cert_expiry'],
  /** The off-host backup job's textfile metric (backup.prom, read by node-exporter's textfile collector). */
  backup: ['shagram_backup_last_success_timestamp_seconds'],
} as const;

/**
 * The app's metric names as Prometheus stores them, read from a live registry of app/src/metrics.ts (so a metric
 * added or renamed there is seen here): histograms as _bucket/_sum/_count, summaries as the name plus _sum/_count.
 */
export async function appMetricNames(): Promise<string[]> {
  const metrics = new Metrics();
  const names = (await metrics.registry.getMetricsAsJSON()).flatMap(({ name, type }) => {
    const kind = String(type);
    if (kind === 'histogram') return [`${name}_bucket`, `${name}_sum`, `${name}_count`];
    if (kind === 'summary') return [name, `${name}_sum`, `${name}_count`];
    return [name];
  });
  return [...new Set(names)].sort();
}

/** Every metric name a query may use: the app's and the exporters'. */
export async function knownMetricNames(): Promise<Set<string>> {
  return new Set([...(await appMetricNames()), ...Object.values(EXPORTER_METRICS).flat()]);
}

const KEYWORDS = new Set(['and', 'or', 'unless', 'bool', 'offset', 'by', 'without', 'on', 'ignoring', 'group_left', 'group_right', 'inf', 'nan', 'atan2']);

/**
 * The metric names a PromQL expression selects (Grafana's $variables allowed), sorted. Strings, label matchers,
 * ranges, grouping clauses, numbers and function calls are dropped; what remains are the selectors' names. Pure.
 */
export function promqlMetricNames(expr: string): string[] {
  const stripped = expr
    .replace(/#[^\n]*/g, ' ')
    .replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`/g, ' ')
    .replace(/\{[^}]*\}/g, ' ')
    .replace(/\[[^\]]*\]/g, ' ')
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/gi, ' ')
    .replace(/\boffset\s+-?[0-9a-z$_]+/gi, ' ')
    .replace(/\$[A-Za-z_][A-Za-z0-9_]*/g, ' ')
    .replace(/(^|[^A-Za-z0-9_:.])(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?/g, '$1 ');
  const names = [...stripped.matchAll(/[A-Za-z_:][A-Za-z0-9_:]*(?!\s*\(|[A-Za-z0-9_:])/g)]
    .map((match) => match[0])
    .filter((name) => !KEYWORDS.has(name.toLowerCase()));
  return [...new Set(names)].sort();
}
