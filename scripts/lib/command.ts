/**
 * The command half of the kit every script shares: one shape for a process to run (plans return it as data), one
 * way to print it (shell-quoted, secrets hidden) and one runner (no shell), which the system tests' `run` uses too.
 */
import { spawn } from 'node:child_process';
import { ScriptError } from './cli';

/** One process to run, as data: what a plan returns and {@link execute} runs, without a shell. */
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

/** Runs a command without a shell; resolves with its exit code and captured output, never rejects. */
export function execute(command: Command, options: ExecuteOptions = {}): Promise<CommandResult> {
  const [program, ...args] = command.argv;
  const output = options.output ?? 'capture';
  return new Promise((resolve) => {
    if (program === undefined) return resolve({ code: 127, stdout: '', stderr: '', startError: 'empty command' });
    // stdin is a pipe only when there is input: a command that exits at once would make the write fail with EPIPE.
    const child = spawn(program, args, {
      cwd: command.cwd,
      env: { ...(options.baseEnv ?? process.env), ...command.env },
      stdio: [command.stdin === undefined ? 'ignore' : 'pipe', output === 'inherit' ? 'inherit' : 'pipe', output === 'capture' ? 'pipe' : 'inherit'],
    });
    let stdout = '';
    let stderr = '';
    let startError: string | undefined;
    child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = options.timeoutMs === undefined ? undefined : setTimeout(() => child.kill('SIGKILL'), options.timeoutMs);
    child.on('error', (error) => (startError = error.message));
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (startError !== undefined) resolve({ code: 127, stdout, stderr: stderr || `cannot run ${program}: ${startError}`, startError });
      else resolve({ code: code ?? 128, stdout, stderr, ...(signal ? { signal } : {}) });
    });
    if (command.stdin !== undefined) {
      child.stdin?.on('error', () => undefined); // the exit code tells what happened
      child.stdin?.end(command.stdin);
    }
  });
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
