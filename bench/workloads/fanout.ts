import { createHistogram, fromData, mean, merge, percentile } from '../lib/histogram';
import type { FanoutWorkerConfig } from '../lib/ipc';
import type { BenchOptions } from '../lib/options';
import { nowMicros } from '../lib/payload';
import { planFanout } from '../lib/plan';
import { readCpuSeconds, readRssBytes } from '../lib/procfs';
import type { FanoutResult } from '../lib/results';
import type { RunningTarget } from '../lib/targets';
import { startWorker } from '../lib/worker';

const MB = 1024 * 1024;

/**
 * Fan-out: R rooms × C clients in load processes, S senders in a closed loop. Measures
 * deliveries per second and end-to-end latency in the measured window, and the server's CPU
 * (from /proc/<pid>/stat) and peak RSS over the same window.
 */
export async function runFanout(target: RunningTarget, options: BenchOptions, log: (line: string) => void): Promise<FanoutResult> {
  const plan = planFanout(options.rooms, options.clients, options.senders, options.loadProcs);
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

    let cpuStart = 0;
    let cpuEnd = 0;
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
    const rssTimer = setInterval(() => {
      const now = nowMicros();
      if (now >= measureStart && now < measureEnd) peakRss = Math.max(peakRss, readRssBytes(target.pid));
    }, 250);
    await new Promise<void>((resolve) =>
      setTimeout(() => {
        cpuStart = readCpuSeconds(target.pid);
        loadStart = loadCpu();
        peakRss = Math.max(peakRss, readRssBytes(target.pid));
        resolve();
      }, (measureStart - nowMicros()) / 1000),
    );
    await new Promise<void>((resolve) =>
      setTimeout(() => {
        cpuEnd = readCpuSeconds(target.pid);
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
    return {
      connected,
      failedConnections: failed,
      deliveredPerSec: delivered / options.duration,
      sentPerSec: sent / options.duration,
      p50Ms: ms(percentile(latency, 0.5)),
      p95Ms: ms(percentile(latency, 0.95)),
      p99Ms: ms(percentile(latency, 0.99)),
      meanMs: ms(mean(latency)),
      cpuPercent: ((cpuEnd - cpuStart) / options.duration) * 100,
      loadCpuPercent: ((loadEnd - loadStart) / options.duration) * 100,
      rssMB: peakRss / MB,
      lost: results.reduce((sum, r) => sum + r.lost, 0),
      samples: latency.count,
    };
  } finally {
    await Promise.all(workers.map((w) => w.stop()));
  }
}
