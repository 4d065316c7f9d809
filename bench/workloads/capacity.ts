import fs from 'node:fs';
import os from 'node:os';
import { capacityReplicaLoad, meanFanout, planCapacity, plannedCapacityCrossShare, sourceAddress } from '../lib/capacity-plan';
import { createHistogram, fromData, merge, percentile } from '../lib/histogram';
import type { CapacityWorkerConfig } from '../lib/ipc';
import type { BenchOptions } from '../lib/options';
import { readAllStats, readCpuSeconds, readRssBytes, readTcpExt } from '../lib/procfs';
import type { CapacityReplicas, CapacityResult, CapacityStep } from '../lib/results';
import type { RunningTarget } from '../lib/targets';
import { startWorker, type Worker } from '../lib/worker';
import { servicesCpu } from './fanout';

const MB = 1024 * 1024;
const sleepUntil = (at: number) => new Promise((resolve) => setTimeout(resolve, Math.max(0, at - Date.now())));
/** Share of the expected deliveries that must arrive in a step for it to count as sustained. */
const DELIVERED_SHARE_OK = 0.99;
/** Seconds of sending before a step's measured window. */
const WARM_SECONDS = 1;

const sum = (values: readonly number[]) => values.reduce((a, b) => a + b, 0);

/** RSS of a backing service: its process and its direct children (PostgreSQL's backends), undefined where unreadable. */
function serviceRssBytes(target: RunningTarget, name: 'postgres' | 'redis'): number | undefined {
  const service = target.services.find((s) => s.name === name);
  if (!service) return undefined;
  const rss = (pid: number) => {
    try {
      return readRssBytes(pid);
    } catch {
      return 0; // exited meanwhile
    }
  };
  const top = rss(service.pid);
  if (top === 0) return undefined;
  return top + sum([...readAllStats()].filter(([, s]) => s.ppid === service.pid).map(([pid]) => rss(pid)));
}

/** Registers the accounts the capacity users sign in as (a few at a time: each is a scrypt hash). */
async function registerAccounts(port: number, count: number): Promise<string[]> {
  const tokens: string[] = new Array(count);
  let next = 0;
  const lane = async () => {
    while (next < count) {
      const i = next++;
      const res = await fetch(`http://127.0.0.1:${port}/api/auth/register`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username: `cap${i}`, password: 'capacity-password-1' }),
      });
      if (res.status !== 201) throw new Error(`registering cap${i} answered ${res.status}: ${await res.text()}`);
      tokens[i] = ((await res.json()) as { access_token: string }).access_token;
    }
  };
  await Promise.all(Array.from({ length: Math.min(8, count) }, lane));
  return tokens;
}

/** The first resource that ran out, in words, from what the run saw. */
export function firstLimit(result: Pick<CapacityResult, 'failedConnections' | 'firstConnectError' | 'steps' | 'latencyBoundMs' | 'loadAverage'>, cores: number): string {
  if (result.failedConnections > 0) {
    const error = result.firstConnectError ?? 'unknown';
    if (/EMFILE|ENFILE/.test(error)) return `open files (${error})`;
    if (/EADDRNOTAVAIL|EADDRINUSE/.test(error)) return `local ports (${error})`;
    if (/503/.test(error)) return `WS_MAX_CONNECTIONS (${error})`;
    return `connections refused or timed out (${error})`;
  }
  const failed = result.steps.find((step) => !step.ok);
  // With several replicas, the busiest one's event loop is the one that runs out.
  const loop = failed ? Math.max(failed.cpuPercent / (failed.replicaCpuPercent ? failed.replicaCpuPercent.length : 1), ...(failed.replicaCpuPercent ?? [])) : 0;
  if (!failed) {
    const last = result.steps[result.steps.length - 1];
    return last ? `none: every step passed, up to ${last.rate} messages/s (raise --capacity-rates)` : 'none measured';
  }
  const what = failed.p99Ms > result.latencyBoundMs ? `p99 ${failed.p99Ms.toFixed(0)} ms > ${result.latencyBoundMs} ms` : `only ${(failed.deliveredShare * 100).toFixed(1)} % delivered in time`;
  if (loop >= 85) {
    const whose = failed.replicaCpuPercent ? 'the busiest replica\'s event loop' : 'its event loop';
    return `server CPU: ${whose} (one core) at ${loop.toFixed(0)} % at ${failed.rate} messages/s (${what})`;
  }
  if (failed.cpuPercent + failed.loadCpuPercent >= cores * 100 * 0.85) {
    return `machine CPU: server ${failed.cpuPercent.toFixed(0)} % + load clients ${failed.loadCpuPercent.toFixed(0)} % of ${cores} cores at ${failed.rate} messages/s (${what})`;
  }
  const load = Math.max(...result.loadAverage);
  if (load > cores) {
    return `machine CPU taken by other processes: load average ${load.toFixed(1)} on ${cores} cores while the server used ${failed.cpuPercent.toFixed(0)} % and the load clients ${failed.loadCpuPercent.toFixed(0)} % at ${failed.rate} messages/s (${what})`;
  }
  return `latency at ${failed.rate} messages/s with server CPU ${failed.cpuPercent.toFixed(0)} % (${what})`;
}

