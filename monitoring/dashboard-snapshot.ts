/**
 * Draws the Grafana dashboard's panels (grafana/dashboards/shagram.json) from a real Prometheus into an SVG, for the
 * documentation (Grafana itself is not run here). Needs the system lane's Debian packages (npm run setup:system):
 * Debian's Prometheus runs the stack's own scrape configuration on loopback against a Shagram app started from
 * source and fed real chat traffic, Debian's node-exporter (host panels) and blackbox exporter (readiness, the
 * certificate). Every panel query is then asked of Prometheus' query_range API and drawn as it answers.
 *   npx tsx monitoring/dashboard-snapshot.ts docs/monitoring-dashboard.svg [traffic seconds, default 120]
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { killAll, spawnServer } from '../app/test/helpers/process';
import { renderMetrics } from '../scripts/src/offsite-plan';
import { EXPORTER_METRICS, promqlMetricNames } from './metric-names';
import { legendName, renderDashboardSvg, type PanelData } from './svg-dashboard';
import { dashboardPanels, panelQueries } from './test/dashboard-queries';
import { stackConfigOnLoopback } from './test/loopback-config';
import { pollUntil, startBlackboxExporter, startNodeExporter, startPrometheus, startTlsServer } from './test/loopback-stack';
import { MONITORING_DIR, PROMETHEUS_TEMPLATE, renderConfig, RULES_DIR, SAMPLE_ENV } from './test/monitoring-files';
import { runTraffic } from './test/traffic';

const RATE_INTERVAL = '15s';
const STEP_SECONDS = 2;
const ORIGIN = 'http://chat.test';

async function main(): Promise<void> {
  const output = process.argv[2];
  const seconds = Number(process.argv[3] ?? 120);
  if (!output || !Number.isFinite(seconds) || seconds < 10) throw new Error('usage: dashboard-snapshot.ts <output.svg> [traffic seconds >= 10]');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'shagram-snapshot-'));
  const stops: Array<() => Promise<void>> = [];
  try {
    const now = Math.floor(Date.now() / 1000);
    const textfiles = path.join(dir, 'textfile');
    fs.mkdirSync(textfiles);
    // A staged backup.prom (written by the off-host backup's own renderMetrics): backups 3 hours old.
    fs.writeFileSync(path.join(textfiles, 'backup.prom'), renderMetrics(undefined, { chat: now - 3 * 3600 - 1200, jenkins: now - 3 * 3600 - 600, harbor: now - 3 * 3600 }));
    const app = await spawnServer({ DATABASE_PATH: path.join(dir, 'shagram.db'), WS_ALLOWED_ORIGINS: ORIGIN, MESSAGE_RATE_LIMIT: '100000/10', LOG_LEVEL: 'info' });
    stops.push(async () => killAll());
    const [node, blackbox, tls] = await Promise.all([
      startNodeExporter(textfiles),
      startBlackboxExporter(path.join(MONITORING_DIR, 'blackbox', 'blackbox.yml')),
      startTlsServer(dir, 60),
    ]);
    stops.push(node.stop, blackbox.stop, tls.close);
    const config = stackConfigOnLoopback(fs.readFileSync(renderConfig(PROMETHEUS_TEMPLATE, SAMPLE_ENV, dir), 'utf8'), {
      targets: { shagram: [`127.0.0.1:${app.port}`], node: [node.address], 'shagram-ready': [`http://127.0.0.1:${app.port}/readyz`], tls: [`localhost:${tls.port}`] },
      addresses: { 'blackbox:9115': blackbox.address },
      rulesDir: RULES_DIR,
      intervalSeconds: 1,
    });
    const prometheus = await startPrometheus(dir, config);
    stops.push(prometheus.stop);
    await pollUntil('every job scraped', 20_000, async () => ((await prometheus.query('count(up == 1)'))[0]?.value[1] === '4' ? true : undefined));
    const start = Date.now() / 1000;
    console.error(`dashboard-snapshot: ${seconds} s of chat traffic against the app on port ${app.port}...`);
    const traffic = await runTraffic({ url: app.url, wsUrl: app.wsUrl, origin: ORIGIN, durationMs: seconds * 1000, messagesPerSecond: 50 });
    // Two more scrapes, so the last points include the end of the traffic.
    const end = Date.now() / 1000 + 2;
    await pollUntil('last scrape', 10_000, async () => (Date.now() / 1000 > end ? true : undefined));
    const queries = panelQueries(dashboardPanels(), RATE_INTERVAL);
    const cadvisor = new Set<string>(EXPORTER_METRICS.cadvisor);
    const panels: PanelData[] = [];
    for (const panel of dashboardPanels()) {
      const own = queries.filter((query) => query.panelId === panel.id);
      const series = [];
      for (const query of own) {
        const data = await prometheus.api<{ result: Array<{ metric: Record<string, string>; values: Array<[number, string]> }> }>('query_range', {
          query: query.expr,
          start: String(start),
          end: String(end),
          step: String(STEP_SECONDS),
        });
        for (const result of data.result) {
          series.push({ name: legendName(query.legendFormat, result.metric), points: result.values.map(([t, v]) => [t, Number(v)] as [number, number]) });
        }
      }
      const onlyCadvisor = own.length > 0 && own.every((query) => promqlMetricNames(query.expr).some((name) => cadvisor.has(name)));
      panels.push({
        title: panel.title,
        type: panel.type,
        gridPos: panel.gridPos,
        unit: panel.fieldConfig?.defaults.unit ?? 'short',
        min: panel.fieldConfig?.defaults.min,
        max: panel.fieldConfig?.defaults.max,
        series,
        noDataNote: onlyCadvisor ? 'No data here: cAdvisor (per-container metrics) needs a container engine' : 'No data',
      });
    }
    const svg = renderDashboardSvg(panels, {
      title: 'Shagram dashboard (monitoring/grafana/dashboards/shagram.json), drawn from a real Prometheus',
      subtitle: `${new Date(start * 1000).toISOString().slice(0, 16)}Z, ${seconds} s of loopback chat traffic: ${traffic.sent} messages, ${traffic.rejectedSent} rejected frames, ${traffic.httpRequests} history/404/401 requests; each panel's query_range (step ${STEP_SECONDS} s, $__rate_interval = ${RATE_INTERVAL})`,
      footer: [
        "Not a Grafana screenshot: Grafana is not run here. Each panel's PromQL was sent to Debian's Prometheus 2.42 (the stack's scrape configuration moved onto loopback, 1 s scrapes) and its answer drawn as is.",
        "Sources: the app started from source; Debian's node-exporter (this machine's CPU, memory and disks) and blackbox exporter (/readyz; a loopback TLS server with a 60-day certificate standing in for the edge).",
        "The backup ages come from a backup.prom staged for this picture (written with the off-host backup's own renderMetrics). cAdvisor panels are empty: no container engine runs the stack here.",
      ],
    });
    fs.mkdirSync(path.dirname(path.resolve(output)), { recursive: true });
    fs.writeFileSync(output, svg);
    console.error(`dashboard-snapshot: wrote ${output} (${panels.filter((p) => p.type !== 'row').length} panels, ${panels.reduce((n, p) => n + p.series.length, 0)} series)`);
  } finally {
    for (const stop of stops.reverse()) await stop().catch(() => undefined);
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(`dashboard-snapshot: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
