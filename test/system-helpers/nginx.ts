import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { run } from './exec';

/** A Debian nginx started by {@link startNginx}. */
export interface NginxProcess {
  /** Graceful stop (SIGQUIT), resolved once nginx has exited. Idempotent. */
  stop(): Promise<void>;
}

/**
 * Checks `<dir>/nginx.conf` with `nginx -t`, starts Debian's nginx in the foreground with `dir` as its prefix,
 * and resolves once `readyPort` on 127.0.0.1 accepts connections (bounded; rejects with the error log's tail).
 */
export async function startNginx(dir: string, readyPort: number, timeoutMs = 10_000): Promise<NginxProcess> {
  const conf = path.join(dir, 'nginx.conf');
  const errorLog = path.join(dir, 'error.log');
  await run('nginx', ['-t', '-q', '-p', dir, '-c', conf, '-e', errorLog]);
  const child: ChildProcess = spawn('nginx', ['-p', dir, '-c', conf, '-e', errorLog], { stdio: 'ignore' });
  let exited = false;
  child.on('exit', () => (exited = true));
  const deadline = Date.now() + timeoutMs;
  // No event tells when nginx listens: poll the port, bounded.
  while (!(await canConnect(readyPort))) {
    if (exited || Date.now() > deadline) throw new Error(`nginx did not start: ${fs.readFileSync(errorLog, 'utf8').slice(-500)}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return {
    async stop() {
      if (exited) return;
      const done = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGQUIT');
      await done;
    },
  };
}

/** True when 127.0.0.1:`port` accepts a TCP connection now. */
export function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}