/**
 * Capacity: N authenticated users in Zipf-sized rooms, spread over load processes (each from its own loopback
 * address); the message rate is stepped up until p99 delivery latency passes the bound, with presence churn during
 * every step; then a share of the users drops at once and reconnects with `since` while messages flow, and every
 * user's ids are checked against its room's. On a multi-replica target (`shagram-2x`) every room's users alternate
 * over the replicas (each load process connects its users to their own replica), so deliveries cross replicas through
 * Redis; the server's RSS and CPU are summed over the replicas, PostgreSQL's and Redis's reported beside.
 */
export async function runCapacity(target: RunningTarget, options: BenchOptions, log: (line: string) => void): Promise<CapacityResult> {
  if (target.spec.kind !== 'shagram') throw new Error('capacity runs against Shagram only (one process or its replicas)');
  const loadStart = os.loadavg()[0]!;
  const replicas = target.pids.length;
  const plan = planCapacity(options.capacityUsers, options.capacityRooms, options.capacityActive / 100, options.capacityProcs, replicas);
  const rooms = plan.flat();
  const senders = rooms.reduce((sum, room) => sum + room.senders, 0);
  const fanout = meanFanout(plan);
  log(`  capacity: ${options.capacityUsers} users in ${rooms.length} rooms (largest ${Math.max(...rooms.map((r) => r.members))}), ${senders} senders, mean fan-out ${fanout.toFixed(0)}, ${plan.length} load processes; load average ${loadStart.toFixed(2)}`);
  const load = capacityReplicaLoad(plan, replicas);
  const plannedCross = plannedCapacityCrossShare(plan, replicas);
  if (replicas > 1) {
    log(`  capacity: users per replica ${load.map((l) => `${l.users} (${l.senders} senders)`).join(' / ')}; planned ${(plannedCross * 100).toFixed(0)} % of deliveries across replicas`);
  }
  const tokens = await registerAccounts(target.port, options.capacityAccounts);
  const rssEach = () => target.pids.map((pid) => readRssBytes(pid));
  const baselineEach = rssEach();
  const baseline = sum(baselineEach);
  const workers: Worker[] = plan.map((procRooms, proc) => {
    const config: CapacityWorkerConfig = {
      spec: target.spec,
      rooms: procRooms,
      tokens,
      localAddress: sourceAddress(proc),
      concurrency: options.connectConcurrency,
      messageBytes: options.messageBytes,
    };
    return startWorker('capacity-worker.ts', config);
  });
  try {
    const counts = workers.map(() => 0);
    let lastLog = 0;
    workers.forEach((w, i) =>
      w.onProgress((count) => {
        counts[i] = count;
        if (Date.now() - lastLog >= 2000) {
          lastLog = Date.now();
          log(`  capacity: ${counts.reduce((a, b) => a + b, 0).toLocaleString('en-US')} users connected…`);
        }
      }),
    );
    const connectStart = Date.now();
    const ready = await Promise.all(workers.map((w) => w.next('ready', 900_000)));
    const connectSeconds = (Date.now() - connectStart) / 1000;
    const users = ready.reduce((sum, r) => sum + r.connected, 0);
    const failedConnections = ready.reduce((sum, r) => sum + r.failed, 0);
    const firstConnectError = ready.find((r) => r.firstError)?.firstError;
    await new Promise((resolve) => setTimeout(resolve, 2000));
    const connectedEach = rssEach();
    const connectedRss = sum(connectedEach);
    const postgresRss = serviceRssBytes(target, 'postgres');
    const redisRss = serviceRssBytes(target, 'redis');
    const perReplica = replicas > 1 ? ` (${connectedEach.map((b) => (b / MB).toFixed(1)).join(' + ')})` : '';
    log(`  capacity: ${users} users connected in ${connectSeconds.toFixed(1)} s (${failedConnections} failed), RSS ${(connectedRss / MB).toFixed(1)} MiB${perReplica}`);

    const sendersOf = plan.map((procRooms) => procRooms.reduce((sum, room) => sum + room.senders, 0));
    const cpuOf = () => ({
      each: target.pids.map((pid) => readCpuSeconds(pid)),
      services: servicesCpu(target),
      load: workers.reduce((total, w) => total + (w.child.pid ? readCpuSeconds(w.child.pid) : 0), 0),
    });
    /** CPU % of one core of service `name` between two readings, undefined where unread. */
    const serviceCpu = (name: 'postgres' | 'redis', a: ReturnType<typeof cpuOf>, b: ReturnType<typeof cpuOf>, seconds: number) => {
      const i = target.services.findIndex((s) => s.name === name);
      const [from, to] = [a.services[i], b.services[i]];
      return i < 0 || from === undefined || to === undefined ? undefined : ((to - from) / seconds) * 100;
    };
    const steps: CapacityStep[] = [];
    for (const rate of options.capacityRates) {
      const measureFrom = Date.now() + WARM_SECONDS * 1000;
      const until = measureFrom + options.capacityStep * 1000;
      workers.forEach((w, i) => w.send({ type: 'cap-step', rate: (rate * sendersOf[i]!) / Math.max(1, senders), measureFrom, until, churnPerSec: (options.capacityChurn * sendersOf[i]!) / Math.max(1, senders) }));
      await sleepUntil(measureFrom);
      const cpu0 = cpuOf();
      await sleepUntil(until);
      const cpu1 = cpuOf();
      const rss = sum(rssEach());
      const results = await Promise.all(workers.map((w) => w.next('cap-step-result', 120_000 + options.capacityStep * 1000)));
      const latency = results.reduce((h, r) => merge(h, fromData(r.latency)), createHistogram());
      const sent = results.reduce((sum, r) => sum + r.sent, 0);
      const delivered = results.reduce((sum, r) => sum + r.delivered, 0);
      const crossDelivered = results.reduce((sum, r) => sum + r.crossDelivered, 0);
      const serverSeconds = sum(cpu1.each) - sum(cpu0.each);
      const expected = results.reduce((sum, r) => sum + r.expected, 0);
      const step: CapacityStep = {
        rate,
        sentPerSec: sent / options.capacityStep,
        deliveredPerSec: delivered / options.capacityStep,
        deliveredShare: expected > 0 ? delivered / expected : 0,
        p50Ms: latency.count > 0 ? percentile(latency, 0.5) / 1000 : NaN,
        p99Ms: latency.count > 0 ? percentile(latency, 0.99) / 1000 : NaN,
        cpuPercent: (serverSeconds / options.capacityStep) * 100,
        cpuUsPerDelivery: delivered > 0 ? (serverSeconds * 1e6) / delivered : NaN,
        loadCpuPercent: ((cpu1.load - cpu0.load) / options.capacityStep) * 100,
        rssMB: rss / MB,
        churned: results.reduce((sum, r) => sum + r.churned, 0),
        ok: false,
      };
      if (replicas > 1) {
        step.replicaCpuPercent = cpu1.each.map((end, i) => ((end - cpu0.each[i]!) / options.capacityStep) * 100);
        step.crossShare = delivered > 0 ? crossDelivered / delivered : 0;
        step.postgresCpuPercent = serviceCpu('postgres', cpu0, cpu1, options.capacityStep);
        step.redisCpuPercent = serviceCpu('redis', cpu0, cpu1, options.capacityStep);
      }
      step.ok = latency.count > 0 && step.p99Ms <= options.capacityP99 && step.deliveredShare >= DELIVERED_SHARE_OK;
      steps.push(step);
      log(
        `  capacity: ${rate} msg/s → sent ${step.sentPerSec.toFixed(0)}/s, delivered ${step.deliveredPerSec.toFixed(0)}/s (${(step.deliveredShare * 100).toFixed(1)} %), ` +
          `p50 ${step.p50Ms.toFixed(1)} ms, p99 ${step.p99Ms.toFixed(1)} ms, server CPU ${step.cpuPercent.toFixed(0)} %, ${step.cpuUsPerDelivery.toFixed(1)} µs/delivery, ` +
          `churn ${step.churned}, RSS ${step.rssMB.toFixed(0)} MiB${replicas > 1 ? `; ${replicaStepNote(step)}` : ''}${step.ok ? '' : '  ← over the bound'}`,
      );
      if (!step.ok) break;
    }

    // The reconnect storm, while messages flow at the first step's rate.
    const duringRate = options.capacityRates[0]!;
    const stormStart = Date.now() + 1000;
    const stormUntil = stormStart + Math.max(10, options.capacityStep) * 1000;
    workers.forEach((w, i) => w.send({ type: 'cap-step', rate: (duringRate * sendersOf[i]!) / Math.max(1, senders), measureFrom: stormUntil + 1, until: stormUntil, churnPerSec: 0 }));
    await sleepUntil(stormStart);
    const tcpBefore = readTcpExt();
    const cpuBefore = cpuOf();
    workers.forEach((w) => w.send({ type: 'cap-storm', share: options.capacityStorm / 100 }));
    const stormResults = await Promise.all(workers.map((w) => w.next('cap-storm-result', 300_000)));
    const cpuAfter = cpuOf();
    const serverCpuSeconds = sum(cpuAfter.each) - sum(cpuBefore.each);
    const tcpAfter = readTcpExt();
    const tcpDelta = (name: string) => (tcpAfter[name] ?? 0) - (tcpBefore[name] ?? 0);
    await Promise.all(workers.map((w) => w.next('cap-step-result', 300_000)));
    const storm = {
      dropped: stormResults.reduce((sum, r) => sum + r.dropped, 0),
      reconnected: stormResults.reduce((sum, r) => sum + r.reconnected, 0),
      failed: stormResults.reduce((sum, r) => sum + r.failed, 0),
      retries: stormResults.reduce((sum, r) => sum + r.retries, 0),
      seconds: Math.max(...stormResults.map((r) => r.ms)) / 1000,
      incompleteReplays: stormResults.reduce((sum, r) => sum + r.incomplete, 0),
      duringRate,
      serverCpuSeconds,
      listenOverflows: tcpDelta('ListenOverflows'),
      synRetransmits: tcpDelta('TCPSynRetrans'),
    };
    log(`  capacity: storm: ${storm.dropped} users dropped at once, ${storm.reconnected} back with since in ${storm.seconds.toFixed(2)} s (${storm.retries} retries, ${storm.failed} failed, ${storm.incompleteReplays} capped replays; ${stormKernelNote(storm)})`);

    workers.forEach((w) => w.send({ type: 'cap-verify' }));
    const verified = await Promise.all(workers.map((w) => w.next('cap-verify-result', 120_000)));
    const verify = {
      checked: verified.reduce((sum, r) => sum + r.checked, 0),
      missed: verified.reduce((sum, r) => sum + r.missed, 0),
      duplicates: verified.reduce((sum, r) => sum + r.duplicates, 0),
      filledOverHttp: verified.reduce((sum, r) => sum + r.filledOverHttp, 0),
      serverCloses: verified.reduce((sum, r) => sum + r.serverCloses, 0),
      firstCloseCode: verified.find((r) => r.firstCloseCode !== undefined)?.firstCloseCode,
      firstProblem: verified.find((r) => r.firstProblem)?.firstProblem,
    };
    const closes = verify.serverCloses > 0 ? `, ${verify.serverCloses} closed by the server (first code ${verify.firstCloseCode}) and reconnected` : '';
    log(`  capacity: checked ${verify.checked} users: ${verify.missed} missed, ${verify.duplicates} duplicates${closes}${verify.firstProblem ? ` (${verify.firstProblem})` : ''}`);
    const crossReceived = verified.reduce((sum, r) => sum + r.crossReceived, 0);
    const stormService = (name: 'postgres' | 'redis') => {
      const percent = serviceCpu(name, cpuBefore, cpuAfter, 1);
      return percent === undefined ? undefined : percent / 100;
    };
    const replicaFigures: CapacityReplicas | undefined =
      replicas > 1
        ? {
            count: replicas,
            users: load.map((l) => l.users),
            senders: load.map((l) => l.senders),
            baselineRssMB: baselineEach.map((b) => b / MB),
            connectedRssMB: connectedEach.map((b) => b / MB),
            plannedCrossShare: plannedCross,
            crossReceived,
            postgresRssMB: postgresRss === undefined ? undefined : postgresRss / MB,
            redisRssMB: redisRss === undefined ? undefined : redisRss / MB,
            stormPostgresCpuSeconds: stormService('postgres'),
            stormRedisCpuSeconds: stormService('redis'),
          }
        : undefined;

    const passed = steps.filter((step) => step.ok);
    const result: CapacityResult = {
      users,
      failedConnections,
      firstConnectError,
      rooms: rooms.length,
      largestRoom: Math.max(...rooms.map((r) => r.members)),
      senders,
      accounts: tokens.length,
      meanFanout: fanout,
      loadProcs: workers.length,
      baselineRssMB: baseline / MB,
      connectedRssMB: connectedRss / MB,
      rssPerUserKB: users > 0 ? (connectedRss - baseline) / users / 1024 : NaN,
      connectSeconds,
      latencyBoundMs: options.capacityP99,
      steps,
      maxSustainedRate: passed.length > 0 ? Math.max(...passed.map((step) => step.rate)) : 0,
      storm,
      verify,
      loadAverage: [loadStart, os.loadavg()[0]!],
      firstLimit: '',
      ...(replicaFigures ? { replicas: replicaFigures } : {}),
    };
    result.firstLimit = firstLimit(result, os.cpus().length);
    return result;
  } finally {
    for (const w of workers) w.send({ type: 'close' });
    await Promise.all(workers.map((w) => w.stop()));
  }
}

