import type { BenchOptions } from '../lib/options';
import { planScale } from '../lib/plan';
import { readRssBytes } from '../lib/procfs';
import type { ScaleResult } from '../lib/results';
import type { RunningTarget } from '../lib/targets';
import type { ScaleWorkerConfig } from '../lib/ipc';
import { startWorker } from '../lib/worker';

const MB = 1024 * 1024;
const sleep = (seconds: number) => new Promise((resolve) => setTimeout(resolve, seconds * 1000));

/**
 * Scale: ramps to N idle authenticated connections in steps from the load processes, sampling
 * the server's RSS (/proc/<pid>/status VmRSS) after each step has settled.
 */
export async function runScale(target: RunningTarget, options: BenchOptions, log: (line: string) => void): Promise<ScaleResult> {
  const steps = planScale(options.scaleConnections, options.scaleSteps, options.loadProcs);
  const procs = steps[0]!.perProc.length;
  const workers = Array.from({ length: procs }, (_, proc) => {
    const config: ScaleWorkerConfig = { spec: target.spec, rooms: options.scaleRooms, proc, procs, concurrency: options.connectConcurrency };
    return startWorker('scale-worker.ts', config);
  });
  try {
    await Promise.all(workers.map((w) => w.next('ready', 60_000)));
    await sleep(options.scaleSettle);
    const baseline = readRssBytes(target.pid);
    const counts = workers.map(() => 0);
    let lastLog = 0;
    workers.forEach((w, i) =>
      w.onProgress((count) => {
        counts[i] = count;
        if (Date.now() - lastLog >= 1000) {
          lastLog = Date.now();
          log(`  scale ${target.name}: ${counts.reduce((a, b) => a + b, 0).toLocaleString('en-US')} connecting…`);
        }
      }),
    );
    const sampled: ScaleResult['steps'] = [];
    let open = 0;
    let failed = 0;
    let firstError: string | undefined;
    for (const step of steps) {
      workers.forEach((w, i) => w.send({ type: 'ramp', to: step.perProc[i]! }));
      const ramped = await Promise.all(workers.map((w) => w.next('ramped', 180_000)));
      open = ramped.reduce((sum, r) => sum + r.open, 0);
      failed = ramped.reduce((sum, r) => sum + r.failed, 0);
      firstError ??= ramped.find((r) => r.firstError)?.firstError;
      await sleep(options.scaleSettle);
      const rss = readRssBytes(target.pid);
      sampled.push({ connections: open, rssMB: rss / MB });
      log(`  scale ${target.name}: ${open.toLocaleString('en-US')} open, RSS ${(rss / MB).toFixed(1)} MiB`);
    }
    if (failed > 0) log(`  ${target.name}: ${failed} idle connections failed (${firstError})`);
    if (open === 0) throw new Error(`no idle connection opened: ${firstError ?? 'unknown'}`);
    const first = sampled[0]!;
    const last = sampled[sampled.length - 1]!;
    return {
      connections: open,
      failedConnections: failed,
      baselineRssMB: baseline / MB,
      finalRssMB: last.rssMB,
      perConnKB: ((last.rssMB * MB - baseline) / open) / 1024,
      marginalPerConnKB: last.connections > first.connections ? (((last.rssMB - first.rssMB) * MB) / (last.connections - first.connections)) / 1024 : NaN,
      steps: sampled,
    };
  } finally {
    for (const w of workers) w.send({ type: 'close' });
    await Promise.all(workers.map((w) => w.stop()));
  }
}
