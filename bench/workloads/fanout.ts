import { createHistogram, fromData, mean, merge, percentile } from '../lib/histogram';
import type { FanoutWorkerConfig } from '../lib/ipc';
import type { BenchOptions } from '../lib/options';
import { nowMicros } from '../lib/payload';
import { planFanout, replicaLoad } from '../lib/plan';
import { readAllStats, readCpuSeconds, readRssBytes, treeCpuSeconds } from '../lib/procfs';
import type { FanoutResult, ReplicaFigures } from '../lib/results';
import type { RunningTarget } from '../lib/targets';
import { startWorker } from '../lib/worker';

const MB = 1024 * 1024;

/** CPU seconds of the target's backing services (each with its direct children), undefined where unreadable. */
export function servicesCpu(target: RunningTarget): Array<number | undefined> {
  if (target.services.length === 0) return [];
  const stats = readAllStats();
  return target.services.map((s) => {
    try {
      return treeCpuSeconds(s.pid, stats);
    } catch {
      return undefined;
    }
  });
}

/**
 * Fan-out: R rooms × C clients in load processes, S senders in a closed loop. Measures
 * deliveries per second and end-to-end latency in the measured window, and the server's CPU
 * (from /proc/<pid>/stat) and peak RSS over the same window. With several replicas, every room's
 * clients alternate between them; server CPU is the sum over the replicas, RSS the peak of their
 * sum (sampled together), and PostgreSQL's and Redis's CPU are reported beside.
 */
export async function runFanout(target: RunningTarget, options: BenchOptions, log: (line: string) => void): Promise<FanoutResult> {
  const replicas = target.pids.length;
  const plan = planFanout(options.rooms, options.clients, options.senders, options.loadProcs, replicas);
  const load = replicaLoad(plan, replicas);
  if (replicas > 1) log(`  ${target.name}: clients per replica ${load.map((l) => `${l.clients} (${l.senders} senders)`).join(' / ')}`);
  let senderBase = 1;
  const workers = plan.map((rooms) => {
    const config: FanoutWorkerConfig = {
      spec: target.spec,
      rooms,
      senderBase,
      inflight: options.inflight,
      messageBytes: options.messageBytes,
      concurrency: options.connectConcurrency,
    };
    senderBase += rooms.reduce((sum, room) => sum + room.senders, 0);
    return startWorker('fanout-worker.ts', config);
  });
  try {
    const ready = await Promise.all(workers.map((w) => w.next('ready', 120_000)));
    const connected = ready.reduce((sum, r) => sum + r.connected, 0);
    const failed = ready.reduce((sum, r) => sum + r.failed, 0);
    if (connected === 0) throw new Error(`no client could connect: ${ready.find((r) => r.firstError)?.firstError ?? 'unknown'}`);
    if (failed > 0) log(`  ${target.name}: ${failed} fan-out connections failed (${ready.find((r) => r.firstError)?.firstError})`);

    const counts = workers.map(() => 0);
    workers.forEach((w, i) => w.onProgress((count) => (counts[i] = count)));
    const start = nowMicros();
    const measureStart = start + options.warmup * 1e6;
    const measureEnd = measureStart + options.duration * 1e6;
    for (const w of workers) w.send({ type: 'go', measureStart, measureEnd });

    const serverCpu = () => target.pids.map((pid) => readCpuSeconds(pid));
    let cpuStart: number[] = [];
    let cpuEnd: number[] = [];
    let servicesStart: Array<number | undefined> = [];
    let servicesEnd: Array<number | undefined> = [];
    const peakRssEach = target.pids.map(() => 0);
    const loadCpu = () => workers.reduce((sum, w) => sum + (w.child.pid ? readCpuSeconds(w.child.pid) : 0), 0);
    let loadStart = 0;
    let loadEnd = 0;
    let peakRss = 0;
    let last = 0;
    const ticker = setInterval(() => {
      const total = counts.reduce((a, b) => a + b, 0);
      const elapsed = (nowMicros() - start) / 1e6;
      const phase = nowMicros() < measureStart ? 'warm-up' : 'measuring';
      log(`  fan-out ${target.name}: ${elapsed.toFixed(0)}/${(options.warmup + options.duration).toFixed(0)} s ${phase}, ~${Math.round(total - last).toLocaleString('en-US')} deliveries/s`);
      last = total;
    }, 1000);
    const sampleRss = () => {
      const each = target.pids.map((pid) => readRssBytes(pid));
      each.forEach((rss, i) => (peakRssEach[i] = Math.max(peakRssEach[i]!, rss)));
      peakRss = Math.max(peakRss, each.reduce((a, b) => a + b, 0));
    };
    const rssTimer = setInterval(() => {
      const now = nowMicros();
      if (now >= measureStart && now < measureEnd) sampleRss();
    }, 250);
    await new Promise<void>((resolve) =>
      setTimeout(() => {
        cpuStart = serverCpu();
        servicesStart = servicesCpu(target);
        loadStart = loadCpu();
        sampleRss();
        resolve();
      }, (measureStart - nowMicros()) / 1000),
    );
    await new Promise<void>((resolve) =>
      setTimeout(() => {
        cpuEnd = serverCpu();
        servicesEnd = servicesCpu(target);
        loadEnd = loadCpu();
        resolve();
      }, (measureEnd - nowMicros()) / 1000),
    );
    clearInterval(ticker);
    clearInterval(rssTimer);

    const results = await Promise.all(workers.map((w) => w.next('fanout-result', 60_000)));
    const latency = createHistogram();
    for (const r of results) merge(latency, fromData(r.latency));
    const delivered = results.reduce((sum, r) => sum + r.delivered, 0);
    const sent = results.reduce((sum, r) => sum + r.sent, 0);
    const ms = (micros: number) => micros / 1000;
    const percent = (seconds: number) => (seconds / options.duration) * 100;
    const cpuEach = cpuEnd.map((end, i) => percent(end - cpuStart[i]!));
    let replicaFigures: ReplicaFigures | undefined;
    if (replicas > 1) {
      const serviceCpu = (name: string) => {
        const i = target.services.findIndex((s) => s.name === name);
        const [a, b] = [servicesStart[i], servicesEnd[i]];
        return i < 0 || a === undefined || b === undefined ? undefined : percent(b - a);
      };
      const crossDelivered = results.reduce((sum, r) => sum + r.crossDelivered, 0);
      replicaFigures = {
        count: replicas,
        clients: load.map((l) => l.clients),
        cpuPercent: cpuEach,
        rssMB: peakRssEach.map((b) => b / MB),
        postgresCpuPercent: serviceCpu('postgres'),
        redisCpuPercent: serviceCpu('redis'),
        crossReplicaShare: delivered > 0 ? crossDelivered / delivered : 0,
      };
    }
    return {
      connected,
      failedConnections: failed,
      deliveredPerSec: delivered / options.duration,
      sentPerSec: sent / options.duration,
      p50Ms: ms(percentile(latency, 0.5)),
      p95Ms: ms(percentile(latency, 0.95)),
      p99Ms: ms(percentile(latency, 0.99)),
      meanMs: ms(mean(latency)),
      cpuPercent: cpuEach.reduce((a, b) => a + b, 0),
      loadCpuPercent: ((loadEnd - loadStart) / options.duration) * 100,
      rssMB: peakRss / MB,
      lost: results.reduce((sum, r) => sum + r.lost, 0),
      samples: latency.count,
      ...(replicaFigures ? { replicas: replicaFigures } : {}),
    };
  } finally {
    await Promise.all(workers.map((w) => w.stop()));
  }
}
