import type { TargetName } from './options';
import type { TargetResults } from './results';
import { formatNumber } from './table';

/** Colours per target (Shagram stands out). */
export const TARGET_COLOURS: Record<TargetName, string> = {
  shagram: '#2563eb',
  'ws-broadcast': '#9ca3af',
  'socketio-sqlite': '#f59e0b',
  'shagram-2x': '#1e3a8a',
};

/** Escapes text for SVG. */
export function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

interface Panel {
  title: string;
  better: 'higher' | 'lower';
  pick: (r: TargetResults) => number | undefined;
}

const PANELS: Panel[] = [
  { title: 'Fan-out: delivered messages/s', better: 'higher', pick: (r) => r.fanout?.deliveredPerSec },
  { title: 'Fan-out: latency p99 (ms)', better: 'lower', pick: (r) => r.fanout?.p99Ms },
  { title: 'Scale: RSS per idle connection (KiB)', better: 'lower', pick: (r) => r.scale?.perConnKB },
  { title: 'History: requests/s', better: 'higher', pick: (r) => r.history?.requestsPerSec },
];

const PANEL_W = 460;
const LABEL_W = 130;
const BAR_H = 26;
const GAP = 10;

/** A panel's height: its title and one bar per target (170 px for the three default targets). */
export function panelHeight(targets: number): number {
  return Math.max(170, 32 + targets * (BAR_H + GAP) + 30);
}

function panel(p: Panel, results: Partial<Record<TargetName, TargetResults>>, targets: TargetName[], x: number, y: number): string {
  const values = targets.map((t) => ({ t, v: results[t] ? p.pick(results[t]!) : undefined }));
  const max = Math.max(0, ...values.map(({ v }) => (v !== undefined && Number.isFinite(v) ? v : 0)));
  const barMax = PANEL_W - LABEL_W - 80;
  const parts = [
    `<g transform="translate(${x},${y})">`,
    `<text x="0" y="16" font-size="14" font-weight="bold">${escapeXml(p.title)}</text>`,
    `<text x="${PANEL_W - 10}" y="16" font-size="11" text-anchor="end" fill="#6b7280">${p.better} is better</text>`,
  ];
  values.forEach(({ t, v }, i) => {
    const by = 32 + i * (BAR_H + GAP);
    parts.push(`<text x="${LABEL_W - 8}" y="${by + BAR_H * 0.68}" font-size="12" text-anchor="end">${escapeXml(t)}</text>`);
    if (v === undefined || !Number.isFinite(v)) {
      const why = results[t]?.skipped ? 'skipped' : 'not measured';
      parts.push(`<text x="${LABEL_W}" y="${by + BAR_H * 0.68}" font-size="12" fill="#6b7280">${why}</text>`);
      return;
    }
    const w = max > 0 ? Math.max(1, (v / max) * barMax) : 1;
    parts.push(`<rect x="${LABEL_W}" y="${by}" width="${w.toFixed(1)}" height="${BAR_H}" rx="3" fill="${TARGET_COLOURS[t]}"/>`);
    parts.push(`<text x="${(LABEL_W + w + 6).toFixed(1)}" y="${by + BAR_H * 0.68}" font-size="12">${escapeXml(formatNumber(v))}</text>`);
  });
  parts.push('</g>');
  return parts.join('\n');
}

/**
 * A self-contained SVG: one horizontal bar panel per headline figure (delivered msgs/s, p99,
 * RSS per idle connection, history req/s), one bar per target, values printed on the bars.
 */
export function renderChart(results: Partial<Record<TargetName, TargetResults>>, targets: TargetName[], subtitle: string): string {
  const cols = 2;
  const rows = Math.ceil(PANELS.length / cols);
  const width = cols * PANEL_W + 40;
  const panelH = panelHeight(targets.length);
  const height = 70 + rows * panelH;
  const body = PANELS.map((p, i) => panel(p, results, targets, 20 + (i % cols) * PANEL_W, 60 + Math.floor(i / cols) * panelH));
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif">`,
    `<rect width="100%" height="100%" fill="#ffffff"/>`,
    `<text x="20" y="28" font-size="18" font-weight="bold">Shagram vs peers</text>`,
    `<text x="20" y="46" font-size="12" fill="#374151">${escapeXml(subtitle)}</text>`,
    ...body,
    '</svg>',
    '',
  ].join('\n');
}
