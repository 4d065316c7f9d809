import { evaluateTargets, ratio } from '../lib/checks';
import { planLaunch, SHAGRAM_BENCH_ENV } from '../lib/launch';
import type { TargetResults } from '../lib/results';
import { escapeXml, renderChart } from '../lib/svg';
import { buildRows, formatChecks, formatNumber, formatTable } from '../lib/table';
import { ulimitWrapped } from '../lib/child';

const fanout = (deliveredPerSec: number, p99Ms: number) => ({
  connected: 200, failedConnections: 0, deliveredPerSec, sentPerSec: deliveredPerSec / 20, p50Ms: p99Ms / 4, p95Ms: p99Ms / 2, p99Ms,
  meanMs: p99Ms / 3, cpuPercent: 95, loadCpuPercent: 90, rssMB: 80, lost: 0, samples: 1000,
});
const results: Record<string, TargetResults> = {
  shagram: {
    errors: [],
    fanout: fanout(95_000, 12),
    scale: { connections: 5000, failedConnections: 0, baselineRssMB: 60, finalRssMB: 100, perConnKB: 8.2, marginalPerConnKB: 7.9, steps: [] },
    history: { requestsPerSec: 6000, p50Ms: 2, p99Ms: 9, non2xx: 0, errors: 0, pageSize: 50 },
  },
  'ws-broadcast': { errors: [], fanout: fanout(100_000, 10) },
  'socketio-sqlite': { errors: [], fanout: fanout(30_000, 40), history: { requestsPerSec: 4000, p50Ms: 3, p99Ms: 12, non2xx: 0, errors: 0, pageSize: 50 } },
};

describe('report', () => {
  test('ratio guards missing and zero figures', () => {
    expect(ratio(3, 2)).toBe(1.5);
    expect(ratio(3, 0)).toBeUndefined();
    expect(ratio(undefined, 2)).toBeUndefined();
    expect(ratio(NaN, 2)).toBeUndefined();
  });

  test('targets: met, missed and not measured', () => {
    const checks = evaluateTargets(results, { scaleConnections: 5000 });
    expect(checks.map((c) => c.met)).toEqual([true, true, true, true, true]);
    expect(checks[0]!.measured).toBeCloseTo(0.95, 9);
    expect(checks[2]!.measured).toBeCloseTo(1.2, 9);

    const worse = evaluateTargets({ ...results, shagram: { ...results.shagram!, fanout: fanout(70_000, 30), history: undefined } }, { scaleConnections: 5000 });
    expect(worse.map((c) => c.met)).toEqual([false, true, false, true, undefined]);
    expect(formatChecks(worse)).toMatch(/^MISSED delivered msgs\/s ≥ 0.9 × bare ws: 0.70×$/m);
    expect(formatChecks(worse)).toMatch(/^n\/a {4}history/m);
  });

  test('numbers format by magnitude', () => {
    expect(formatNumber(95123.4)).toBe('95,123');
    expect(formatNumber(12.345)).toBe('12.3');
    expect(formatNumber(1.234)).toBe('1.23');
    expect(formatNumber(undefined)).toBe('—');
    expect(formatNumber(NaN)).toBe('—');
  });

  test('table has one column per target and a ratio column per peer', () => {
    const text = formatTable(buildRows(results), ['shagram', 'ws-broadcast', 'socketio-sqlite']);
    const lines = text.split('\n');
    expect(lines[0]).toMatch(/shagram\s+ws-broadcast\s+socketio-sqlite\s+shagram\/ws-broadcast\s+shagram\/socketio-sqlite/);
    const delivered = lines.find((l) => l.includes('delivered msgs/s'))!;
    expect(delivered).toMatch(/95,000\s+100,000\s+30,000\s+0.95×\s+3.17×/);
    const history = lines.find((l) => l.startsWith('history') && l.includes('requests/s'))!;
    expect(history).toMatch(/6,000\s+—\s+4,000\s+—\s+1.50×/);
    expect(text).not.toMatch(/idle connections open\s+—\s+—\s+—/);
  });

  test('table without Shagram has no ratio columns', () => {
    expect(formatTable(buildRows({ 'ws-broadcast': results['ws-broadcast']! }), ['ws-broadcast']).split('\n')[0]).not.toContain('shagram/');
  });

  test('SVG chart is well-formed, labelled and scaled to the largest bar', () => {
    const svg = renderChart(results, ['shagram', 'ws-broadcast', 'socketio-sqlite'], 'run <1>');
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(svg.trim().endsWith('</svg>')).toBe(true);
    expect(svg).toContain('run &lt;1&gt;');
    expect(svg).toContain('95,000');
    expect(svg).toContain('not measured'); // ws-broadcast has no history
    expect((svg.match(/<rect /g) ?? []).length).toBe(1 + 3 + 3 + 1 + 2); // background + bars that have figures
    const widths = [...svg.matchAll(/<rect x="\d+" y="\d+" width="([\d.]+)"/g)].map((m) => Number(m[1]));
    expect(Math.max(...widths)).toBeCloseTo(460 - 130 - 80, 1);
    expect(escapeXml('a&"b"')).toBe('a&amp;&quot;b&quot;');
  });

  test('launch plans: Shagram from its build with lifted limits and a fresh database; peers under tsx', () => {
    const s = planLaunch('shagram', 1234, '/tmp/d', '/repo/app/dist/main.js', 'secret');
    expect(s.nodeArgs).toEqual(['/repo/app/dist/main.js']);
    expect(s.env).toMatchObject({ ...SHAGRAM_BENCH_ENV, PORT: '1234', DATABASE_PATH: '/tmp/d/shagram.db', JWT_SECRET: 'secret' });
    expect(s.readyPath).toBe('/readyz');
    expect(s.historyPath!('bench-0')).toBe('/api/messages/bench-0');
    const ws = planLaunch('ws-broadcast', 1, '/tmp/d', 'x', 's');
    expect(ws.nodeArgs).toEqual(['--import', 'tsx', 'bench/peers/ws-broadcast.ts']);
    expect(ws.historyPath).toBeUndefined();
    expect(planLaunch('socketio-sqlite', 1, '/tmp/d', 'x', 's').env.DATABASE_PATH).toBe('/tmp/d/socketio.db');
  });

  test('children raise their open-files limit, then exec node (same pid)', () => {
    const { command, args } = ulimitWrapped(['app.js']);
    expect(command).toBe('bash');
    expect(args[1]).toMatch(/^ulimit -n .*; exec "\$0" "\$@"$/);
    expect(args.slice(2)).toEqual([process.execPath, 'app.js']);
  });
});
