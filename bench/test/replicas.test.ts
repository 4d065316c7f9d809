// The pure planning of the two-replica target (shagram-2x): which client goes to which replica,
// which workloads apply, the skip reason, the replicas' launch, the /proc reading of PostgreSQL and
// Redis, and how the table and chart show the target.
import { replicaPort } from '../lib/client-spec';
import { planLaunch, planReplicaLaunch, SHAGRAM_BENCH_ENV } from '../lib/launch';
import { DEFAULT_TARGETS, parseBenchArgs, TARGET_NAMES } from '../lib/options';
import { planFanout, plannedCrossShare, replicaLoad, replicaOf } from '../lib/plan';
import { childrenNamed, parseStatFields, treeCpuSeconds, type StatFields } from '../lib/procfs';
import { missingPrerequisite, REDIS_SERVER, REPLICA_COUNT, REPLICA_TARGET, workloadsFor, type MachineProbe } from '../lib/replicas';
import type { FanoutResult, TargetResults } from '../lib/results';
import { panelHeight, renderChart } from '../lib/svg';
import { buildRows, formatTable, ratioColumns } from '../lib/table';

describe('shagram-2x: which client goes to which replica', () => {
  test("a room's clients alternate, and every other room starts on the other replica", () => {
    expect(Array.from({ length: 5 }, (_, i) => replicaOf(0, i, 2))).toEqual([0, 1, 0, 1, 0]);
    expect(Array.from({ length: 5 }, (_, i) => replicaOf(1, i, 2))).toEqual([1, 0, 1, 0, 1]);
    expect(replicaOf(7, 3, 1)).toBe(0);
  });

  test('the default fan-out (10 rooms × 20, 40 senders) splits clients and senders evenly', () => {
    const plan = planFanout(10, 20, 40, 2, REPLICA_COUNT);
    expect(replicaLoad(plan, 2)).toEqual([
      { clients: 100, senders: 20 },
      { clients: 100, senders: 20 },
    ]);
    for (const room of plan.flat()) {
      expect(room.replicas).toHaveLength(20);
      // The senders (the first clients) are on both replicas in every room.
      expect(new Set(room.replicas!.slice(0, room.senders))).toEqual(new Set([0, 1]));
    }
    // Half of every sender's recipients are on the other replica.
    expect(plannedCrossShare(plan)).toBeCloseTo(0.5, 9);
  });

  test('odd clients per room still balance over pairs of rooms', () => {
    const load = replicaLoad(planFanout(4, 3, 4, 1, 2), 2);
    expect(load.map((l) => l.clients)).toEqual([6, 6]);
    expect(load.map((l) => l.senders)).toEqual([2, 2]);
  });

  test('a single-process plan carries no replicas, and nothing crosses', () => {
    const plan = planFanout(3, 4, 3, 2);
    expect(plan.flat().every((room) => room.replicas === undefined)).toBe(true);
    expect(replicaLoad(plan, 1)).toEqual([{ clients: 12, senders: 3 }]);
    expect(plannedCrossShare(plan)).toBe(0);
  });

  test('clients find their replica port; a missing replica is an error', () => {
    const spec = { kind: 'shagram' as const, port: 1000, ports: [1000, 2000], origin: 'o', tokens: ['t'] };
    expect([replicaPort(spec, 0), replicaPort(spec, 1)]).toEqual([1000, 2000]);
    expect(() => replicaPort(spec, 2)).toThrow(/no replica 2/);
    expect(replicaPort({ kind: 'ws', port: 5 }, 0)).toBe(5);
  });
});

describe('shagram-2x: options and workloads', () => {
  test('opt-in: not a default target, accepted by --targets', () => {
    expect(TARGET_NAMES).toContain(REPLICA_TARGET);
    expect(DEFAULT_TARGETS).not.toContain(REPLICA_TARGET);
    expect(parseBenchArgs([]).targets).toEqual([...DEFAULT_TARGETS]);
    expect(parseBenchArgs(['--targets', 'shagram,shagram-2x']).targets).toEqual(['shagram', 'shagram-2x']);
  });

  test('fan-out and capacity only; the other targets run every requested workload', () => {
    expect(workloadsFor('shagram-2x', ['scale', 'fanout', 'history'])).toEqual({ run: ['fanout'], notApplicable: ['scale', 'history'] });
    expect(workloadsFor('shagram-2x', ['capacity', 'fanout'])).toEqual({ run: ['capacity', 'fanout'], notApplicable: [] });
    expect(workloadsFor('shagram-2x', ['history'])).toEqual({ run: [], notApplicable: ['history'] });
    expect(workloadsFor('shagram', ['fanout', 'history'])).toEqual({ run: ['fanout', 'history'], notApplicable: [] });
  });
});

