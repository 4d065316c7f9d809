/** The dashboard's queries as Prometheus receives them from Grafana (pure). */
import fs from 'node:fs';
import path from 'node:path';
import { MONITORING_DIR } from './monitoring-files';

export interface PanelQuery {
  panelId: number;
  panel: string;
  type: string;
  gridPos: { x: number; y: number; w: number; h: number };
  unit: string;
  refId: string;
  expr: string;
  legendFormat: string;
}

export interface DashboardPanel {
  id: number;
  type: string;
  title: string;
  gridPos: { x: number; y: number; w: number; h: number };
  fieldConfig?: { defaults: { unit?: string; min?: number; max?: number } };
  targets?: Array<{ refId: string; expr: string; legendFormat?: string }>;
}

export const DASHBOARD_FILE = path.join(MONITORING_DIR, 'grafana', 'dashboards', 'shagram.json');

/** The panels of the dashboard file. */
export function dashboardPanels(file = DASHBOARD_FILE): DashboardPanel[] {
  return (JSON.parse(fs.readFileSync(file, 'utf8')) as { panels: DashboardPanel[] }).panels;
}

/** Grafana's interval variables replaced the way Grafana does for a given rate interval (e.g. "1m"). Pure. */
export function expandGrafanaVariables(expr: string, rateInterval: string): string {
  return expr.replace(/\$__rate_interval|\$\{__rate_interval\}/g, rateInterval).replace(/\$__interval|\$\{__interval\}/g, rateInterval);
}

/** Every query of every panel, variables expanded. Pure. */
export function panelQueries(panels: readonly DashboardPanel[], rateInterval: string): PanelQuery[] {
  return panels.flatMap((panel) =>
    (panel.targets ?? []).map((target) => ({
      panelId: panel.id,
      panel: panel.title,
      type: panel.type,
      gridPos: panel.gridPos,
      unit: panel.fieldConfig?.defaults.unit ?? 'short',
      refId: target.refId,
      expr: expandGrafanaVariables(target.expr, rateInterval),
      legendFormat: target.legendFormat ?? '',
    })),
  );
}
