import { spawn } from 'node:child_process';
import { CiError } from './cli';

/** One process to run: what a plan returns and {@link runCommand} executes. */
export interface Command {
  command: string;
  args: string[];
  /** Extra environment variables (merged over the current environment). */
  env?: Record<string, string>;
  /** Text written to the process' standard input (e.g. a password for --password-stdin). */
  stdin?: string;
  /** Folder to run in. */
  cwd?: string;
}

/** Environment variables whose values a printed command hides. */
const SECRET_NAME = /SECRET|PASSWORD|PASSPHRASE|TOKEN|PRIVATE/;

/** A command as one readable line (values from `stdin` and of secret-named variables never appear). Pure. */
export function describe(step: Command): string {
  const env = Object.keys(step.env ?? {}).map((name) => `${name}=${SECRET_NAME.test(name) ? '***' : step.env?.[name]} `).join('');
  return `${env}${[step.command, ...step.args].join(' ')}`;
}

/**
 * Runs one command, its output passed through (or captured with `capture`). Rejects with a CiError naming
 * the command when it cannot start or exits non-zero.
 */
export function runCommand(step: Command, { capture = false } = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(step.command, step.args, {
      cwd: step.cwd,
      env: { ...process.env, ...step.env },
      stdio: [step.stdin === undefined ? 'ignore' : 'pipe', capture ? 'pipe' : 'inherit', 'inherit'],
    });
    let out = '';
    child.stdout?.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.on('error', (error) => reject(new CiError(`cannot run ${step.command}: ${error.message}`)));
    child.on('close', (code) => {
      if (code === 0) resolve(out);
      else reject(new CiError(`${step.command} ${step.args[0] ?? ''} failed with exit code ${code}`));
    });
    if (step.stdin !== undefined) child.stdin?.end(step.stdin);
  });
}

/** Runs commands in order, stopping at the first failure. */
export async function runAll(steps: readonly Command[]): Promise<void> {
  for (const step of steps) {
    process.stderr.write(`+ ${describe(step)}\n`);
    await runCommand(step);
  }
}
