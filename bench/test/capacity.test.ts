import { execFile, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { meanFanout, planCapacity, roomSizes, sendersPerRoom, sourceAddress } from '../lib/capacity-plan';
import { parseBenchArgs } from '../lib/options';
import type { CapacityStep } from '../lib/results';
import { firstLimit } from '../workloads/capacity';
import { workloadsFor } from '../lib/replicas';

const ROOT = path.resolve(__dirname, '..', '..');
const TSX = path.join(ROOT, 'node_modules', '.bin', 'tsx');

describe('capacity plan', () => {
  test('room sizes: Zipf, a few large and many small, adding up exactly, each at least 2', () => {
    const sizes = roomSizes(15000, 500);
    expect(sizes).toHaveLength(500);
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(15000);
    expect(Math.min(...sizes)).toBeGreaterThanOrEqual(2);
    expect([...sizes].sort((a, b) => b - a)).toEqual(sizes);
    expect(sizes[0]).toBeGreaterThan(1500);
    expect(sizes.filter((size) => size <= 20).length).toBeGreaterThan(300);
    // fewer users than two per room: at most users / 2 rooms
    expect(roomSizes(7, 10)).toEqual([3, 2, 2]);
  });

  test('senders: the active share, in proportion to room size, never more than the members', () => {
    const sizes = roomSizes(1000, 50);
    const senders = sendersPerRoom(sizes, 0.05);
    expect(senders.reduce((a, b) => a + b, 0)).toBe(50);
    senders.forEach((s, i) => expect(s).toBeLessThanOrEqual(sizes[i]!));
    expect(senders[0]).toBeGreaterThan(senders[49]!);
    expect(sendersPerRoom([2, 2], 1)).toEqual([2, 2]);
  });

  test('rooms are dealt whole to the load processes, balanced by members', () => {
    const plan = planCapacity(15000, 500, 0.05, 4);
    expect(plan).toHaveLength(4);
    const names = plan.flat().map((room) => room.room);
    expect(new Set(names).size).toBe(500);
    const load = plan.map((rooms) => rooms.reduce((sum, room) => sum + room.members, 0));
    expect(load.reduce((a, b) => a + b, 0)).toBe(15000);
    expect(Math.max(...load) - Math.min(...load)).toBeLessThan(Math.max(...plan.flat().map((room) => room.members)));
    expect(meanFanout(plan)).toBeGreaterThan(15000 / 500);
    expect(sourceAddress(0)).toBe('127.0.0.2');
    expect(sourceAddress(3)).toBe('127.0.0.5');
  });

  test('opt-in: not in a default run, Shagram only, its flags parsed', () => {
    expect(parseBenchArgs([]).workloads).not.toContain('capacity');
    const o = parseBenchArgs(['--workloads', 'capacity', '--capacity-rates', '5, 10', '--capacity-users', '300']);
    expect(o.workloads).toEqual(['capacity']);
    expect(o.capacityRates).toEqual([5, 10]);
    expect(o.capacityUsers).toBe(300);
    expect(() => parseBenchArgs(['--capacity-rates', '5,x'])).toThrow(/--capacity-rates/);
    expect(() => parseBenchArgs(['--capacity-storm', '150'])).toThrow(/percentages/);
    expect(workloadsFor('ws-broadcast', ['capacity'])).toEqual({ run: [], notApplicable: ['capacity'] });
    expect(workloadsFor('shagram', ['capacity']).run).toEqual(['capacity']);
  });
});

describe('first limit', () => {
  const step = (over: Partial<CapacityStep>): CapacityStep => ({
    rate: 100, sentPerSec: 100, deliveredPerSec: 5000, deliveredShare: 1, p50Ms: 10, p99Ms: 50, cpuPercent: 40, cpuUsPerDelivery: 10, loadCpuPercent: 40, rssMB: 200, churned: 0, ok: true, ...over,
  });
  const base = { failedConnections: 0, latencyBoundMs: 100, loadAverage: [0.5, 0.7] as [number, number] };
  test('names the resource that ran out', () => {
    expect(firstLimit({ ...base, failedConnections: 3, firstConnectError: 'connect EMFILE', steps: [] }, 2)).toMatch(/^open files/);
    expect(firstLimit({ ...base, failedConnections: 3, firstConnectError: 'connect EADDRNOTAVAIL 127.0.0.1', steps: [] }, 2)).toMatch(/^local ports/);
    expect(firstLimit({ ...base, steps: [step({}), step({ rate: 200, ok: false, p99Ms: 300, cpuPercent: 95 })] }, 2)).toMatch(/^server CPU: its event loop .* at 200 messages\/s/);
    expect(firstLimit({ ...base, steps: [step({ ok: false, p99Ms: 300, cpuPercent: 80, loadCpuPercent: 100 })] }, 2)).toMatch(/^machine CPU: server 80 %/);
    expect(firstLimit({ ...base, loadAverage: [9, 11], steps: [step({ ok: false, p99Ms: 900, cpuPercent: 10, loadCpuPercent: 20 })] }, 2)).toMatch(/^machine CPU taken by other processes: load average 11.0/);
    expect(firstLimit({ ...base, steps: [step({})] }, 2)).toMatch(/^none: every step passed, up to 100/);
  });
});

// A tiny run of the real CLI (a few hundred users, two rate steps, a storm). No timing is asserted: that it ran,
// that every user connected, that the storm's users all came back and that nobody missed a message.
describe('capacity workload (tiny run)', () => {
  let out: string;
  beforeAll(() => {
    out = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-capacity-'));
    const built = path.join(ROOT, 'app', 'dist', 'ws', 'gateway.js');
    const source = path.join(ROOT, 'app', 'src', 'ws', 'gateway.ts');
    // the replay event must be in the build the bench runs
    if (!fs.existsSync(built) || fs.statSync(built).mtimeMs < fs.statSync(source).mtimeMs) execFileSync('npm', ['run', '-s', 'build'], { cwd: ROOT, stdio: 'ignore' });
  }, 120_000);
  afterAll(() => fs.rmSync(out, { recursive: true, force: true }));

  test('connects every user, steps the rate, absorbs the storm, and nobody missed a message', async () => {
    const args = [
      '--targets', 'shagram', '--workloads', 'capacity', '--capacity-users', '240', '--capacity-rooms', '12', '--capacity-accounts', '6',
      '--capacity-rates', '5,10', '--capacity-step', '1', '--capacity-procs', '2', '--capacity-churn', '3', '--capacity-storm', '25', '--out', out,
    ];
    const { code, stdout, stderr } = await new Promise<{ code: number; stdout: string; stderr: string }>((resolve) =>
      execFile(TSX, [path.join(ROOT, 'bench', 'run.ts'), ...args], { cwd: ROOT, timeout: 150_000 }, (error, so, se) =>
        resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout: so, stderr: se }),
      ),
    );
    expect({ code, stderr: code === 0 ? '' : stderr }).toEqual({ code: 0, stderr: '' });
    expect(stdout).toMatch(/Capacity \(shagram\): 240 users/);
    const report = JSON.parse(fs.readFileSync(path.join(out, 'latest.json'), 'utf8'));
    const c = report.results.shagram.capacity;
    expect({ errors: report.results.shagram.errors, users: c.users, failed: c.failedConnections }).toEqual({ errors: [], users: 240, failed: 0 });
    expect(c.rooms).toBe(12);
    expect(c.steps.length).toBeGreaterThanOrEqual(1);
    for (const step of c.steps) {
      expect(step.sentPerSec).toBeGreaterThan(0);
      expect(step.deliveredPerSec).toBeGreaterThan(step.sentPerSec);
      expect(step.cpuUsPerDelivery).toBeGreaterThan(0);
    }
    expect(c.rssPerUserKB).toBeGreaterThan(0);
    expect(c.storm.dropped).toBe(60);
    expect(c.storm).toMatchObject({ reconnected: 60, failed: 0 });
    expect(c.storm.serverCpuSeconds).toBeGreaterThan(0);
    expect(c.storm.listenOverflows).toBeGreaterThanOrEqual(0);
    expect(c.storm.synRetransmits).toBeGreaterThanOrEqual(0);
    expect(c.verify).toMatchObject({ checked: 240, missed: 0, duplicates: 0 });
    expect(typeof c.firstLimit).toBe('string');
  }, 170_000);
});