/** What the kernel did with the storm's handshakes: a full accept queue shows as overflows and SYN retransmissions. */
function stormKernelNote(storm: CapacityResult['storm']): string {
  const note = `accept-queue overflows ${storm.listenOverflows}, SYN retransmissions ${storm.synRetransmits}`;
  return storm.listenOverflows > 0 ? `${note} (net.core.somaxconn ${readSomaxconn()} here: each overflow waits 1 s or more)` : note;
}

/** This network namespace's net.core.somaxconn, or '?' where it cannot be read. */
function readSomaxconn(): string {
  try {
    return fs.readFileSync('/proc/sys/net/core/somaxconn', 'utf8').trim();
  } catch {
    return '?';
  }
}

/** A step's replica figures for the progress log: per-replica CPU, deliveries across replicas, PostgreSQL and Redis. */
function replicaStepNote(step: CapacityStep): string {
  const service = (name: string, percent: number | undefined) => `${name} ${percent === undefined ? 'unread' : `${percent.toFixed(0)} %`}`;
  return (
    `replicas CPU ${(step.replicaCpuPercent ?? []).map((p) => p.toFixed(0)).join(' + ')} %, ${((step.crossShare ?? 0) * 100).toFixed(0)} % across replicas, ` +
    `${service('PostgreSQL', step.postgresCpuPercent)}, ${service('Redis', step.redisCpuPercent)}`
  );
}

