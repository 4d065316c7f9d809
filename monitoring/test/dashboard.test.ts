import fs from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { knownMetricNames, promqlMetricNames } from '../metric-names';
import { MONITORING_DIR } from './monitoring-files';

interface Target {
  refId: string;
  expr: string;
  datasource?: { type: string; uid: string };
}
interface Panel {
  id: number;
  type: string;
  title: string;
  gridPos: { x: number; y: number; w: number; h: number };
  datasource?: { type: string; uid: string };
  targets?: Target[];
  fieldConfig?: { defaults: Record<string, unknown>; overrides: unknown[] };
  options?: Record<string, unknown>;
  panels?: Panel[];
  collapsed?: boolean;
}

const dashboardFile = path.join(MONITORING_DIR, 'grafana', 'dashboards', 'shagram.json');
const dashboard = JSON.parse(fs.readFileSync(dashboardFile, 'utf8')) as Record<string, unknown> & { panels: Panel[] };
const provisioned = YAML.parse(fs.readFileSync(path.join(MONITORING_DIR, 'grafana', 'provisioning', 'datasources', 'prometheus.yml'), 'utf8')) as {
  datasources: Array<{ uid: string; type: string; url: string }>;
};
const panels = dashboard.panels;
const queryPanels = panels.filter((panel) => panel.type !== 'row');
const exprs = queryPanels.flatMap((panel) => (panel.targets ?? []).map((target) => ({ panel: panel.title, expr: target.expr })));

/** Grafana's built-in panel types this dashboard may use (no plugin is installed: GF_PLUGINS_PLUGIN_ADMIN_ENABLED=false). */
const PANEL_TYPES = ['row', 'timeseries', 'stat', 'gauge', 'bargauge', 'table', 'text'];

describe('Grafana dashboard monitoring/grafana/dashboards/shagram.json', () => {
  it('has the dashboard model fields Grafana needs to provision it', () => {
    expect(dashboard.uid).toMatch(/^[A-Za-z0-9_-]{1,40}$/);
    expect(typeof dashboard.title).toBe('string');
    expect(dashboard.schemaVersion).toEqual(expect.any(Number));
    expect(dashboard.schemaVersion as number).toBeGreaterThanOrEqual(36);
    expect(dashboard.time).toEqual({ from: expect.any(String), to: 'now' });
    expect(dashboard.templating).toEqual({ list: expect.any(Array) });
    expect(dashboard.annotations).toEqual({ list: expect.any(Array) });
    expect(Array.isArray(panels) && panels.length).toBeGreaterThan(10);
    // Provisioned files are identified by uid; a numeric id would clash with Grafana's own.
    expect(dashboard.id ?? null).toBeNull();
  });

  it('has unique positive integer panel ids, known panel types and titles', () => {
    const ids = panels.map((panel) => panel.id);
    for (const id of ids) expect(Number.isInteger(id) && id > 0).toBe(true);
    expect(new Set(ids).size).toBe(ids.length);
    for (const panel of panels) {
      expect(PANEL_TYPES).toContain(panel.type);
      expect(panel.title.trim()).not.toBe('');
    }
  });

  it('lays the panels out on the 24-column grid without overlaps', () => {
    for (const { gridPos, title } of panels) {
      for (const key of ['x', 'y', 'w', 'h'] as const) expect({ title, [key]: Number.isInteger(gridPos[key]) }).toEqual({ title, [key]: true });
      expect(gridPos.x).toBeGreaterThanOrEqual(0);
      expect(gridPos.w).toBeGreaterThanOrEqual(1);
      expect(gridPos.h).toBeGreaterThanOrEqual(1);
      expect(gridPos.x + gridPos.w).toBeLessThanOrEqual(24);
    }
    const overlaps = (a: Panel['gridPos'], b: Panel['gridPos']) => a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h;
    for (const [i, a] of panels.entries()) {
      for (const b of panels.slice(i + 1)) expect({ pair: [a.title, b.title], overlap: overlaps(a.gridPos, b.gridPos) }).toEqual({ pair: [a.title, b.title], overlap: false });
    }
  });

  it('uses rows only as expanded headers (no nested panels, no queries)', () => {
    for (const row of panels.filter((panel) => panel.type === 'row')) {
      expect(row).toMatchObject({ collapsed: false, panels: [] });
      expect(row.targets).toBeUndefined();
      expect(row.gridPos).toMatchObject({ x: 0, w: 24, h: 1 });
    }
  });

  it('queries the provisioned Prometheus data source by its uid, panel and targets alike', () => {
    expect(provisioned.datasources).toHaveLength(1);
    const source = provisioned.datasources[0]!;
    expect(source).toMatchObject({ type: 'prometheus', url: 'http://prometheus:9090' });
    for (const panel of queryPanels) {
      expect({ panel: panel.title, datasource: panel.datasource }).toEqual({ panel: panel.title, datasource: { type: 'prometheus', uid: source.uid } });
      expect(panel.targets?.length).toBeGreaterThan(0);
      const refIds = (panel.targets ?? []).map((target) => target.refId);
      expect(new Set(refIds).size).toBe(refIds.length);
      for (const target of panel.targets ?? []) {
        expect(target.datasource).toEqual({ type: 'prometheus', uid: source.uid });
        expect(target.expr.trim()).not.toBe('');
      }
      expect(panel.fieldConfig).toEqual({ defaults: expect.any(Object), overrides: expect.any(Array) });
    }
  });

  it('queries only metric names that the app or an exporter really exports', async () => {
    const known = await knownMetricNames();
    for (const { panel, expr } of exprs) {
      const names = promqlMetricNames(expr);
      expect(names.length).toBeGreaterThan(0);
      expect({ panel, unknown: names.filter((name) => !known.has(name)) }).toEqual({ panel, unknown: [] });
    }
  });

  it('shows the app, host and container signals an operator watches', () => {
    const used = new Set(exprs.flatMap(({ expr }) => promqlMetricNames(expr)));
    for (const name of [
      'up',
      'probe_success',
      'shagram_ws_connections',
      'shagram_messages_stored_total',
      'shagram_broadcast_fanout_seconds_count',
      'shagram_broadcast_fanout_seconds_bucket',
      'shagram_commit_batch_messages_bucket',
      'shagram_http_request_duration_seconds_bucket',
      'shagram_http_request_duration_seconds_count',
      'shagram_ws_frames_rejected_total',
      'shagram_ws_upgrades_refused_total',
      'shagram_ws_duplicates_skipped_total',
      'shagram_delivery_gaps_total',
      'shagram_fanout_batches_delivered_total',
      'shagram_fanout_malformed_total',
      'shagram_fanout_outages_total',
      'node_cpu_seconds_total',
      'node_memory_MemAvailable_bytes',
      'node_filesystem_avail_bytes',
      'container_start_time_seconds',
      'container_cpu_usage_seconds_total',
      'container_memory_working_set_bytes',
      'probe_ssl_earliest_cert_expiry',
      'shagram_backup_last_success_timestamp_seconds',
    ]) {
      expect({ name, used: used.has(name) }).toEqual({ name, used: true });
    }
  });
});
