/**
 * Draws dashboard panels (Grafana's grid positions, a title, a unit and the series a query returned) into one SVG
 * image: timeseries as lines with a legend, stats as their last value, rows as headers. Pure: the data comes from a
 * real Prometheus (dashboard-snapshot.ts), this only draws it.
 */

/** One series: its legend text and its points [unix seconds, value]. */
export interface SeriesData {
  name: string;
  points: Array<[number, number]>;
}

export interface PanelData {
  title: string;
  type: string;
  gridPos: { x: number; y: number; w: number; h: number };
  unit: string;
  series: SeriesData[];
  /** Shown instead of the chart when there is no series. */
  noDataNote?: string;
  /** The axis bounds the panel sets (fieldConfig.defaults.min/max); otherwise from the data. */
  min?: number;
  max?: number;
}

export interface SvgOptions {
  title: string;
  subtitle: string;
  /** Lines under the panels (where the data came from). */
  footer: readonly string[];
  /** Width in pixels (Grafana's 24 columns across it). */
  width?: number;
}

const ROW_PX = 30;
const HEADER_PX = 64;
const PALETTE = ['#73bf69', '#f2cc0c', '#5794f2', '#ff780a', '#b877d9', '#f2495c', '#37872d', '#fade2a', '#8ab8ff', '#ff9830'];

/** XML text escaping. Pure. */
export function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** Grafana's legend: `{{label}}` replaced by the series' label values; `__auto` or empty: the labels. Pure. */
export function legendName(format: string, labels: Record<string, string>): string {
  if (format && format !== '__auto') return format.replace(/\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}/g, (_m, name: string) => labels[name] ?? '');
  const { __name__: name, ...rest } = labels;
  const inner = Object.entries(rest).map(([key, value]) => `${key}="${value}"`).join(', ');
  return `${name ?? ''}${inner ? `{${inner}}` : ''}` || 'value';
}

function compact(value: number, suffixes: readonly string[], base: number): string {
  let scaled = value;
  let index = 0;
  while (Math.abs(scaled) >= base && index < suffixes.length - 1) {
    scaled /= base;
    index += 1;
  }
  const digits = Math.abs(scaled) >= 100 || Number.isInteger(scaled) ? 0 : Math.abs(scaled) >= 10 ? 1 : 2;
  return `${scaled.toFixed(digits)}${suffixes[index]}`;
}

/** "20.0" -> "20", "12.30" -> "12.3". */
function trim(fixed: string): string {
  return fixed.includes('.') ? fixed.replace(/\.?0+$/, '') : fixed;
}

/** A value as Grafana shows it for the unit (the units this dashboard uses). Pure. */
export function formatValue(value: number, unit: string): string {
  if (!Number.isFinite(value)) return String(value);
  switch (unit) {
    case 'percent':
      return `${trim(value.toFixed(value >= 10 ? 0 : 1))}%`;
    case 'bytes':
      return compact(value, [' B', ' KiB', ' MiB', ' GiB', ' TiB'], 1024);
    case 's': {
      const abs = Math.abs(value);
      if (abs === 0) return '0 s';
      if (abs < 1e-3) return `${trim((value * 1e6).toFixed(0))} µs`;
      if (abs < 1) return `${trim((value * 1e3).toFixed(abs < 0.01 ? 2 : abs < 0.1 ? 1 : 0))} ms`;
      if (abs < 120) return `${trim(value.toFixed(1))} s`;
      if (abs < 7200) return `${trim((value / 60).toFixed(0))} min`;
      if (abs < 172800) return `${trim((value / 3600).toFixed(1))} h`;
      return `${trim((value / 86400).toFixed(1))} d`;
    }
    case 'ops':
      return `${compact(value, ['', 'K', 'M'], 1000)} ops/s`;
    case 'reqps':
      return `${compact(value, ['', 'K', 'M'], 1000)} req/s`;
    default:
      return compact(value, ['', 'K', 'M', 'G'], 1000);
  }
}

function timeLabel(seconds: number): string {
  return new Date(seconds * 1000).toISOString().slice(11, 19);
}

