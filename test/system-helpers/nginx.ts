import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { run } from './exec';
import { canConnect } from './ports';

/** A Debian nginx started by {@link startNginx}. */
export interface NginxProcess {
  /** Graceful stop (SIGQUIT), resolved once nginx has exited. Idempotent. */
  stop(): Promise<void>;
}

/**
 * A whole nginx.conf for a private nginx under `dir`: foreground, one worker, pid, logs and temporary
 * files inside `dir` (so it runs beside any other nginx), and `http` as the body of the http block. Pure.
 */
export function privateNginxConf(dir: string, http: string, workerConnections = 512): string {
  return `daemon off;
worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections ${workerConnections}; }
http {
    access_log ${dir}/access.log;
    client_body_temp_path ${dir}/tmp/body;
    proxy_temp_path ${dir}/tmp/proxy;
    fastcgi_temp_path ${dir}/tmp/fastcgi;
    uwsgi_temp_path ${dir}/tmp/uwsgi;
    scgi_temp_path ${dir}/tmp/scgi;
${http}
}
`;
}

/**
 * Checks `<dir>/nginx.conf` with `nginx -t`, starts Debian's nginx in the foreground with `dir` as its prefix,
 * and resolves once `readyPort` on 127.0.0.1 accepts connections (bounded; rejects with the error log's tail).
 */
export async function startNginx(dir: string, readyPort: number, timeoutMs = 10_000): Promise<NginxProcess> {
  // The temporary-file folder of privateNginxConf, writable by nginx's worker user.
  fs.mkdirSync(path.join(dir, 'tmp'), { recursive: true });
  fs.chmodSync(dir, 0o755);
  fs.chmodSync(path.join(dir, 'tmp'), 0o777);
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

