/**
 * End to end: Debian's Prometheus scrapes a running Shagram app with the repository's alert rules loaded (1 s
 * scrape and evaluation interval), the app is stopped, ShagramDown goes pending then firing (after the rule's own
 * `for: 1m`), and Debian's Alertmanager delivers it to a webhook receiver served by this test (the stand-in for the
 * stack's Telegram or e-mail receiver).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { killAll, spawnServer, type ServerProcess } from '../../app/test/helpers/process';
import { alertRules, filesIn, RULES_DIR } from './monitoring-files';
import { loopbackAlertmanagerConfig, loopbackPrometheusConfig } from './loopback-config';
import { pollUntil, startAlertmanager, startPrometheus, startWebhookReceiver, type LoopbackAlertmanager, type LoopbackPrometheus, type WebhookReceiver } from './loopback-stack';

let dir: string;
let app: ServerProcess | undefined;
let prometheus: LoopbackPrometheus | undefined;
let alertmanager: LoopbackAlertmanager | undefined;
let receiver: WebhookReceiver | undefined;

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'shagram-alerting-'));
});

afterAll(async () => {
  killAll();
  await prometheus?.stop();
  await alertmanager?.stop();
  await receiver?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

test('a stopped app: ShagramDown goes pending, then firing, and reaches the receiver through Alertmanager', async () => {
  app = await spawnServer({ DATABASE_PATH: path.join(dir, 'shagram.db'), WS_ALLOWED_ORIGINS: 'http://chat.test', LOG_LEVEL: 'info' });
  receiver = await startWebhookReceiver();
  alertmanager = await startAlertmanager(dir, loopbackAlertmanagerConfig(receiver.url));
  prometheus = await startPrometheus(
    dir,
    loopbackPrometheusConfig({ appTarget: `127.0.0.1:${app.port}`, alertmanager: alertmanager.address, rulesFiles: filesIn(RULES_DIR, '.yml'), intervalSeconds: 1 }),
  );
  const prom = prometheus;

  // Every rule of the repository is loaded.
  const groups = await prom.api<{ groups: Array<{ rules: Array<{ name: string; type: string }> }> }>('rules');
  const loaded = groups.groups.flatMap((group) => group.rules.filter((rule) => rule.type === 'alerting').map((rule) => rule.name));
  expect(loaded.sort()).toEqual(alertRules().map((rule) => rule.alert).sort());

  // The app is scraped: up is 1 and its own metrics are there.
  await pollUntil('app scraped (up == 1)', 15_000, async () => ((await prom.query('up{job="shagram"} == 1')).length === 1 ? true : undefined));
  expect((await prom.query('shagram_ws_connections')).map((s) => s.value[1])).toEqual(['0']);
  expect((await prom.alerts()).filter((a) => a.labels.alertname === 'ShagramDown')).toEqual([]);

  const stoppedAt = Date.now();
  app.child.kill('SIGTERM');
  await app.exited;

  const shagramDown = async (state: 'pending' | 'firing') => (await prom.alerts()).find((a) => a.labels.alertname === 'ShagramDown' && a.state === state);
  const pending = await pollUntil('ShagramDown pending', 15_000, () => shagramDown('pending'));
  expect(pending.labels).toMatchObject({ job: 'shagram', instance: `127.0.0.1:${app.port}`, severity: 'critical' });
  const pendingAt = Date.now();
  // The rule says `for: 1m`: firing no earlier than a minute after it went pending.
  const firing = await pollUntil('ShagramDown firing', 75_000, () => shagramDown('firing'), 500);
  const firingAt = Date.now();
  expect(firing.labels.instance).toBe(`127.0.0.1:${app.port}`);
  expect(firingAt - pendingAt).toBeGreaterThanOrEqual(55_000);

  const notification = await pollUntil('ShagramDown at the webhook receiver', 15_000, async () =>
    receiver!.notifications.find((n) => n.status === 'firing' && n.alerts.some((a) => a.labels.alertname === 'ShagramDown')),
  );
  const alert = notification.alerts.find((a) => a.labels.alertname === 'ShagramDown')!;
  expect(alert).toMatchObject({ status: 'firing', labels: { job: 'shagram', severity: 'critical' } });
  expect(alert.annotations.summary).toBe(`Shagram app 127.0.0.1:${app.port} does not answer /metrics`);
  // Nothing reached the receiver before the alert fired.
  expect(receiver.notifications.filter((n) => n.receivedAt < firingAt - 2_000)).toEqual([]);
  expect(notification.receivedAt - stoppedAt).toBeLessThan(85_000);
}, 110_000);
