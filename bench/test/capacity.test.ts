import { execFile, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { capacityReplicaLoad, meanFanout, memberReplica, planCapacity, plannedCapacityCrossShare, roomSizes, sendersPerRoom, sourceAddress } from '../lib/capacity-plan';
import { parseBenchArgs } from '../lib/options';
import type { CapacityResult, CapacityStep } from '../lib/results';
import { compareCapacity, firstLimit } from '../workloads/capacity';
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

  test('opt-in: not in a default run, Shagram and shagram-2x only, its flags parsed', () => {
    expect(parseBenchArgs([]).workloads).not.toContain('capacity');
    const o = parseBenchArgs(['--workloads', 'capacity', '--capacity-rates', '5, 10', '--capacity-users', '300']);
    expect(o.workloads).toEqual(['capacity']);
    expect(o.capacityRates).toEqual([5, 10]);
    expect(o.capacityUsers).toBe(300);
    expect(() => parseBenchArgs(['--capacity-rates', '5,x'])).toThrow(/--capacity-rates/);
    expect(() => parseBenchArgs(['--capacity-storm', '150'])).toThrow(/percentages/);
    expect(workloadsFor('ws-broadcast', ['capacity'])).toEqual({ run: [], notApplicable: ['capacity'] });
    expect(workloadsFor('shagram', ['capacity']).run).toEqual(['capacity']);
    expect(workloadsFor('shagram-2x', ['capacity']).run).toEqual(['capacity']);
  });
});

describe('capacity plan on two replicas', () => {
  test('one process: no replica in the plan, everyone on replica 0', () => {
    const plan = planCapacity(1000, 40, 0.05, 2);
    expect(plan.flat().every((room) => room.firstReplica === undefined)).toBe(true);
    expect(memberReplica(plan[0]![0]!, 5, 1)).toBe(0);
    expect(capacityReplicaLoad(plan, 1)).toEqual([{ users: 1000, senders: 50 }]);
    expect(plannedCapacityCrossShare(plan, 1)).toBe(0);
  });

  test("a room's members alternate over the replicas, every other room starting on the next one", () => {
    const plan = planCapacity(15000, 500, 0.05, 4, 2);
    const rooms = plan.flat();
    const byName = new Map(rooms.map((room) => [room.room, room]));
    expect(byName.get('bench-0')!.firstReplica).toBe(0);
    expect(byName.get('bench-1')!.firstReplica).toBe(1);
    const first = byName.get('bench-1')!;
    expect([0, 1, 2, 3].map((m) => memberReplica(first, m, 2))).toEqual([1, 0, 1, 0]);
    // every room of 2 or more spans both replicas, and so do the senders of a room with 2 or more
    for (const room of rooms) {
      const on = new Set(Array.from({ length: room.members }, (_, m) => memberReplica(room, m, 2)));
      expect(on.size).toBe(2);
    }
    const load = capacityReplicaLoad(plan, 2);
    expect(load[0]!.users + load[1]!.users).toBe(15000);
    // odd-sized rooms give one replica an extra member each; starting every other room on the next replica evens it out
    expect(Math.abs(load[0]!.users - load[1]!.users)).toBeLessThan(15000 * 0.001);
    expect(load[0]!.senders + load[1]!.senders).toBe(750);
    expect(Math.abs(load[0]!.senders - load[1]!.senders)).toBeLessThanOrEqual(rooms.length);
    // about half of every message's recipients are on the other replica
    expect(plannedCapacityCrossShare(plan, 2)).toBeGreaterThan(0.45);
    expect(plannedCapacityCrossShare(plan, 2)).toBeLessThanOrEqual(0.5);
  });

  test('planned cross share by hand: a room of 3 with one sender on replica 0', () => {
    // members on 0, 1, 0: the sender reaches 1 of 3 on the other replica
    expect(plannedCapacityCrossShare([[{ room: 'bench-0', members: 3, senders: 1, firstReplica: 0 }]], 2)).toBeCloseTo(1 / 3);
  });
});

describe('capacity comparison line', () => {
  const step = (rate: number, us: number): CapacityStep => ({
    rate, sentPerSec: rate, deliveredPerSec: rate * 50, deliveredShare: 1, p50Ms: 5, p99Ms: 20, cpuPercent: 30, cpuUsPerDelivery: us, loadCpuPercent: 20, rssMB: 200, churned: 0, ok: true,
  });
  const result = (over: Partial<CapacityResult>): CapacityResult => ({
    users: 4000, failedConnections: 0, rooms: 150, largestRoom: 700, senders: 200, accounts: 200, meanFanout: 300, loadProcs: 4,
    baselineRssMB: 100, connectedRssMB: 140, rssPerUserKB: 10, connectSeconds: 10, latencyBoundMs: 100, steps: [], maxSustainedRate: 0,
    storm: { dropped: 400, reconnected: 400, failed: 0, retries: 0, seconds: 2, incompleteReplays: 0, duringRate: 25, serverCpuSeconds: 1, listenOverflows: 0, synRetransmits: 0 },
    verify: { checked: 4000, missed: 0, duplicates: 0, filledOverHttp: 0 }, loadAverage: [1, 1], firstLimit: '', ...over,
  });
  test('2x / 1x for rate, µs per delivery at the highest rate both measured, storm seconds and KiB per user', () => {
    const one = result({ steps: [step(25, 20), step(50, 16)], maxSustainedRate: 50 });
    const many = result({ steps: [step(25, 30), step(50, 24), step(100, 20)], maxSustainedRate: 100, rssPerUserKB: 12, storm: { ...one.storm, seconds: 3 } });
    const line = compareCapacity(one, many);
    expect(line).toMatch(/^Capacity shagram-2x \/ shagram: /);
    expect(line).toContain('highest sustained rate 100 / 50 (2.00×) msg/s');
    expect(line).toContain('µs/delivery 24.0 / 16.0 (1.50×) at 50 msg/s');
    expect(line).toContain('storm 3.00 / 2.00 (1.50×) s');
    expect(line).toContain('RSS 12.0 / 10.0 (1.20×) KiB/user');
    expect(compareCapacity(result({ steps: [step(25, 20)] }), result({ steps: [step(50, 20)] }))).toContain('no common step');
    expect(compareCapacity(result({}), result({ maxSustainedRate: 25 }))).toContain('25 / 0 (n/a)');
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
    // two replicas: the busiest replica's loop, not the sum
    expect(firstLimit({ ...base, steps: [step({ ok: false, p99Ms: 300, cpuPercent: 120, replicaCpuPercent: [90, 30] })] }, 4)).toMatch(/^server CPU: the busiest replica's event loop \(one core\) at 90 %/);
    expect(firstLimit({ ...base, steps: [step({ ok: false, p99Ms: 300, cpuPercent: 120, loadCpuPercent: 20, replicaCpuPercent: [60, 60] })] }, 4)).toMatch(/^latency at 100/);
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
