import type { HistoryWorkerConfig } from '../lib/ipc';
import type { BenchOptions } from '../lib/options';
import { roomName } from '../lib/plan';
import type { HistoryResult } from '../lib/results';
import type { RunningTarget } from '../lib/targets';
import { startWorker } from '../lib/worker';

/**
 * History: seeds one room, then `GET /api/messages/:room` under autocannon from a load process.
 * @returns undefined for a target without a history endpoint (the bare ws peer)
 */
export async function runHistory(target: RunningTarget, options: BenchOptions, log: (line: string) => void): Promise<HistoryResult | undefined> {
  const room = roomName(0);
  const url = target.historyUrl(room);
  if (!url) return undefined;
  const config: HistoryWorkerConfig = {
    spec: target.spec,
    url,
    room,
    seed: options.historySeed,
    messageBytes: options.messageBytes,
    connections: options.historyConnections,
    duration: options.historyDuration,
  };
  const worker = startWorker('history-worker.ts', config);
  let last = 0;
  worker.onProgress((count) => {
    log(`  history ${target.name}: ~${Math.round(count - last).toLocaleString('en-US')} requests/s`);
    last = count;
  });
  try {
    const r = await worker.next('history-result', (options.historyDuration + 60) * 1000);
    return { requestsPerSec: r.requestsPerSec, p50Ms: r.p50, p99Ms: r.p99, non2xx: r.non2xx, errors: r.errors, pageSize: r.pageSize };
  } finally {
    await worker.stop();
  }
}