describe('shagram-2x: prerequisites', () => {
  const machine = (files: string[], uid: number | undefined = 0): MachineProbe => ({
    exists: (p) => files.includes(p),
    list: (p) => [...new Set(files.filter((f) => f.startsWith(`${p}/`)).map((f) => f.slice(p.length + 1).split('/')[0]!))],
    uid,
  });
  const pg = '/usr/lib/postgresql/17/bin/initdb';

  test('runs when PostgreSQL, Redis and root are there', () => {
    expect(missingPrerequisite(machine([pg, REDIS_SERVER]))).toBeUndefined();
  });

  test('one line naming what is missing', () => {
    expect(missingPrerequisite(machine([REDIS_SERVER]))).toBe('PostgreSQL server (/usr/lib/postgresql/<version>/bin/initdb) not installed; install them with `npm run setup:system`');
    expect(missingPrerequisite(machine([pg]))).toMatch(/^redis-server \(\/usr\/bin\/redis-server\) not installed/);
    expect(missingPrerequisite(machine([]))).toMatch(/^PostgreSQL server .* and redis-server .* not installed/);
    // Only the client (no initdb) is not enough.
    expect(missingPrerequisite(machine(['/usr/lib/postgresql/17/bin/psql', REDIS_SERVER]))).toMatch(/PostgreSQL server/);
    expect(missingPrerequisite(machine([pg, REDIS_SERVER], 1000))).toMatch(/needs root/);
    for (const reason of [machine([]), machine([pg, REDIS_SERVER], 1000)].map(missingPrerequisite)) expect(reason).not.toContain('\n');
  });
});

describe('shagram-2x: replica launch', () => {
  test("exactly the shagram target's launch plus DATABASE_URL and REDIS_URL, one secret for both", () => {
    const shared = { databaseUrl: 'postgres://u:p@127.0.0.1:5/db', redisUrl: 'redis://127.0.0.1:6', jwtSecret: 'x'.repeat(64) };
    const [a, b] = [planReplicaLaunch(1001, '/tmp/r0', '/repo/app/dist/main.js', shared), planReplicaLaunch(1002, '/tmp/r1', '/repo/app/dist/main.js', shared)];
    const single = planLaunch('shagram', 1001, '/tmp/r0', '/repo/app/dist/main.js', shared.jwtSecret);
    expect(a).toMatchObject({ nodeArgs: single.nodeArgs, readyPath: '/readyz' });
    expect(a.env).toEqual({ ...single.env, DATABASE_URL: shared.databaseUrl, REDIS_URL: shared.redisUrl });
    expect(a.env).toMatchObject(SHAGRAM_BENCH_ENV);
    expect(b.env.PORT).toBe('1002');
    expect(b.env.JWT_SECRET).toBe(a.env.JWT_SECRET);
    expect(planReplicaLaunch(1, '/d', 'e', shared, ['--cpu-prof']).nodeArgs).toEqual(['--cpu-prof', 'e']);
  });
});

describe('shagram-2x: /proc for PostgreSQL and Redis', () => {
  // pid (comm) state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt utime stime cutime cstime …
  const stat = (pid: number, comm: string, ppid: number, utime: number, stime: number, cutime = 0, cstime = 0) =>
    `${pid} (${comm}) S ${ppid} ${pid} ${pid} 0 -1 4194560 10 0 0 0 ${utime} ${stime} ${cutime} ${cstime} 20 0 1 0 100 200 300`;

  test('parses parent, own and reaped children CPU, even with ) in the name', () => {
    expect(parseStatFields(stat(9, 'postgres: shagram db 127.0.0.1(4242) idle', 8, 150, 50, 30, 20))).toEqual({
      comm: 'postgres: shagram db 127.0.0.1(4242) idle',
      ppid: 8,
      cpuSeconds: 2,
      childrenCpuSeconds: 0.5,
    });
    expect(() => parseStatFields('9 (x) S')).toThrow();
  });

  test('a forking server counts with its live and reaped children, not its grandchildren or strangers', () => {
    const before = new Map<number, StatFields>(
      [stat(100, 'postgres', 1, 10, 10), stat(101, 'postgres', 100, 100, 0), stat(102, 'postgres', 100, 50, 50), stat(200, 'node', 1, 999, 0)].map((line) => {
        const f = parseStatFields(line);
        return [Number(line.split(' ')[0]), f];
      }),
    );
    expect(treeCpuSeconds(100, before)).toBeCloseTo(2.2, 9);
    // Backend 102 exits and is reaped: its 1 s moves to the postmaster's cutime, nothing is lost.
    const after = new Map(before);
    after.delete(102);
    after.set(100, parseStatFields(stat(100, 'postgres', 1, 10, 10, 100, 0)));
    expect(treeCpuSeconds(100, after)).toBeCloseTo(2.2, 9);
    expect(() => treeCpuSeconds(5, before)).toThrow(/no process 5/);
  });

  test('finds the redis-server child of the bench', () => {
    const stats = new Map<number, StatFields>([
      [10, parseStatFields(stat(10, 'redis-server', 7, 0, 0))],
      [11, parseStatFields(stat(11, 'redis-server', 3, 0, 0))],
      [12, parseStatFields(stat(12, 'node', 7, 0, 0))],
    ]);
    expect(childrenNamed(7, 'redis-server', stats)).toEqual([10]);
    expect(childrenNamed(8, 'redis-server', stats)).toEqual([]);
  });
});

