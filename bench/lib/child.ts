import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';

/** The repository root (children run from here so `--import tsx` resolves). */
export const REPO_ROOT = path.resolve(__dirname, '..', '..');

/**
 * Node arguments wrapped in bash so the child first raises its open-file soft limit to the hard
 * limit (5,000 sockets need more than a default 1,024), then `exec`s node: the pid stays the
 * node process's own, so /proc/<pid> measures the server itself.
 */
export function ulimitWrapped(nodeArgs: string[]): { command: string; args: string[] } {
  return { command: 'bash', args: ['-c', 'ulimit -n "$(ulimit -Hn)" 2>/dev/null; exec "$0" "$@"', process.execPath, ...nodeArgs] };
}

/** Starts node with the given arguments (through {@link ulimitWrapped}). */
export function spawnNode(nodeArgs: string[], options: { env?: NodeJS.ProcessEnv; ipc?: boolean; quiet?: boolean }): ChildProcess {
  const { command, args } = ulimitWrapped(nodeArgs);
  return spawn(command, args, {
    cwd: REPO_ROOT,
    env: options.env ?? process.env,
    stdio: ['ignore', options.quiet ? 'ignore' : 'inherit', 'pipe', ...(options.ipc ? (['ipc'] as const) : [])],
  });
}

/** Keeps the last lines a child wrote to stderr, for a readable failure message. */
export function tailStderr(child: ChildProcess, lines = 20): () => string {
  const kept: string[] = [];
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (chunk: string) => {
    kept.push(...chunk.split('\n').filter(Boolean));
    if (kept.length > lines) kept.splice(0, kept.length - lines);
  });
  return () => kept.join('\n');
}

/** Resolves when the child exits (immediately if it already has). */
export function exited(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve) => child.once('exit', (code) => resolve(code)));
}

/** SIGTERM, then SIGKILL after `graceMs`; resolves once the child is gone. */
export async function stopChild(child: ChildProcess, graceMs = 10_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited(child);
  clearTimeout(timer);
}
