import fs from 'node:fs';
import os from 'node:os';
import { meanFanout, planCapacity, sourceAddress } from '../lib/capacity-plan';
import { createHistogram, fromData, merge, percentile } from '../lib/histogram';
import type { CapacityWorkerConfig } from '../lib/ipc';
import type { BenchOptions } from '../lib/options';
import { readCpuSeconds, readRssBytes, readTcpExt } from '../lib/procfs';
import type { CapacityResult, CapacityStep } from '../lib/results';
import type { RunningTarget } from '../lib/targets';
import { startWorker, type Worker } from '../lib/worker';

const MB = 1024 * 1024;
const sleepUntil = (at: number) => new Promise((resolve) => setTimeout(resolve, Math.max(0, at - Date.now())));
/** Share of the expected deliveries that must arrive in a step for it to count as sustained. */
const DELIVERED_SHARE_OK = 0.99;
/** Seconds of sending before a step's measured window. */
const WARM_SECONDS = 1;

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
  if (!failed) {
    const last = result.steps[result.steps.length - 1];
    return last ? `none: every step passed, up to ${last.rate} messages/s (raise --capacity-rates)` : 'none measured';
  }
  const what = failed.p99Ms > result.latencyBoundMs ? `p99 ${failed.p99Ms.toFixed(0)} ms > ${result.latencyBoundMs} ms` : `only ${(failed.deliveredShare * 100).toFixed(1)} % delivered in time`;
  if (failed.cpuPercent >= 85) return `server CPU: its event loop (one core) at ${failed.cpuPercent.toFixed(0)} % at ${failed.rate} messages/s (${what})`;
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
 * user's ids are checked against its room's.
 */
