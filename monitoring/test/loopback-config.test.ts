import YAML from 'yaml';
import { loopbackAlertmanagerConfig, loopbackPrometheusConfig } from './loopback-config';

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
});