const mib = (mb: number | undefined) => (mb === undefined ? 'unread' : `${mb.toFixed(0)} MiB`);

/** The capacity figures of target `name` as lines for the terminal. */
export function formatCapacity(r: CapacityResult, name = 'shagram'): string {
  const x = r.replicas;
  const summed = x ? ` (sum of ${x.count} replicas: ${x.baselineRssMB.map((mb) => mb.toFixed(0)).join(' + ')} → ${x.connectedRssMB.map((mb) => mb.toFixed(0)).join(' + ')})` : '';
  const replicaLines = x
    ? [
        `  users per replica ${x.users.join(' / ')} (senders ${x.senders.join(' / ')}); deliveries across replicas: ${(x.plannedCrossShare * 100).toFixed(0)} % planned, ${x.crossReceived} received live over the run`,
        `  server figures are the replicas' sum; not in them: PostgreSQL RSS ${mib(x.postgresRssMB)} (postmaster + backends, shared buffers counted in each), Redis RSS ${mib(x.redisRssMB)}, ` +
          `storm CPU PostgreSQL ${x.stormPostgresCpuSeconds?.toFixed(1) ?? 'unread'} s, Redis ${x.stormRedisCpuSeconds?.toFixed(1) ?? 'unread'} s (per step in the JSON and the progress log)`,
      ]
    : [];
  const closes = r.verify.serverCloses ? `, ${r.verify.serverCloses} sockets closed by the server (first code ${r.verify.firstCloseCode}) and reconnected` : '';
  const lines = [
    `Capacity (${name}): ${r.users} users (${r.failedConnections} failed) in ${r.rooms} rooms (largest ${r.largestRoom}), ${r.senders} senders, ${r.accounts} accounts, mean fan-out ${r.meanFanout.toFixed(0)}`,
    `  RSS ${r.baselineRssMB.toFixed(0)} → ${r.connectedRssMB.toFixed(0)} MiB${summed}: ${r.rssPerUserKB.toFixed(1)} KiB per connected user; connected in ${r.connectSeconds.toFixed(1)} s`,
    ...replicaLines,
    '  rate msg/s | sent/s | delivered/s | delivered % | p50 ms | p99 ms | server CPU % | CPU µs/delivery | churn',
    ...r.steps.map(
      (s) =>
        `  ${String(s.rate).padStart(10)} | ${s.sentPerSec.toFixed(0).padStart(6)} | ${s.deliveredPerSec.toFixed(0).padStart(11)} | ${(s.deliveredShare * 100).toFixed(1).padStart(11)} | ` +
        `${s.p50Ms.toFixed(1).padStart(6)} | ${s.p99Ms.toFixed(1).padStart(6)} | ${s.cpuPercent.toFixed(0).padStart(12)} | ${s.cpuUsPerDelivery.toFixed(1).padStart(15)} | ${s.churned}${s.ok ? '' : '  over'}`,
    ),
    `  highest sustained rate with p99 ≤ ${r.latencyBoundMs} ms: ${r.maxSustainedRate} messages/s`,
    `  reconnect storm: ${r.storm.dropped} users at once → back in ${r.storm.seconds.toFixed(2)} s (${r.storm.failed} failed, ${r.storm.retries} retries, ${r.storm.incompleteReplays} capped replays), at ${r.storm.duringRate} msg/s`,
    `    server CPU ${r.storm.serverCpuSeconds.toFixed(1)} s (${((r.storm.serverCpuSeconds * 1e6) / Math.max(1, r.storm.reconnected)).toFixed(0)} µs per reconnect); ${stormKernelNote(r.storm)}`,
    `  check: ${r.verify.checked} users, ${r.verify.missed} missed, ${r.verify.duplicates} duplicates, ${r.verify.filledOverHttp} read over HTTP${closes}`,
    `  first limit: ${r.firstLimit}`,
    `  load average ${r.loadAverage[0].toFixed(2)} → ${r.loadAverage[1].toFixed(2)}`,
  ];
  return lines.join('\n');
}

