// A tiny capacity run of the real bench CLI against the two-replica target (shagram-2x): a throwaway PostgreSQL and
// Redis (Debian's packages, hence the system lane) and two Shagram replicas from the production build, every room's
// users alternating over them. No timing is asserted — that every user connected, the storm's users all came back,
// nobody missed a message or got one twice, and deliveries crossed replicas (through Redis).
import { execFile, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '..', '..');
const TSX = path.join(ROOT, 'node_modules', '.bin', 'tsx');

describe('bench capacity on shagram-2x (tiny run)', () => {
  let out: string;

  beforeAll(() => {
    out = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-capacity-replicas-'));
    const built = path.join(ROOT, 'app', 'dist', 'ws', 'gateway.js');
    const source = path.join(ROOT, 'app', 'src', 'ws', 'gateway.ts');
    if (!fs.existsSync(built) || fs.statSync(built).mtimeMs < fs.statSync(source).mtimeMs) execFileSync('npm', ['run', '-s', 'build'], { cwd: ROOT, stdio: 'ignore' });
  }, 120_000);

  afterAll(() => fs.rmSync(out, { recursive: true, force: true }));

  test('users on both replicas connect, the storm comes back, nobody misses a message, deliveries cross replicas', async () => {
    const args = [
      '--targets', 'shagram-2x', '--workloads', 'capacity', '--capacity-users', '240', '--capacity-rooms', '12', '--capacity-accounts', '6',
      '--capacity-rates', '5,10', '--capacity-step', '1', '--capacity-procs', '2', '--capacity-churn', '3', '--capacity-storm', '25', '--out', out,
    ];
    const { code, stdout, stderr } = await new Promise<{ code: number; stdout: string; stderr: string }>((resolve) =>
      execFile(TSX, [path.join(ROOT, 'bench', 'run.ts'), ...args], { cwd: ROOT, timeout: 170_000 }, (error, so, se) =>
        resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout: so, stderr: se }),
      ),
    );
    expect({ code, stderr: code === 0 ? '' : stderr }).toEqual({ code: 0, stderr: '' });
    expect(stderr).toMatch(/capacity: users per replica \d+ \(\d+ senders\) \/ \d+ \(\d+ senders\)/);
    expect(stdout).toMatch(/Capacity \(shagram-2x\): 240 users/);
    expect(stdout).toMatch(/server figures are the replicas' sum/);

    const report = JSON.parse(fs.readFileSync(path.join(out, 'latest.json'), 'utf8'));
    const r = report.results['shagram-2x'];
    expect({ errors: r.errors, skipped: r.skipped, notApplicable: r.notApplicable }).toEqual({ errors: [], skipped: undefined, notApplicable: undefined });
    const c = r.capacity;
    expect({ users: c.users, failed: c.failedConnections }).toEqual({ users: 240, failed: 0 });
    expect(c.steps.length).toBeGreaterThanOrEqual(1);
    for (const step of c.steps) {
      expect(step.sentPerSec).toBeGreaterThan(0);
      expect(step.deliveredPerSec).toBeGreaterThan(step.sentPerSec);
      expect(step.replicaCpuPercent).toHaveLength(2);
      expect(step.crossShare).toBeGreaterThan(0);
      expect(step.postgresCpuPercent).toEqual(expect.any(Number));
      expect(step.redisCpuPercent).toEqual(expect.any(Number));
    }
    expect(c.storm.dropped).toBe(60);
    expect(c.storm).toMatchObject({ reconnected: 60, failed: 0 });
    expect(c.storm.serverCpuSeconds).toBeGreaterThan(0);
    expect(c.verify).toMatchObject({ checked: 240, missed: 0, duplicates: 0 });

    const x = c.replicas;
    expect(x.count).toBe(2);
    // odd-sized rooms put one member more on one replica or the other
    expect(x.users[0] + x.users[1]).toBe(240);
    expect(Math.min(...x.users)).toBeGreaterThan(100);
    expect(x.baselineRssMB.every((mb: number) => mb > 0)).toBe(true);
    // the summed figure is the replicas' sum
    expect(c.connectedRssMB).toBeCloseTo(x.connectedRssMB[0] + x.connectedRssMB[1], 5);
    expect(x.plannedCrossShare).toBeGreaterThan(0.4);
    // users on one replica received messages sent by users on the other
    expect(x.crossReceived).toBeGreaterThan(0);
    expect(x.postgresRssMB).toBeGreaterThan(0);
    expect(x.redisRssMB).toBeGreaterThan(0);
  }, 180_000);
});