export async function runCapacity(target: RunningTarget, options: BenchOptions, log: (line: string) => void): Promise<CapacityResult> {
  if (target.spec.kind !== 'shagram') throw new Error('capacity runs against Shagram only');
  const loadStart = os.loadavg()[0]!;
  const plan = planCapacity(options.capacityUsers, options.capacityRooms, options.capacityActive / 100, options.capacityProcs);
  const rooms = plan.flat();
  const senders = rooms.reduce((sum, room) => sum + room.senders, 0);
  const fanout = meanFanout(plan);
  log(`  capacity: ${options.capacityUsers} users in ${rooms.length} rooms (largest ${Math.max(...rooms.map((r) => r.members))}), ${senders} senders, mean fan-out ${fanout.toFixed(0)}, ${plan.length} load processes; load average ${loadStart.toFixed(2)}`);
  const tokens = await registerAccounts(target.port, options.capacityAccounts);
  const baseline = readRssBytes(target.pid);
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
    const connectedRss = readRssBytes(target.pid);
    log(`  capacity: ${users} users connected in ${connectSeconds.toFixed(1)} s (${failedConnections} failed), RSS ${(connectedRss / MB).toFixed(1)} MiB`);

    const sendersOf = plan.map((procRooms) => procRooms.reduce((sum, room) => sum + room.senders, 0));
    const cpuOf = () => ({ server: readCpuSeconds(target.pid), load: workers.reduce((sum, w) => sum + (w.child.pid ? readCpuSeconds(w.child.pid) : 0), 0) });
    const steps: CapacityStep[] = [];
    for (const rate of options.capacityRates) {
      const measureFrom = Date.now() + WARM_SECONDS * 1000;
      const until = measureFrom + options.capacityStep * 1000;
      workers.forEach((w, i) => w.send({ type: 'cap-step', rate: (rate * sendersOf[i]!) / Math.max(1, senders), measureFrom, until, churnPerSec: (options.capacityChurn * sendersOf[i]!) / Math.max(1, senders) }));
      await sleepUntil(measureFrom);
      const cpu0 = cpuOf();
      await sleepUntil(until);
      const cpu1 = cpuOf();
      const rss = readRssBytes(target.pid);
      const results = await Promise.all(workers.map((w) => w.next('cap-step-result', 120_000 + options.capacityStep * 1000)));
      const latency = results.reduce((h, r) => merge(h, fromData(r.latency)), createHistogram());
      const sent = results.reduce((sum, r) => sum + r.sent, 0);
      const delivered = results.reduce((sum, r) => sum + r.delivered, 0);
      const expected = results.reduce((sum, r) => sum + r.expected, 0);
      const step: CapacityStep = {
        rate,
        sentPerSec: sent / options.capacityStep,
        deliveredPerSec: delivered / options.capacityStep,
        deliveredShare: expected > 0 ? delivered / expected : 0,
        p50Ms: latency.count > 0 ? percentile(latency, 0.5) / 1000 : NaN,
        p99Ms: latency.count > 0 ? percentile(latency, 0.99) / 1000 : NaN,
        cpuPercent: ((cpu1.server - cpu0.server) / options.capacityStep) * 100,
        cpuUsPerDelivery: delivered > 0 ? ((cpu1.server - cpu0.server) * 1e6) / delivered : NaN,
        loadCpuPercent: ((cpu1.load - cpu0.load) / options.capacityStep) * 100,
        rssMB: rss / MB,
        churned: results.reduce((sum, r) => sum + r.churned, 0),
        ok: false,
      };
      step.ok = latency.count > 0 && step.p99Ms <= options.capacityP99 && step.deliveredShare >= DELIVERED_SHARE_OK;
      steps.push(step);
      log(
        `  capacity: ${rate} msg/s → sent ${step.sentPerSec.toFixed(0)}/s, delivered ${step.deliveredPerSec.toFixed(0)}/s (${(step.deliveredShare * 100).toFixed(1)} %), ` +
          `p50 ${step.p50Ms.toFixed(1)} ms, p99 ${step.p99Ms.toFixed(1)} ms, server CPU ${step.cpuPercent.toFixed(0)} %, ${step.cpuUsPerDelivery.toFixed(1)} µs/delivery, ` +
          `churn ${step.churned}, RSS ${step.rssMB.toFixed(0)} MiB${step.ok ? '' : '  ← over the bound'}`,
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
    const cpuBefore = readCpuSeconds(target.pid);
    workers.forEach((w) => w.send({ type: 'cap-storm', share: options.capacityStorm / 100 }));
    const stormResults = await Promise.all(workers.map((w) => w.next('cap-storm-result', 300_000)));
    const serverCpuSeconds = readCpuSeconds(target.pid) - cpuBefore;
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
      firstProblem: verified.find((r) => r.firstProblem)?.firstProblem,
    };
    log(`  capacity: checked ${verify.checked} users: ${verify.missed} missed, ${verify.duplicates} duplicates${verify.firstProblem ? ` (${verify.firstProblem})` : ''}`);

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

/** The capacity figures as lines for the terminal. */
export function formatCapacity(r: CapacityResult): string {
  const lines = [
    `Capacity (shagram): ${r.users} users (${r.failedConnections} failed) in ${r.rooms} rooms (largest ${r.largestRoom}), ${r.senders} senders, ${r.accounts} accounts, mean fan-out ${r.meanFanout.toFixed(0)}`,
    `  RSS ${r.baselineRssMB.toFixed(0)} → ${r.connectedRssMB.toFixed(0)} MiB: ${r.rssPerUserKB.toFixed(1)} KiB per connected user; connected in ${r.connectSeconds.toFixed(1)} s`,
    '  rate msg/s | sent/s | delivered/s | delivered % | p50 ms | p99 ms | server CPU % | CPU µs/delivery | churn',
    ...r.steps.map(
      (s) =>
        `  ${String(s.rate).padStart(10)} | ${s.sentPerSec.toFixed(0).padStart(6)} | ${s.deliveredPerSec.toFixed(0).padStart(11)} | ${(s.deliveredShare * 100).toFixed(1).padStart(11)} | ` +
        `${s.p50Ms.toFixed(1).padStart(6)} | ${s.p99Ms.toFixed(1).padStart(6)} | ${s.cpuPercent.toFixed(0).padStart(12)} | ${s.cpuUsPerDelivery.toFixed(1).padStart(15)} | ${s.churned}${s.ok ? '' : '  over'}`,
    ),
    `  highest sustained rate with p99 ≤ ${r.latencyBoundMs} ms: ${r.maxSustainedRate} messages/s`,
    `  reconnect storm: ${r.storm.dropped} users at once → back in ${r.storm.seconds.toFixed(2)} s (${r.storm.failed} failed, ${r.storm.retries} retries, ${r.storm.incompleteReplays} capped replays), at ${r.storm.duringRate} msg/s`,
    `    server CPU ${r.storm.serverCpuSeconds.toFixed(1)} s (${((r.storm.serverCpuSeconds * 1e6) / Math.max(1, r.storm.reconnected)).toFixed(0)} µs per reconnect); ${stormKernelNote(r.storm)}`,
    `  check: ${r.verify.checked} users, ${r.verify.missed} missed, ${r.verify.duplicates} duplicates, ${r.verify.filledOverHttp} read over HTTP`,
    `  first limit: ${r.firstLimit}`,
    `  load average ${r.loadAverage[0].toFixed(2)} → ${r.loadAverage[1].toFixed(2)}`,
  ];
  return lines.join('\n');
}
