import { spawn, type SpawnOptions } from 'node:child_process';

/** Result of a finished command. */
export interface RunResult {
  stdout: string;
  stderr: string;
  code: number;
}

/** Options for {@link run}. */
export interface RunOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** Data written to the command's stdin. */
  input?: string;
  /** Resolve with a non-zero exit code instead of rejecting. */
  allowFailure?: boolean;
  /** Kill the command after this many milliseconds (default: 10 minutes). */
  timeoutMs?: number;
}

/**
 * Runs a command without a shell and collects its output.
 * Rejects with one readable line (command, exit code, last stderr line) when it exits non-zero,
 * unless `allowFailure` is set.
 */
export function run(command: string, args: readonly string[], options: RunOptions = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    // stdin is a pipe only when there is input: a command that exits at once would make the write fail with EPIPE.
    const stdin = options.input === undefined ? 'ignore' : 'pipe';
    const spawnOptions: SpawnOptions = { cwd: options.cwd, env: options.env ?? process.env, stdio: [stdin, 'pipe', 'pipe'] };
    const child = spawn(command, [...args], spawnOptions);
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 600_000);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(new Error(`${command}: cannot start: ${error.message}`));
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const exit = code ?? (signal ? 128 : 1);
      if (exit !== 0 && !options.allowFailure) {
        const last = stderr.trim().split('\n').slice(-5).join(' | ') || stdout.trim().split('\n').slice(-3).join(' | ');
        reject(new Error(`${command} ${args.slice(0, 3).join(' ')}… exited ${signal ?? exit}: ${last}`));
        return;
      }
      resolve({ stdout, stderr, code: exit });
    });
    if (options.input !== undefined) {
      child.stdin?.on('error', () => undefined); // the exit code tells what happened
      child.stdin?.end(options.input);
    }
  });
}
