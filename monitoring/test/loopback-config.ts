/**
 * Configurations for a Prometheus and an Alertmanager on loopback in tests (pure): the same alert rules as the
 * stack, a scrape of the app wherever the test started it, a short interval, and an Alertmanager whose only receiver
 * is a webhook served by the test.
 */
import YAML from 'yaml';

export interface LoopbackPrometheusOptions {
  /** host:port of the app's /metrics. */
  appTarget: string;
  /** host:port of the Alertmanager alerts are sent to (none: alerts stay in Prometheus). */
  alertmanager?: string;
  /** Rules files to load (the repository's). */
  rulesFiles: readonly string[];
  /** Scrape and rule evaluation interval, in seconds. */
  intervalSeconds: number;
}

/** prometheus.yml for {@link LoopbackPrometheusOptions}: the stack's `shagram` job, pointed at loopback. Pure. */
export function loopbackPrometheusConfig(options: LoopbackPrometheusOptions): string {
  const interval = `${options.intervalSeconds}s`;
  return YAML.stringify({
    global: { scrape_interval: interval, scrape_timeout: interval, evaluation_interval: interval },
    rule_files: [...options.rulesFiles],
    ...(options.alertmanager ? { alerting: { alertmanagers: [{ static_configs: [{ targets: [options.alertmanager] }] }] } } : {}),
    scrape_configs: [{ job_name: 'shagram', static_configs: [{ targets: [options.appTarget] }] }],
  });
}

/** alertmanager.yml whose every alert goes at once (no grouping delay) to `webhookUrl`. Pure. */
export function loopbackAlertmanagerConfig(webhookUrl: string): string {
  return YAML.stringify({
    route: { receiver: 'test', group_by: ['alertname'], group_wait: '1s', group_interval: '1s', repeat_interval: '1h' },
    receivers: [{ name: 'test', webhook_configs: [{ url: webhookUrl, send_resolved: true }] }],
  });
}

export interface StackOnLoopbackOptions {
  /** Job name -> the loopback targets it scrapes (or probes); jobs not listed are dropped (nothing runs them here). */
  targets: Record<string, readonly string[]>;
  /** Container address -> loopback address, in the jobs' relabelling (e.g. blackbox:9115 -> 127.0.0.1:9115). */
  addresses: Record<string, string>;
  /** The folder of the rules files (the container's /etc/prometheus/rules). */
  rulesDir: string;
  alertmanager?: string;
  intervalSeconds: number;
}

interface ScrapeConfig {
  job_name: string;
  static_configs?: Array<{ targets: string[] }>;
  relabel_configs?: Array<Record<string, unknown>>;
  [key: string]: unknown;
}

/**
 * The stack's own Prometheus configuration (prometheus.yml.template, rendered) moved onto loopback: the same jobs,
 * modules, metrics paths and relabelling, with the test's targets and addresses, rules folder, Alertmanager and a
 * short interval. Pure.
 */
export function stackConfigOnLoopback(rendered: string, options: StackOnLoopbackOptions): string {
  const doc = YAML.parse(rendered) as { global: Record<string, unknown>; rule_files: string[]; alerting?: unknown; scrape_configs: ScrapeConfig[] };
  const interval = `${options.intervalSeconds}s`;
  const jobs = doc.scrape_configs.filter((job) => options.targets[job.job_name] !== undefined);
  const missing = Object.keys(options.targets).filter((name) => !doc.scrape_configs.some((job) => job.job_name === name));
  if (missing.length > 0) throw new Error(`no such job in the stack's configuration: ${missing.join(', ')}`);
  return YAML.stringify({
    ...doc,
    global: { ...doc.global, scrape_interval: interval, scrape_timeout: interval, evaluation_interval: interval },
    rule_files: doc.rule_files.map((pattern) => `${options.rulesDir}/${pattern.split('/').pop()}`),
    alerting: options.alertmanager ? { alertmanagers: [{ static_configs: [{ targets: [options.alertmanager] }] }] } : undefined,
    scrape_configs: jobs.map((job) => {
      const { scrape_interval: _ownInterval, ...rest } = job;
      return {
        ...rest,
        static_configs: [{ targets: [...(options.targets[job.job_name] ?? [])] }],
        ...(job.relabel_configs
          ? { relabel_configs: job.relabel_configs.map((rule) => (typeof rule.replacement === 'string' && options.addresses[rule.replacement] ? { ...rule, replacement: options.addresses[rule.replacement] } : rule)) }
          : {}),
      };
    }),
  });
}
