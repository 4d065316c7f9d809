/**
 * The names the alert rules and the dashboard query are really exported: Debian's Prometheus runs the stack's own
 * scrape configuration (prometheus.yml.template, moved onto loopback) against a running app with real traffic,
 * Debian's node-exporter (its textfile collector reading a backup.prom written by the off-host backup's own
 * renderMetrics) and Debian's blackbox exporter with the stack's modules (the app's /readyz, and a TLS server whose
 * certificate expires in 10 days). Every rule and every panel query is then evaluated by that Prometheus.
 * cAdvisor has no Debian package: its container_* names are the only ones not proven here.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { killAll, spawnServer, type ServerProcess } from '../../app/test/helpers/process';
import { renderMetrics } from '../../scripts/src/offsite-plan';
import { EXPORTER_METRICS, promqlMetricNames } from '../metric-names';
import { dashboardPanels, panelQueries } from './dashboard-queries';
import { stackConfigOnLoopback } from './loopback-config';
import {
  pollUntil,
  startBlackboxExporter,
  startNodeExporter,
  startPrometheus,
  startTlsServer,
  type LoopbackExporter,
  type LoopbackPrometheus,
} from './loopback-stack';
import { alertRules, MONITORING_DIR, PROMETHEUS_TEMPLATE, renderConfig, RULES_DIR, SAMPLE_ENV } from './monitoring-files';
import { runTraffic } from './traffic';

const ORIGIN = 'http://chat.test';
const CADVISOR = new Set<string>(EXPORTER_METRICS.cadvisor);

let dir: string;
let app: ServerProcess;
let node: LoopbackExporter;
let blackbox: LoopbackExporter;
let tls: Awaited<ReturnType<typeof startTlsServer>>;
let prometheus: LoopbackPrometheus;
const now = Math.floor(Date.now() / 1000);

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'shagram-exporters-'));
  const textfiles = path.join(dir, 'textfile');
  fs.mkdirSync(textfiles);
  fs.writeFileSync(path.join(textfiles, 'backup.prom'), renderMetrics(undefined, { chat: now - 27 * 3600, jenkins: now - 3600, harbor: now - 2 * 3600 }));
  app = await spawnServer({ DATABASE_PATH: path.join(dir, 'shagram.db'), WS_ALLOWED_ORIGINS: ORIGIN, MESSAGE_RATE_LIMIT: '100000/10', LOG_LEVEL: 'info' });
  [node, blackbox, tls] = await Promise.all([startNodeExporter(textfiles), startBlackboxExporter(path.join(MONITORING_DIR, 'blackbox', 'blackbox.yml')), startTlsServer(dir, 10)]);
  const config = stackConfigOnLoopback(fs.readFileSync(renderConfig(PROMETHEUS_TEMPLATE, SAMPLE_ENV, dir), 'utf8'), {
    targets: { shagram: [`127.0.0.1:${app.port}`], node: [node.address], 'shagram-ready': [`http://127.0.0.1:${app.port}/readyz`], tls: [`localhost:${tls.port}`] },
    addresses: { 'blackbox:9115': blackbox.address },
    rulesDir: RULES_DIR,
    intervalSeconds: 1,
  });
  prometheus = await startPrometheus(dir, config);
  await pollUntil('every job scraped', 20_000, async () => ((await prometheus.query('count(up == 1)'))[0]?.value[1] === '4' ? true : undefined));
  await runTraffic({ url: app.url, wsUrl: app.wsUrl, origin: ORIGIN, durationMs: 6_000, messagesPerSecond: 40 });
}, 90_000);

afterAll(async () => {
  killAll();
  await prometheus?.stop();
  await node?.stop();
  await blackbox?.stop();
  await tls?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

const ruleNames = () => alertRules().flatMap((rule) => promqlMetricNames(rule.expr));
const panelNames = () => panelQueries(dashboardPanels(), '30s').flatMap((query) => promqlMetricNames(query.expr));

test('every metric name of the rules and the dashboard is in Prometheus (cAdvisor aside), the backup metric among them', async () => {
  const wanted = [...new Set([...ruleNames(), ...panelNames()])].filter((name) => !CADVISOR.has(name) && name !== 'ALERTS').sort();
  // Polled (bounded) until all are there; on timeout the assertion names the missing ones.
  let missing: string[] = wanted;
  await pollUntil('every queried metric name stored', 20_000, async () => {
    const stored = new Set(await prometheus.api<string[]>('label/__name__/values'));
    missing = wanted.filter((name) => !stored.has(name));
    return missing.length === 0 ? true : undefined;
  }).catch(() => undefined);
  expect(missing).toEqual([]);
  expect(wanted).toEqual(expect.arrayContaining(['shagram_backup_last_success_timestamp_seconds', 'node_filesystem_avail_bytes', 'probe_ssl_earliest_cert_expiry', 'probe_success']));
  // What the exporters' lists claim for node-exporter and blackbox is true of the real exporters.
  const stored = new Set(await prometheus.api<string[]>('label/__name__/values'));
  expect([...EXPORTER_METRICS.node, ...EXPORTER_METRICS.blackbox, ...EXPORTER_METRICS.backup].filter((name) => !stored.has(name))).toEqual([]);
});

test('the rules see what the exporters report: a 27 h old chat backup, a certificate with 10 days left, a ready app', async () => {
  const expr = (alert: string) => alertRules().find((rule) => rule.alert === alert)!.expr;
  expect((await prometheus.query(expr('BackupTooOld'))).map((s) => s.metric.target)).toEqual(['chat']);
  expect(await prometheus.query(expr('BackupNeverRecorded'))).toEqual([]);
  const expiring = await prometheus.query(expr('TlsCertificateExpiresSoon'));
  expect(expiring.map((s) => s.metric.instance)).toEqual([`localhost:${tls.port}`]);
  const secondsLeft = Number(expiring[0]!.value[1]);
  expect(Math.abs(secondsLeft - (tls.notAfter.getTime() / 1000 - Date.now() / 1000))).toBeLessThan(60);
  expect((await prometheus.query('probe_success{job="shagram-ready"}')).map((s) => s.value[1])).toEqual(['1']);
  expect(await prometheus.query(expr('ShagramNotReady'))).toEqual([]);
  expect(await prometheus.query(expr('ShagramDown'))).toEqual([]);
  // Every rule's expression is valid for this Prometheus (an invalid one would throw here).
  for (const rule of alertRules()) await prometheus.query(rule.expr);
});

test('every dashboard query runs, and every panel without a cAdvisor metric shows data', async () => {
  const queries = panelQueries(dashboardPanels(), '30s');
  // Polled (bounded) until all have data; on timeout the assertion names the empty ones. A query Prometheus refuses
  // throws, and the poll keeps its error until the bound.
  let empty: string[] = queries.map((query) => `${query.panel} ${query.refId}`);
  await pollUntil('every panel has data', 30_000, async () => {
    const found: string[] = [];
    for (const query of queries) {
      const result = await prometheus.query(query.expr);
      if (result.length === 0 && !promqlMetricNames(query.expr).some((name) => CADVISOR.has(name))) found.push(`${query.panel} ${query.refId}`);
    }
    empty = found;
    return found.length === 0 ? true : undefined;
  }).catch(() => undefined);
  expect(empty).toEqual([]);
});
