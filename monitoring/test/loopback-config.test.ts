import fs from 'node:fs';
import YAML from 'yaml';
import { loopbackAlertmanagerConfig, loopbackPrometheusConfig, stackConfigOnLoopback } from './loopback-config';
import { PROMETHEUS_TEMPLATE, removeTempDirs, renderConfig, SAMPLE_ENV } from './monitoring-files';

afterAll(removeTempDirs);

describe('loopback monitoring configurations', () => {
  it('scrape the app where the test runs it, with the given rules and interval, alerting to the given Alertmanager', () => {
    const doc = YAML.parse(loopbackPrometheusConfig({ appTarget: '127.0.0.1:4000', alertmanager: '127.0.0.1:4001', rulesFiles: ['/r/a.yml', '/r/b.yml'], intervalSeconds: 1 }));
    expect(doc.global).toEqual({ scrape_interval: '1s', scrape_timeout: '1s', evaluation_interval: '1s' });
    expect(doc.rule_files).toEqual(['/r/a.yml', '/r/b.yml']);
    expect(doc.alerting.alertmanagers[0].static_configs[0].targets).toEqual(['127.0.0.1:4001']);
    expect(doc.scrape_configs).toEqual([{ job_name: 'shagram', static_configs: [{ targets: ['127.0.0.1:4000'] }] }]);
    expect(YAML.parse(loopbackPrometheusConfig({ appTarget: 'a:1', rulesFiles: [], intervalSeconds: 5 })).alerting).toBeUndefined();
  });

  it('send every alert to the webhook at once, resolved ones too', () => {
    const doc = YAML.parse(loopbackAlertmanagerConfig('http://127.0.0.1:5000/alerts'));
    expect(doc.route).toMatchObject({ receiver: 'test', group_wait: '1s' });
    expect(doc.receivers).toEqual([{ name: 'test', webhook_configs: [{ url: 'http://127.0.0.1:5000/alerts', send_resolved: true }] }]);
  });

  it("move the stack's own configuration onto loopback: same jobs and relabelling, the test's targets and addresses", () => {
    const rendered = fs.readFileSync(renderConfig(PROMETHEUS_TEMPLATE, SAMPLE_ENV), 'utf8');
    const doc = YAML.parse(
      stackConfigOnLoopback(rendered, {
        targets: { shagram: ['127.0.0.1:4000'], 'shagram-ready': ['http://127.0.0.1:4000/readyz'], tls: ['localhost:4443'] },
        addresses: { 'blackbox:9115': '127.0.0.1:4115' },
        rulesDir: '/repo/rules',
        intervalSeconds: 1,
      }),
    );
    const stack = YAML.parse(rendered);
    expect(doc.global).toEqual({ scrape_interval: '1s', scrape_timeout: '1s', evaluation_interval: '1s' });
    expect(doc.rule_files).toEqual(['/repo/rules/*.yml']);
    expect(doc.alerting).toBeUndefined();
    expect(doc.scrape_configs.map((job: { job_name: string }) => job.job_name)).toEqual(['shagram', 'shagram-ready', 'tls']);
    const tls = doc.scrape_configs[2];
    const stackTls = stack.scrape_configs.find((job: { job_name: string }) => job.job_name === 'tls');
    expect(tls.static_configs).toEqual([{ targets: ['localhost:4443'] }]);
    expect(tls.params).toEqual(stackTls.params);
    expect(tls.metrics_path).toBe('/probe');
    expect(tls.scrape_interval).toBeUndefined();
    expect(tls.relabel_configs).toEqual(stackTls.relabel_configs.map((rule: { replacement?: string }) => (rule.replacement === 'blackbox:9115' ? { ...rule, replacement: '127.0.0.1:4115' } : rule)));
    expect(() => stackConfigOnLoopback(rendered, { targets: { nginx: ['x:1'] }, addresses: {}, rulesDir: '/r', intervalSeconds: 1 })).toThrow(/no such job.*nginx/);
  });
});
