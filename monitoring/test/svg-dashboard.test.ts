import { escapeXml, formatValue, legendName, renderDashboardSvg, type PanelData } from '../svg-dashboard';

const series = (name: string, values: number[]) => ({ name, points: values.map((v, i) => [1_700_000_000 + i * 2, v] as [number, number]) });

describe('renderDashboardSvg', () => {
  const panels: PanelData[] = [
    { title: 'Overview', type: 'row', gridPos: { x: 0, y: 0, w: 24, h: 1 }, unit: 'short', series: [] },
    { title: 'Up <app>', type: 'stat', gridPos: { x: 0, y: 1, w: 4, h: 4 }, unit: 'short', series: [series('up', [1, 1, 1])] },
    { title: 'Latency', type: 'timeseries', gridPos: { x: 4, y: 1, w: 20, h: 8 }, unit: 's', series: [series('p50', [0.001, 0.002, NaN, 0.002]), series('p99', [0.01, 0.02, 0.03, 0.02])] },
    { title: 'CPU', type: 'timeseries', gridPos: { x: 0, y: 17, w: 24, h: 8 }, unit: 'percent', min: 0, max: 100, series: [series('cpu', [10, 20])] },
    { title: 'Restarts', type: 'timeseries', gridPos: { x: 0, y: 9, w: 24, h: 8 }, unit: 'short', series: [], noDataNote: 'No data: cAdvisor is not running here' },
  ];
  const svg = renderDashboardSvg(panels, { title: 'Shagram', subtitle: 'sub', footer: ['from a real Prometheus'], width: 1200 });

  it('is one well-formed SVG document sized to the grid', () => {
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg" width="1200" height="')).toBe(true);
    expect(svg.trim().endsWith('</svg>')).toBe(true);
    const height = Number(/height="(\d+)"/.exec(svg)?.[1]);
    expect(height).toBeGreaterThanOrEqual(64 + 25 * 30);
    expect((svg.match(/<g>/g) ?? []).length).toBe((svg.match(/<\/g>/g) ?? []).length);
    // Once every tag (with quoted attributes) is removed, no angle bracket is left: the text is escaped.
    expect(svg.replace(/<\/?[a-z]+(\s+[a-zA-Z0-9:-]+="[^"<>]*")*\s*\/?>/g, '')).not.toMatch(/[<>]/);
    expect(svg).not.toContain('NaN');
  });

  it('places panels on the 24-column grid (50 px a column at 1200 px, 30 px a row)', () => {
    expect(svg).toContain('<rect class="panel" x="204" y="98" width="992" height="232" rx="3"/>');
  });

  it('draws a line per series, broken at a missing sample, a legend with the last value, the stat value and the no-data note', () => {
    expect((svg.match(/<polyline /g) ?? []).length).toBe(4);
    expect(svg).toContain('p99  (last 20 ms)');
    expect(svg).toMatch(/class="stat"[^>]*>1<\/text>/);
    expect(svg).toContain('No data: cAdvisor is not running here');
    expect(svg).toContain('Up &lt;app&gt;');
  });

  it("keeps a panel's own axis bounds (0-100 % for CPU), not the data's", () => {
    expect(svg).toContain('>100%</text>');
    expect(svg).toContain('>0%</text>');
  });
});

describe('helpers', () => {
  it('format values in the units of the dashboard', () => {
    expect(formatValue(0.0123, 's')).toBe('12.3 ms');
    expect(formatValue(0.00042, 's')).toBe('420 µs');
    expect(formatValue(3 * 3600, 's')).toBe('3 h');
    expect(formatValue(60 * 86400, 's')).toBe('60 d');
    expect(formatValue(83_886_080, 'bytes')).toBe('80 MiB');
    expect(formatValue(42.4, 'percent')).toBe('42%');
    expect(formatValue(12.5, 'ops')).toBe('12.5 ops/s');
    expect(formatValue(1500, 'short')).toBe('1.50K');
  });

  it('expand legends like Grafana', () => {
    expect(legendName('{{route}} {{status}}', { route: '/api/me', status: '401' })).toBe('/api/me 401');
    expect(legendName('__auto', { __name__: 'up', job: 'shagram' })).toBe('up{job="shagram"}');
    expect(legendName('', {})).toBe('value');
  });

  it('escape XML', () => {
    expect(escapeXml('a<b>&"c"')).toBe('a&lt;b&gt;&amp;&quot;c&quot;');
  });
});
