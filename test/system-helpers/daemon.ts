import { spawn, type ChildProcess } from 'node:child_process';
import { canConnect } from './ports';

/** A server process started by {@link startDaemon}. */
export interface Daemon {
  child: ChildProcess;
  /** The last 4,000 characters it wrote (stdout and stderr). */
  output(): string;
  /** Why it is gone ("exited 1", "cannot start: …"), or undefined while it runs. */
  exited(): string | undefined;
  /** SIGTERM, resolved once it has exited. Idempotent. */
  stop(): Promise<void>;
}

/** Starts a foreground server process and keeps the tail of its output and its exit reason. */
export function startDaemon(command: string, args: readonly string[], env: NodeJS.ProcessEnv = process.env): Daemon {
  let output = '';
  let exited: string | undefined;
  const child = spawn(command, [...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  const keep = (chunk: Buffer) => (output = (output + chunk.toString()).slice(-4000));
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  child.on('exit', (code, signal) => (exited = `exited ${signal ?? code}`));
  child.on('error', (error) => (exited = `cannot start: ${error.message}`));
  return {
    child,
    output: () => output,
    exited: () => exited,
    async stop() {
      if (exited) return;
      const done = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.kill('SIGTERM');
      await done;
    },
  };
}

/**
 * Resolves once every port on 127.0.0.1 accepts connections (no event says when a server listens: polled, bounded).
 * Rejects — after stopping the daemons — when one of them exits first or the bound passes, with `what`, the reason
 * and the last line of their output.
 */
export async function waitForPorts(what: string, daemons: readonly Daemon[], ports: readonly number[], timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const up = await Promise.all(ports.map((port) => canConnect(port)));
    if (up.every(Boolean)) return;
    const failed = daemons.map((daemon) => daemon.exited()).find((reason) => reason !== undefined);
    if (failed || Date.now() > deadline) {
      await Promise.all(daemons.map((daemon) => daemon.stop()));
      const last = daemons.map((daemon) => daemon.output().trim().split('\n').pop() ?? '').filter(Boolean).join(' | ');
      throw new Error(`${what} ${failed ?? `did not accept connections within ${timeoutMs} ms`}: ${last}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
