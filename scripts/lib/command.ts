/**
 * The command half of the kit every script shares: one shape for a process to run (plans return it as data), one
 * way to print it (shell-quoted, secrets hidden) and one runner (zx, every argument quoted), which the system tests'
 * `run` uses too.
 */
import fs from 'node:fs';
import { $ } from 'zx';
import { ScriptError } from './cli';

/** One process to run, as data: what a plan returns and {@link execute} runs (each argument quoted, never split). */
export interface Command {
  /** The program and its arguments. */
  argv: string[];
  /** Folder to run in (default: the current one). */
  cwd?: string;
  /** Extra environment variables, laid over the inherited environment; secret-named ones print as `***`. */
  env?: Record<string, string>;
  /** Text written to standard input (e.g. a password for --password-stdin); never printed. */
  stdin?: string;
}

/** Names of environment variables whose values a printed command hides. */
export const SECRET_NAME = /SECRET|PASSWORD|PASSPHRASE|TOKEN|PRIVATE/;

/** Quotes an argument for display when the shell would split or expand it. Pure. */
export function shellQuote(arg: string): string {
  return /^[A-Za-z0-9_./:=@%+,-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}

/**
 * The command as an operator would type it: `cd <dir> && NAME=value… <argv…>`, shell-quoted; values of secret-named
 * variables show as `***` and standard input never appears. Pure.
 */
export function formatCommand(command: Command): string {
  const env = Object.entries(command.env ?? {}).map(([name, value]) => `${name}=${SECRET_NAME.test(name) ? '***' : shellQuote(value)}`);
  const line = [...env, ...command.argv.map(shellQuote)].join(' ');
  return command.cwd === undefined ? line : `cd ${shellQuote(command.cwd)} && ${line}`;
}

/** Output of a finished command. */
export interface CommandResult {
  /** Exit code; 128 when killed by a signal, 127 when it could not start. */
  code: number;
  /** Captured output ('' for a stream that passed through). */
  stdout: string;
  stderr: string;
  /** The signal that killed it (a timeout kills with SIGKILL). */
  signal?: string;
  /** Why it could not start (then `code` is 127). */
  startError?: string;
}

/** How {@link execute} runs a command. */
export interface ExecuteOptions {
  /** 'capture' (default): collect stdout and stderr; 'stdout': collect stdout, stderr passes through; 'inherit': both pass through. */
  output?: 'capture' | 'stdout' | 'inherit';
  /** The environment the command's `env` is laid over (default: this process's). */
  baseEnv?: NodeJS.ProcessEnv;
  /** Kill the command (SIGKILL) after this many milliseconds. */
  timeoutMs?: number;
}

/**
 * Runs a command with zx (its arguments quoted by zx, so nothing is split or expanded); resolves with its exit code
 * and captured output, never rejects. zx runs it through bash, so a program that is not installed shows as bash's
 * exit code 127 and "command not found": that, and a folder that does not exist, become `startError`.
 */
export async function execute(command: Command, options: ExecuteOptions = {}): Promise<CommandResult> {
  const [program, ...args] = command.argv;
  const output = options.output ?? 'capture';
  if (program === undefined) return { code: 127, stdout: '', stderr: '', startError: 'empty command' };
  const notStarted = (why: string): CommandResult => ({ code: 127, stdout: '', stderr: `cannot run ${program}: ${why}`, startError: why });
  if (command.cwd !== undefined && !fs.existsSync(command.cwd)) return notStarted(`folder ${command.cwd} does not exist`);
  const running = $({
    cwd: command.cwd,
    env: { ...(options.baseEnv ?? process.env), ...command.env },
    // stdin is a pipe only when there is input
    stdio: [command.stdin === undefined ? 'ignore' : 'pipe', output === 'inherit' ? 'inherit' : 'pipe', output === 'capture' ? 'pipe' : 'inherit'],
    quiet: true,
    verbose: false,
    nothrow: true,
    ...(options.timeoutMs === undefined ? {} : { timeout: `${options.timeoutMs}ms` as const, timeoutSignal: 'SIGKILL' as const }),
  })`${program} ${args}`;
  if (command.stdin !== undefined) {
    // written here rather than with zx's `input`: a command that exits without reading makes the write fail with
    // EPIPE, which zx would throw; the exit code tells what happened
    running.stdin.on('error', () => undefined);
    running.stdin.end(command.stdin);
  }
  const result = await running;
  const code = result.exitCode;
  if (code === 127 && /: (line \d+: )?[^:]*: command not found\s*$/.test(result.stderr)) return notStarted('command not found');
  if (code !== null && code < 0) return notStarted(`error ${code}`);
  return { code: code ?? 128, stdout: result.stdout, stderr: result.stderr, ...(result.signal ? { signal: result.signal } : {}) };
}

/** The last non-empty line of stderr (else of stdout), for one-line error messages. Pure. */
export function lastLine(result: Pick<CommandResult, 'stdout' | 'stderr'>): string {
  const last = (text: string) => text.split('\n').map((line) => line.trim()).filter(Boolean).pop();
  return last(result.stderr) ?? last(result.stdout) ?? '(no output)';
}

/** What a failed command is called in its error: `what`, else its program and first argument. Pure. */
function nameOf(command: Command, what: string | undefined): string {
  return what ?? command.argv.slice(0, 2).join(' ');
}

/**
 * The one-line {@link ScriptError} for a command that did not succeed, or undefined when it did: `<what> failed with
 * exit code N` plus the last line of its captured output. Pure.
 */
export function commandFailure(command: Command, result: CommandResult, what?: string): ScriptError | undefined {
  if (result.startError !== undefined) return new ScriptError(`cannot run ${command.argv[0]}: ${result.startError}`);
  if (result.code === 0) return undefined;
  const how = result.signal ? `was killed by ${result.signal}` : `failed with exit code ${result.code}`;
  const captured = result.stdout || result.stderr ? `: ${lastLine(result)}` : '';
  return new ScriptError(`${nameOf(command, what)} ${how}${captured}`);
}

/** {@link execute}, then a {@link ScriptError} of one line (see {@link commandFailure}) unless it exited 0. */
export async function executeOrThrow(command: Command, options: ExecuteOptions & { what?: string } = {}): Promise<CommandResult> {
  const result = await execute(command, options);
  const failure = commandFailure(command, result, options.what);
  if (failure) throw failure;
  return result;
}

/** Runs commands in order, each printed first as `+ <command>` on stderr, output passing through; stops at the first failure. */
export async function runAll(commands: readonly Command[]): Promise<void> {
  for (const command of commands) {
    process.stderr.write(`+ ${formatCommand(command)}\n`);
    await executeOrThrow(command, { output: 'inherit' });
  }
}
