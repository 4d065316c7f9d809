// A tiny run of the real bench CLI against the two-replica target (shagram-2x): a throwaway
// PostgreSQL and Redis (Debian's packages, hence the system lane) and two Shagram replicas from the
// production build. No timing is asserted — only that the figures exist, messages were delivered,
// and some deliveries crossed replicas (through Redis).
import { execFile, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '..', '..');
const TSX = path.join(ROOT, 'node_modules', '.bin', 'tsx');

const TINY = ['--rooms', '2', '--clients', '4', '--senders', '2', '--warmup', '0.3', '--duration', '1', '--load-procs', '1'];

function run(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(TSX, [path.join(ROOT, 'bench', 'run.ts'), ...args], { cwd: ROOT, timeout: 150_000 }, (error, stdout, stderr) =>
      resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

describe('bench shagram-2x (tiny run)', () => {
  let out: string;

  beforeAll(() => {
    out = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-replicas-test-'));
    if (!fs.existsSync(path.join(ROOT, 'app', 'dist', 'main.js'))) execFileSync('npm', ['run', '-s', 'build'], { cwd: ROOT, stdio: 'ignore' });
  }, 120_000);

  afterAll(() => fs.rmSync(out, { recursive: true, force: true }));

  test('two replicas on PostgreSQL + Redis deliver across replicas; figures in the table and the JSON', async () => {
    const { code, stdout, stderr } = await run([...TINY, '--targets', 'shagram,shagram-2x', '--workloads', 'fanout,history', '--history-duration', '1', '--history-seed', '55', '--history-connections', '2', '--out', out]);
    expect({ code, stderr: code === 0 ? '' : stderr }).toEqual({ code: 0, stderr: '' });
    expect(stderr).toMatch(/shagram-2x: history not measured/);
    expect(stderr).toMatch(/shagram-2x: clients per replica 4 \(1 senders\) \/ 4 \(1 senders\)/);
    expect(stdout.split('\n')[1]).toMatch(/shagram\s+shagram-2x\s+shagram-2x\/shagram$/);
    expect(stdout).toMatch(/deliveries across replicas %/);

    const report = JSON.parse(fs.readFileSync(path.join(out, 'latest.json'), 'utf8'));
    expect(report.options.targets).toEqual(['shagram', 'shagram-2x']);
    const r = report.results['shagram-2x'];
    expect(r.errors).toEqual([]);
    expect(r.skipped).toBeUndefined();
    expect(r.notApplicable).toEqual(['history']);
    expect(r.history).toBeUndefined();
    const f = r.fanout;
    expect(f.connected).toBe(8);
    expect(f.deliveredPerSec).toBeGreaterThan(0);
    expect(f.sentPerSec).toBeGreaterThan(0);
    expect(f.p99Ms).toBeGreaterThanOrEqual(f.p50Ms);
    expect(f.cpuPercent).toBeGreaterThan(0);
    expect(f.rssMB).toBeGreaterThan(0);
    expect(f.replicas.count).toBe(2);
    expect(f.replicas.clients).toEqual([4, 4]);
    expect(f.replicas.cpuPercent).toHaveLength(2);
    expect(f.replicas.rssMB.every((mb: number) => mb > 0)).toBe(true);
    expect(f.replicas.crossReplicaShare).toBeGreaterThan(0);
    expect(f.replicas.postgresCpuPercent).toEqual(expect.any(Number));
    expect(f.replicas.redisCpuPercent).toEqual(expect.any(Number));
    expect(report.results.shagram.fanout.deliveredPerSec).toBeGreaterThan(0);

    expect(fs.readFileSync(path.join(out, 'latest.svg'), 'utf8')).toContain('>shagram-2x</text>');
  }, 160_000);
});
