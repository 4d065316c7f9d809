import { ScriptError, parseFlags } from '../lib/cli';
import { formatCommand, type Command } from '../lib/command';
import { DEFAULT_STACKS_ROOT, composeCommand, selectStacks, STACK_ORDER, type ComposeCli, type StackLocation, type StackName } from './ops/compose';

/** Options of `scripts/restart-stacks`. */
export interface RestartOptions {
  stacksRoot: string;
  /** Stacks to restart, in dependency order. */
  stacks: StackName[];
  pull: boolean;
  dryRun: boolean;
  /** Bound of the health wait per stack, seconds. */
  timeoutSeconds: number;
}

export const RESTART_HELP = `Usage: scripts/restart-stacks [options]

Pulls and recreates the host's Compose stacks in dependency order (${STACK_ORDER.join(', ')}): for each stack
\`pull\`, then \`up -d --force-recreate --remove-orphans\` (every container is made anew, even when its image and
settings did not change: a restart restarts), then waits until every container is healthy (or running, when it has
no health check). Stops at the first stack that fails: prints one line naming the stack and the failing
service with its last log lines, then a summary of every stack, and exits 1.

Options:
  --only <stack>        restart only these stacks (repeat or comma-separate: --only jenkins,shagram)
  --stacks-root <dir>   folder with one folder per stack (default ${DEFAULT_STACKS_ROOT})
  --no-pull             skip \`pull\` (use the images already on the host)
  --timeout <seconds>   how long to wait for a stack to become healthy (default 300)
  --dry-run             print the exact commands and do nothing
  -h, --help            this text

Uses \`docker compose\` and falls back to \`docker-compose\` when the plugin is missing. DOCKER_HOST is honoured.
\`pull\` runs with --ignore-pull-failures: an image that exists only on this host (built locally) or a registry
that is briefly down does not stop a restart; a warning is printed and \`up\` uses the local image (and fails
clearly when there is none).`;

/** Parses the command line. Pure. */
export function parseRestartArgs(argv: readonly string[]): RestartOptions | 'help' {
  const flags = parseFlags(argv, { only: 'list', 'stacks-root': 'string', 'no-pull': 'boolean', timeout: 'integer', 'dry-run': 'boolean' });
  if (flags === 'help') return 'help';
  const timeoutSeconds = (flags.timeout as number | undefined) ?? 300;
  if (timeoutSeconds < 1) throw new ScriptError('--timeout must be at least 1 second');
  return {
    stacksRoot: (flags['stacks-root'] as string | undefined) ?? DEFAULT_STACKS_ROOT,
    stacks: selectStacks(flags.only as string[]),
    pull: !flags['no-pull'],
    dryRun: flags['dry-run'] as boolean,
    timeoutSeconds,
  };
}

/** One step of a stack's restart. */
export type RestartStep =
  | { kind: 'pull'; command: Command }
  | { kind: 'up'; command: Command }
  | { kind: 'wait'; timeoutSeconds: number; ps: Command };

/** The restart of one stack. */
export interface StackPlan {
  location: StackLocation;
  steps: RestartStep[];
}

/** Builds the whole restart as data: per stack pull (unless --no-pull), up with every container recreated, wait healthy. Pure. */
export function planRestart(options: RestartOptions, cli: ComposeCli, locations: readonly StackLocation[]): StackPlan[] {
  return locations.map((location) => ({
    location,
    steps: [
      ...(options.pull ? [{ kind: 'pull' as const, command: composeCommand(cli, location, ['pull', '--ignore-pull-failures']) }] : []),
      { kind: 'up' as const, command: composeCommand(cli, location, ['up', '-d', '--force-recreate', '--remove-orphans']) },
      { kind: 'wait' as const, timeoutSeconds: options.timeoutSeconds, ps: composeCommand(cli, location, ['ps', '-a', '-q']) },
    ],
  }));
}

/** The command that shows a failing service's last log lines. Pure. */
export function logsCommand(cli: ComposeCli, location: StackLocation, service: string, lines = 20): Command {
  return composeCommand(cli, location, ['logs', '--no-color', '--tail', String(lines), service]);
}

/** `--dry-run` output: every command in order, one per line, the health wait as a comment. Pure. */
export function formatRestartPlan(plans: readonly StackPlan[], cli: ComposeCli): string {
  const lines = [`# compose: ${cli.reason}`];
  for (const plan of plans) {
    lines.push(`# ${plan.location.stack}`);
    for (const step of plan.steps) {
      if (step.kind === 'wait') {
        lines.push(`# wait up to ${step.timeoutSeconds} s until every container is healthy: ${formatCommand(step.ps)} | xargs docker inspect`);
      } else {
        lines.push(formatCommand(step.command));
      }
    }
  }
  return lines.join('\n');
}
