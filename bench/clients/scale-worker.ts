/**
 * Scale load process: opens idle connections when told to ramp (`{type:'ramp', to}` = this
 * process's cumulative share), reports how many are open, and closes them all on `close`.
 * The connections only answer the server's pings.
 */
import { connectChat, connectMany, type ChatConnection } from './chat-client';
import { scaleRoom } from '../lib/plan';
import { toParent, workerConfig, type ScaleWorkerConfig, type ToWorker } from '../lib/ipc';

async function main(): Promise<void> {
  const config = workerConfig<ScaleWorkerConfig>();
  const open: ChatConnection[] = [];
  let failed = 0;
  let firstError: string | undefined;
  let attempted = 0;
  let queue = Promise.resolve();

  const ramp = async (to: number) => {
    const want = to - attempted;
    if (want <= 0) return toParent({ type: 'ramped', open: open.length, failed, firstError });
    const from = attempted;
    attempted = to;
    let lastReport = 0;
    const result = await connectMany(
      want,
      config.concurrency,
      (i) => {
        const global = (from + i) * config.procs + config.proc;
        return connectChat(config.spec, scaleRoom(global, config.rooms), global);
      },
      (opened) => {
        if (opened - lastReport >= 250) {
          lastReport = opened;
          toParent({ type: 'progress', count: open.length + opened });
        }
      },
    );
    open.push(...result.connections);
    failed += result.failed;
    firstError ??= result.firstError;
    toParent({ type: 'ramped', open: open.length, failed, firstError });
  };

  process.on('message', (message: ToWorker) => {
    if (message.type === 'ramp') queue = queue.then(() => ramp(message.to));
    if (message.type === 'close') {
      for (const conn of open) conn.close();
      setTimeout(() => process.exit(0), 200).unref();
    }
  });
  process.on('disconnect', () => process.exit(0));
  toParent({ type: 'ready', connected: 0, failed: 0 });
}

main().catch((error: Error) => {
  toParent({ type: 'error', message: error.message });
  process.exit(1);
});
