import type { ChildProcess } from 'node:child_process';
import path from 'node:path';
import { exited, REPO_ROOT, spawnNode, stopChild, tailStderr } from './child';
import type { FromWorker, ToWorker } from './ipc';

/** A load process with typed messages both ways. */
export interface Worker {
  readonly child: ChildProcess;
  send(message: ToWorker): void;
  /** The next message of this type (rejects on an `error` message, an early exit, or the timeout). */
  next<T extends FromWorker['type']>(type: T, timeoutMs: number): Promise<Extract<FromWorker, { type: T }>>;
  /** Called with every `progress` count. */
  onProgress(listener: (count: number) => void): void;
  stop(): Promise<void>;
}

/** Starts `bench/clients/<script>` under tsx with its JSON configuration and an IPC channel. */
export function startWorker(script: string, config: unknown): Worker {
  const child = spawnNode(['--import', 'tsx', path.join(REPO_ROOT, 'bench', 'clients', script), JSON.stringify(config)], { ipc: true });
  const stderr = tailStderr(child);
  const inbox: FromWorker[] = [];
  const waiters: Array<() => void> = [];
  let progress: (count: number) => void = () => {};
  child.on('message', (message: FromWorker) => {
    if (message.type === 'progress') return progress(message.count);
    inbox.push(message);
    for (const wake of waiters.splice(0)) wake();
  });
  const gone = exited(child);
  void gone.then(() => {
    for (const wake of waiters.splice(0)) wake();
  });

  return {
    child,
    send: (message) => {
      if (child.connected) child.send(message);
    },
    next: (type, timeoutMs) =>
      new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`${script}: no "${type}" within ${timeoutMs} ms`)), timeoutMs);
        const look = () => {
          const index = inbox.findIndex((m) => m.type === type || m.type === 'error');
          if (index >= 0) {
            const [message] = inbox.splice(index, 1);
            clearTimeout(timer);
            if (message!.type === 'error') return reject(new Error(`${script}: ${message!.message}`));
            return resolve(message as never);
          }
          if (child.exitCode !== null || child.signalCode !== null) {
            clearTimeout(timer);
            const tail = stderr().split('\n').slice(-3).join(' | ');
            return reject(new Error(`${script} exited (${child.exitCode ?? child.signalCode}) before "${type}"${tail ? `: ${tail}` : ''}`));
          }
          waiters.push(look);
        };
        look();
      }),
    onProgress: (listener) => {
      progress = listener;
    },
    stop: () => stopChild(child, 3000),
  };
}
