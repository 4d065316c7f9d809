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
