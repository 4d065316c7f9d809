import { execFile, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '..', '..');
const TSX = path.join(ROOT, 'node_modules', '.bin', 'tsx');

// A tiny run of the real CLI: every target, every workload, seconds not minutes. No timing is
// asserted — only that each target ran, figures are positive, and JSON + SVG were written.
const TINY = [
  '--rooms', '2', '--clients', '3', '--senders', '2', '--warmup', '0.3', '--duration', '1',
  '--scale-connections', '30', '--scale-steps', '2', '--scale-settle', '0.2', '--scale-rooms', '3',
  '--history-duration', '1', '--history-seed', '55', '--history-connections', '2', '--load-procs', '1',
];

function run(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(TSX, [path.join(ROOT, 'bench', 'run.ts'), ...args], { cwd: ROOT, timeout: 90_000 }, (error, stdout, stderr) =>
      resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

describe('bench harness (tiny run)', () => {
  let out: string;

  beforeAll(() => {
    out = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-test-'));
    if (!fs.existsSync(path.join(ROOT, 'app', 'dist', 'main.js'))) execFileSync('npm', ['run', '-s', 'build'], { cwd: ROOT, stdio: 'ignore' });
  }, 120_000);

  afterAll(() => fs.rmSync(out, { recursive: true, force: true }));

  test('runs every target and writes the table, JSON and SVG', async () => {
    const { code, stdout, stderr } = await run([...TINY, '--out', out]);
    expect({ code, stderr: code === 0 ? '' : stderr }).toEqual({ code: 0, stderr: '' });
    expect(stderr).toMatch(/fan-out shagram/); // progress lines while it runs
    expect(stdout).toMatch(/delivered msgs\/s/);
    expect(stdout).toMatch(/shagram\/ws-broadcast/);
    expect(stdout).toMatch(/Targets \(Shagram\):/);

    const files = fs.readdirSync(out).sort();
    expect(files).toEqual(expect.arrayContaining(['latest.json', 'latest.svg']));
    expect(files.filter((f) => /^bench-.*\.(json|svg)$/.test(f))).toHaveLength(2);

    const report = JSON.parse(fs.readFileSync(path.join(out, 'latest.json'), 'utf8'));
    for (const name of ['shagram', 'ws-broadcast', 'socketio-sqlite']) {
      const r = report.results[name];
      expect({ name, errors: r.errors }).toEqual({ name, errors: [] });
      expect(r.fanout.connected).toBe(6);
      expect(r.fanout.deliveredPerSec).toBeGreaterThan(0);
      expect(r.fanout.sentPerSec).toBeGreaterThan(0);
      expect(r.fanout.p50Ms).toBeGreaterThan(0);
      expect(r.fanout.p99Ms).toBeGreaterThanOrEqual(r.fanout.p50Ms);
      expect(r.fanout.cpuPercent).toBeGreaterThan(0);
      expect(r.fanout.loadCpuPercent).toBeGreaterThan(0);
      expect(r.fanout.rssMB).toBeGreaterThan(0);
      expect(r.scale.connections).toBe(30);
      expect(r.scale.finalRssMB).toBeGreaterThan(0);
      expect(Number.isFinite(r.scale.perConnKB)).toBe(true);
      expect(r.scale.steps).toHaveLength(2);
    }
    for (const name of ['shagram', 'socketio-sqlite']) {
      const h = report.results[name].history;
      expect(h.requestsPerSec).toBeGreaterThan(0);
      expect(h.pageSize).toBe(50);
      expect(h.non2xx).toBe(0);
    }
    expect(report.results['ws-broadcast'].history).toBeUndefined();
    expect(report.checks).toHaveLength(5);
    expect(report.checks.filter((c: any) => c.measured === undefined)).toEqual([]);

    const svg = fs.readFileSync(path.join(out, 'latest.svg'), 'utf8');
    expect(svg).toMatch(/^<svg xmlns="http:\/\/www.w3.org\/2000\/svg"/);
    expect(svg).toContain('socketio-sqlite');
  }, 100_000);

  test('a bad flag fails with one readable line', async () => {
    const { code, stderr } = await run(['--rooms', 'many']);
    expect(code).toBe(2);
    expect(stderr.trim()).toBe('bench: --rooms must be a whole number ≥ 1, got "many" (see --help)');
  });
});