/**
 * One line comparing the capacity run on several replicas with the one on one process (both from the same bench
 * run): highest sustained rate, server CPU µs per delivery at the highest rate both measured, storm seconds and
 * KiB per user, each as `many / one`.
 */
export function compareCapacity(one: CapacityResult, many: CapacityResult, names: [string, string] = ['shagram', 'shagram-2x']): string {
  const ratio = (a: number, b: number) => (Number.isFinite(a) && Number.isFinite(b) && b > 0 ? `${(a / b).toFixed(2)}×` : 'n/a');
  const pair = (a: number, b: number, digits: number) => `${b.toFixed(digits)} / ${a.toFixed(digits)} (${ratio(b, a)})`;
  const shared = one.steps.filter((s) => many.steps.some((m) => m.rate === s.rate)).map((s) => s.rate);
  const rate = shared.length > 0 ? Math.max(...shared) : undefined;
  const at = (r: CapacityResult) => r.steps.find((s) => s.rate === rate)?.cpuUsPerDelivery ?? NaN;
  const us = rate === undefined ? 'no common step' : `${pair(at(one), at(many), 1)} at ${rate} msg/s`;
  return (
    `Capacity ${names[1]} / ${names[0]}: highest sustained rate ${pair(one.maxSustainedRate, many.maxSustainedRate, 0)} msg/s; ` +
    `server CPU µs/delivery ${us}; storm ${pair(one.storm.seconds, many.storm.seconds, 2)} s; RSS ${pair(one.rssPerUserKB, many.rssPerUserKB, 1)} KiB/user`
  );
}
