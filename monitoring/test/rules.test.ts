import fs from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { knownMetricNames, promqlMetricNames } from '../metric-names';
import { alertRules, filesIn, RULE_TESTS_DIR, RULES_DIR } from './monitoring-files';

interface RuleTestFile {
  rule_files: string[];
  tests: Array<{ alert_rule_test?: Array<{ alertname: string; exp_alerts?: unknown[] }> }>;
}

describe('promqlMetricNames', () => {
  it('lists the selected metric names, not functions, labels, groupings, ranges, numbers or variables', () => {
    expect(
      promqlMetricNames(
        'sum by (le, route) (rate(shagram_http_request_duration_seconds_bucket{route=~"/api.*", status!="500"}[$__rate_interval])) / on(job) group_left() up{job="x"} offset 5m > 1e3',
      ),
    ).toEqual(['shagram_http_request_duration_seconds_bucket', 'up']);
    expect(promqlMetricNames('time() - shagram_backup_last_success_timestamp_seconds > 26 * 3600')).toEqual(['shagram_backup_last_success_timestamp_seconds']);
    expect(promqlMetricNames('a_total and b or c unless d')).toEqual(['a_total', 'b', 'c', 'd']);
    expect(promqlMetricNames('histogram_quantile(0.99, sum(rate(x_bucket[5m])) by (le))')).toEqual(['x_bucket']);
  });
});

describe('alert rules', () => {
  const rules = alertRules();

  it('cover what an operator must hear about', () => {
    expect(rules.map((rule) => rule.alert).sort()).toEqual(
      ['BackupNeverRecorded', 'BackupTooOld', 'ContainerRestartLoop', 'HostDiskAlmostFull', 'ShagramDown', 'ShagramFanOutFlapping', 'ShagramFanOutMalformed', 'ShagramHighErrorRate', 'ShagramHighLatency', 'ShagramNotReady', 'ShagramSlowFanOut', 'TlsCertificateExpiresSoon'].sort(),
    );
    for (const rule of rules) {
      expect(['critical', 'warning']).toContain(rule.labels?.severity);
      expect(rule.annotations?.summary).toBeTruthy();
      expect(rule.annotations?.description).toBeTruthy();
    }
  });

  it('query only metric names that the app or an exporter really exports', async () => {
    const known = await knownMetricNames();
    for (const rule of rules) {
      const names = promqlMetricNames(rule.expr);
      expect(names.length).toBeGreaterThan(0);
      expect({ alert: rule.alert, unknown: names.filter((name) => !known.has(name)) }).toEqual({ alert: rule.alert, unknown: [] });
    }
  });

  it('each have a promtool test case where they fire and one where they do not, over every rules file', () => {
    const testFiles = filesIn(RULE_TESTS_DIR, '.test.yml').map((file) => ({ file, doc: YAML.parse(fs.readFileSync(file, 'utf8')) as RuleTestFile }));
    const tested = new Set(testFiles.flatMap(({ file, doc }) => doc.rule_files.map((rel) => path.resolve(path.dirname(file), rel))));
    expect([...tested].sort()).toEqual(filesIn(RULES_DIR, '.yml'));
    const cases = testFiles.flatMap(({ doc }) => doc.tests.flatMap((test) => test.alert_rule_test ?? []));
    for (const rule of rules) {
      const own = cases.filter((c) => c.alertname === rule.alert);
      expect({ alert: rule.alert, fires: own.some((c) => (c.exp_alerts ?? []).length > 0) }).toEqual({ alert: rule.alert, fires: true });
      expect({ alert: rule.alert, silent: own.some((c) => (c.exp_alerts ?? []).length === 0) }).toEqual({ alert: rule.alert, silent: true });
    }
  });
});