describe('shagram-2x: report', () => {
  const fanout = (deliveredPerSec: number, cpuPercent: number): FanoutResult => ({
    connected: 200, failedConnections: 0, deliveredPerSec, sentPerSec: deliveredPerSec / 20, p50Ms: 5, p95Ms: 9, p99Ms: 12,
    meanMs: 6, cpuPercent, loadCpuPercent: 90, rssMB: 100, lost: 0, samples: 1000,
  });
  const results: Record<string, TargetResults> = {
    shagram: { errors: [], fanout: fanout(100_000, 60) },
    'ws-broadcast': { errors: [], fanout: fanout(80_000, 80) },
    'shagram-2x': {
      errors: [],
      notApplicable: ['scale', 'history'],
      fanout: {
        ...fanout(50_000, 90),
        replicas: { count: 2, clients: [100, 100], cpuPercent: [45, 45], rssMB: [60, 60], postgresCpuPercent: 20, redisCpuPercent: 10, crossReplicaShare: 0.5 },
      },
    },
  };

  test('ratio columns: shagram over each peer, then shagram-2x over shagram', () => {
    expect(ratioColumns(['shagram', 'ws-broadcast', 'shagram-2x'])).toEqual([
      ['shagram', 'ws-broadcast'],
      ['shagram-2x', 'shagram'],
    ]);
    expect(ratioColumns(['shagram-2x', 'ws-broadcast'])).toEqual([]);
  });

  test('the table has a shagram-2x column, its ratio to shagram, and the replica rows', () => {
    const lines = formatTable(buildRows(results), ['shagram', 'ws-broadcast', 'shagram-2x']).split('\n');
    expect(lines[0]).toMatch(/shagram\s+ws-broadcast\s+shagram-2x\s+shagram\/ws-broadcast\s+shagram-2x\/shagram$/);
    expect(lines.find((l) => l.includes('delivered msgs/s'))).toMatch(/100,000\s+80,000\s+50,000\s+1.25×\s+0.50×$/);
    expect(lines.find((l) => l.includes('across replicas'))).toMatch(/—\s+—\s+50.0\s+—\s+—$/);
    expect(lines.find((l) => l.includes('PostgreSQL CPU'))).toMatch(/—\s+—\s+20.0/);
    expect(lines.find((l) => l.includes('Redis CPU'))).toMatch(/—\s+—\s+10.0/);
    // (90 + 20 + 10) % of a core over 50,000 deliveries/s = 24 µs; the single-process targets: their server figure.
    expect(lines.find((l) => l.includes('incl. PG + Redis'))).toMatch(/6.00\s+10.0\s+24.0\s+0.60×\s+4.00×$/);
  });

  test('without a multi-replica target the table has none of those rows', () => {
    const text = formatTable(buildRows({ shagram: results.shagram! }), ['shagram']);
    expect(text).not.toMatch(/replicas|PostgreSQL|Redis|incl\./);
  });

  test('the chart has a bar for shagram-2x and grows to fit four targets', () => {
    const svg = renderChart(results, ['shagram', 'ws-broadcast', 'socketio-sqlite', 'shagram-2x'], 'two replicas');
    expect(svg).toContain('>shagram-2x</text>');
    expect(svg).toContain('50,000');
    expect(panelHeight(3)).toBe(170);
    expect(panelHeight(4)).toBeGreaterThan(170);
    const skipped = renderChart({ ...results, 'shagram-2x': { errors: [], skipped: 'redis-server not installed' } }, ['shagram', 'shagram-2x'], 's');
    expect(skipped).toContain('>skipped</text>');
  });
});
