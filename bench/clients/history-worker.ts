/**
 * History load process: seeds the room with messages through the chat protocol (so the page
 * is full), checks one response, then runs autocannon against `GET /api/messages/:room`.
 */
import autocannon from 'autocannon';
import { connectChat } from './chat-client';
import { encodePayload, nowMicros } from '../lib/payload';
import { toParent, workerConfig, type HistoryWorkerConfig } from '../lib/ipc';

const SEED_TIMEOUT_MS = 30_000;

async function seed(config: HistoryWorkerConfig): Promise<number> {
  const conn = await connectChat(config.spec, config.room, 0);
  let echoed = 0;
  await new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, SEED_TIMEOUT_MS);
    conn.onText(() => {
      if (++echoed >= config.seed) {
        clearTimeout(timer);
        resolve();
      }
    });
    for (let i = 0; i < config.seed; i++) conn.send(encodePayload({ sender: 0, seq: i, sentAt: nowMicros() }, config.messageBytes));
  });
  conn.close();
  return echoed;
}

async function main(): Promise<void> {
  const config = workerConfig<HistoryWorkerConfig>();
  const seeded = await seed(config);
  const check = await fetch(config.url);
  if (check.status !== 200) throw new Error(`GET ${config.url} answered ${check.status}`);
  const body = (await check.json()) as { messages?: unknown[] };
  const pageSize = body.messages?.length ?? 0;

  let requests = 0;
  const instance = autocannon({ url: config.url, connections: config.connections, duration: config.duration }, (error, result) => {
    if (error) {
      toParent({ type: 'error', message: error.message });
      process.exit(1);
    }
    toParent({
      type: 'history-result',
      requestsPerSec: result.requests.average,
      total: result['2xx'],
      p50: result.latency.p50,
      p99: result.latency.p99,
      non2xx: result.non2xx,
      errors: result.errors + result.timeouts,
      pageSize,
      seeded,
    });
    setTimeout(() => process.exit(0), 100).unref();
  });
  instance.on('tick', (counts) => {
    requests += counts.counter;
    toParent({ type: 'progress', count: requests });
  });
  process.on('disconnect', () => process.exit(0));
}

main().catch((error: Error) => {
  toParent({ type: 'error', message: error.message });
  process.exit(1);
});