function drawTimeseries(panel: PanelData, x: number, y: number, w: number, h: number): string[] {
  const out: string[] = [];
  const legendLines = Math.min(panel.series.length, 4);
  const plot = { x: x + 58, y: y + 30, w: w - 70, h: h - 30 - 22 - legendLines * 14 - 6 };
  const points = panel.series.flatMap((series) => series.points);
  const times = points.map(([t]) => t);
  const values = points.map(([, v]) => v).filter(Number.isFinite);
  const t0 = Math.min(...times);
  const t1 = Math.max(...times);
  const vMin = panel.min ?? Math.min(0, ...values);
  let vMax = panel.max ?? Math.max(...values);
  if (vMax <= vMin) vMax = vMin + 1;
  if (panel.max === undefined) vMax = vMin + (vMax - vMin) * 1.08;
  const sx = (t: number) => plot.x + (t1 > t0 ? ((t - t0) / (t1 - t0)) * plot.w : plot.w / 2);
  const sy = (v: number) => plot.y + plot.h - ((v - vMin) / (vMax - vMin)) * plot.h;
  for (let i = 0; i <= 4; i++) {
    const value = vMin + ((vMax - vMin) * i) / 4;
    const gy = sy(value);
    out.push(`<line x1="${plot.x}" y1="${gy.toFixed(1)}" x2="${plot.x + plot.w}" y2="${gy.toFixed(1)}" class="grid"/>`);
    out.push(`<text x="${plot.x - 4}" y="${(gy + 3).toFixed(1)}" class="axis" text-anchor="end">${escapeXml(formatValue(value, panel.unit))}</text>`);
  }
  for (const [i, t] of [t0, (t0 + t1) / 2, t1].entries()) {
    out.push(`<text x="${sx(t).toFixed(1)}" y="${plot.y + plot.h + 12}" class="axis" text-anchor="${['start', 'middle', 'end'][i]}">${timeLabel(t)}</text>`);
  }
  panel.series.forEach((series, index) => {
    const color = PALETTE[index % PALETTE.length];
    // A gap (missing samples) breaks the line, as in Grafana.
    const segments: string[][] = [[]];
    let previous: number | undefined;
    for (const [t, v] of series.points) {
      if (!Number.isFinite(v) || (previous !== undefined && t - previous > 3 * stepOf(series))) segments.push([]);
      if (Number.isFinite(v)) segments[segments.length - 1]!.push(`${sx(t).toFixed(1)},${sy(v).toFixed(1)}`);
      previous = t;
    }
    for (const segment of segments.filter((s) => s.length > 0)) {
      out.push(`<polyline class="series" stroke="${color}" points="${segment.join(' ')}"/>`);
    }
  });
  panel.series.slice(0, legendLines).forEach((series, index) => {
    const ly = plot.y + plot.h + 28 + index * 14;
    const last = [...series.points].reverse().find(([, v]) => Number.isFinite(v));
    const text = `${series.name}${last ? `  (last ${formatValue(last[1], panel.unit)})` : ''}`;
    out.push(`<rect x="${x + 10}" y="${ly - 8}" width="12" height="3" fill="${PALETTE[index % PALETTE.length]}"/>`);
    out.push(`<text x="${x + 28}" y="${ly - 3}" class="legend">${escapeXml(text.length > 90 ? `${text.slice(0, 87)}...` : text)}</text>`);
  });
  if (panel.series.length > legendLines) {
    out.push(`<text x="${x + w - 10}" y="${y + 18}" class="legend" text-anchor="end">+${panel.series.length - legendLines} more series</text>`);
  }
  return out;
}

function stepOf(series: SeriesData): number {
  const [a, b] = series.points;
  return a && b ? b[0] - a[0] : 1;
}

function drawStat(panel: PanelData, x: number, y: number, w: number, h: number): string[] {
  const lines = panel.series.map((series) => {
    const last = [...series.points].reverse().find(([, v]) => Number.isFinite(v));
    return { name: series.name, value: last ? formatValue(last[1], panel.unit) : '-' };
  });
  if (lines.length === 1) {
    return [`<text x="${x + w / 2}" y="${y + h / 2 + 16}" class="stat" text-anchor="middle">${escapeXml(lines[0]!.value)}</text>`];
  }
  return lines.slice(0, 4).map((line, index) => `<text x="${x + 12}" y="${y + 42 + index * 18}" class="statSmall">${escapeXml(`${line.name}: ${line.value}`)}</text>`);
}

/** The SVG image of the panels. Pure. */
export function renderDashboardSvg(panels: readonly PanelData[], options: SvgOptions): string {
  const width = options.width ?? 1440;
  const col = width / 24;
  const bottom = Math.max(...panels.map((panel) => panel.gridPos.y + panel.gridPos.h));
  const footerTop = HEADER_PX + bottom * ROW_PX + 16;
  const height = footerTop + options.footer.length * 16 + 12;
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="Inter, Helvetica, Arial, sans-serif">`,
    '<style>.bg{fill:#111217}.panel{fill:#181b1f;stroke:#2c3235}.title{fill:#ccccdc;font-size:13px;font-weight:600}.row{fill:#ccccdc;font-size:15px;font-weight:600}.axis{fill:#8e8e8e;font-size:10px}.legend{fill:#ccccdc;font-size:11px}.grid{stroke:#2c3235;stroke-width:1}.series{fill:none;stroke-width:1.5}.stat{fill:#73bf69;font-size:30px;font-weight:600}.statSmall{fill:#73bf69;font-size:13px;font-weight:600}.nodata{fill:#8e8e8e;font-size:12px}.head{fill:#ccccdc;font-size:20px;font-weight:600}.sub{fill:#8e8e8e;font-size:12px}</style>',
    `<rect class="bg" x="0" y="0" width="${width}" height="${height}"/>`,
    `<text x="12" y="28" class="head">${escapeXml(options.title)}</text>`,
    `<text x="12" y="48" class="sub">${escapeXml(options.subtitle)}</text>`,
  ];
  for (const panel of panels) {
    const x = panel.gridPos.x * col + 4;
    const y = HEADER_PX + panel.gridPos.y * ROW_PX + 4;
    const w = panel.gridPos.w * col - 8;
    const h = panel.gridPos.h * ROW_PX - 8;
    if (panel.type === 'row') {
      out.push(`<text x="${x + 4}" y="${y + 17}" class="row">${escapeXml(panel.title)}</text>`);
      continue;
    }
    out.push(`<g><rect class="panel" x="${x}" y="${y}" width="${w}" height="${h}" rx="3"/>`);
    out.push(`<text x="${x + 10}" y="${y + 18}" class="title">${escapeXml(panel.title)}</text>`);
    if (panel.series.length === 0 || panel.series.every((series) => series.points.length === 0)) {
      out.push(`<text x="${x + w / 2}" y="${y + h / 2 + 8}" class="nodata" text-anchor="middle">${escapeXml(panel.noDataNote ?? 'No data')}</text>`);
    } else {
      out.push(...(panel.type === 'stat' ? drawStat(panel, x, y, w, h) : drawTimeseries(panel, x, y, w, h)));
    }
    out.push('</g>');
  }
  options.footer.forEach((line, index) => out.push(`<text x="12" y="${footerTop + index * 16}" class="sub">${escapeXml(line)}</text>`));
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}
