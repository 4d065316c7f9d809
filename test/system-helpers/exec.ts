/**
 * The system tests' way to run a command: a thin adapter over the scripts' runner (scripts/lib/command.ts) that
 * collects stdout and stderr, writes `input`, bounds the run (10 minutes unless told) and rejects with more context
 * than a script's one line (the last few lines of output) unless `allowFailure`.
 */
import { execute } from '../../scripts/lib/command';

/** Result of a finished command. */
export interface RunResult {
  stdout: string;
  stderr: string;
  code: number;
}

/** Options for {@link run}. */
export interface RunOptions {
  cwd?: string;
  /** The whole environment of the command (default: this process's). */
  env?: NodeJS.ProcessEnv;
  /** Data written to the command's stdin. */
  input?: string;
  /** Resolve with a non-zero exit code instead of rejecting. */
  allowFailure?: boolean;
  /** Kill the command after this many milliseconds (default: 10 minutes). */
  timeoutMs?: number;
}

/**
 * Runs a command (its arguments quoted by the runner, never split or expanded) and collects its output.
 * Rejects with one readable line (command, exit code, last stderr lines) when it exits non-zero,
 * unless `allowFailure` is set; rejects always when it cannot start.
 */
export async function run(command: string, args: readonly string[], options: RunOptions = {}): Promise<RunResult> {
  const result = await execute(
    { argv: [command, ...args], cwd: options.cwd, stdin: options.input },
    { baseEnv: options.env, timeoutMs: options.timeoutMs ?? 600_000 },
  );
  if (result.startError !== undefined) throw new Error(`${command}: cannot start: ${result.startError}`);
  const { stdout, stderr, code } = result;
  if (code !== 0 && !options.allowFailure) {
    const last = stderr.trim().split('\n').slice(-5).join(' | ') || stdout.trim().split('\n').slice(-3).join(' | ');
    throw new Error(`${command} ${args.slice(0, 3).join(' ')}… exited ${result.signal ?? code}: ${last}`);
  }
  return { stdout, stderr, code };
}
