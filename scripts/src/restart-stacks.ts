import path from 'node:path';
import { runScript } from '../lib/cli';
import { execute, formatCommand, lastLine } from '../lib/command';
import { locateStack, presentStacks, type ComposeCli, type StackLocation } from './ops/compose';
import { detectCompose, folderEntries, stackContainers } from './ops/docker';
import { assessStack, type StackHealth } from './ops/health';
import { waitForHealth } from './ops/wait';
import { formatDuration, formatTable } from './ops/table';
import { RESTART_HELP, formatRestartPlan, logsCommand, parseRestartArgs, planRestart, type StackPlan } from './restart-plan';

/** Outcome of one stack, for the summary table. */
interface StackOutcome {
  stack: string;
  result: string;
  durationMs?: number;
  state: string;
}

/** A failed stack: the one line to print and the failing service's last log lines. */
interface Failure {
  stack: string;
  line: string;
  logs: string[];
}

function progress(stack: string, text: string): void {
  console.log(`==> ${stack}: ${text}`);
}

/** Lines of pull output worth showing: failures that --ignore-pull-failures turned into warnings. */
function pullWarnings(output: string): string[] {
  return output.split('\n').map((line) => line.trim()).filter((line) => /error|fail|denied|not found|unauthorized|warn/i.test(line));
}

async function currentHealth(cli: ComposeCli, location: StackLocation): Promise<StackHealth> {
  return assessStack(await stackContainers(cli, location));
}

async function serviceLogs(cli: ComposeCli, location: StackLocation, service: string): Promise<string[]> {
  const result = await execute(logsCommand(cli, location, service));
  const lines = `${result.stdout}\n${result.stderr}`.split('\n').filter((line) => line.trim() !== '' && !/^Attaching to /.test(line));
  return lines.slice(-20);
}

/** Waits (bounded) until the stack is healthy; answers the failure (with the failing service), or undefined. */
async function waitHealthy(cli: ComposeCli, plan: StackPlan, timeoutSeconds: number): Promise<{ line: string; service?: string } | undefined> {
  const { stack } = plan.location;
  const health = await waitForHealth(cli, plan.location, timeoutSeconds, (summary) => progress(stack, summary));
  if (health.state === 'healthy') return undefined;
  const problem = health.problems[0];
  const what = health.state === 'failed' ? `is ${problem?.reason ?? 'failed'}` : `is not healthy after ${timeoutSeconds} s (${problem?.reason ?? 'waiting'})`;
  return { service: problem?.service, line: `${stack} failed: service ${problem?.service ?? '?'} ${what}` };
}

/** Runs one stack's plan; answers the failure or undefined. */
async function restartStack(cli: ComposeCli, plan: StackPlan): Promise<Failure | undefined> {
  const { stack } = plan.location;
  for (const step of plan.steps) {
    if (step.kind === 'wait') {
      progress(stack, `waiting up to ${step.timeoutSeconds} s for healthy containers`);
      const failure = await waitHealthy(cli, plan, step.timeoutSeconds);
      if (failure) return { stack, line: failure.line, logs: failure.service ? await serviceLogs(cli, plan.location, failure.service) : [] };
      continue;
    }
    const started = Date.now();
    progress(stack, `${step.kind}: ${formatCommand(step.command)}`);
    const result = await execute(step.command);
    if (result.code !== 0) {
      return { stack, line: `${stack} failed: \`${step.command.argv.join(' ')}\` exited ${result.code}: ${lastLine(result)}`, logs: [] };
    }
    if (step.kind === 'pull') for (const warning of pullWarnings(`${result.stdout}\n${result.stderr}`)) progress(stack, `pull warning: ${warning}`);
    progress(stack, `${step.kind} done in ${formatDuration(Date.now() - started)}`);
  }
  return undefined;
}

async function main(): Promise<number> {
  const options = parseRestartArgs(process.argv.slice(2));
  if (options === 'help') {
    console.log(RESTART_HELP);
    return 0;
  }
  const cli = await detectCompose({ assume: options.dryRun });
  const present = presentStacks(options.stacks, (stack) => folderEntries(path.join(options.stacksRoot, stack)) !== undefined);
  for (const stack of present.skipped) console.log(`restart-stacks: ${stack}: not deployed on this host (no folder ${path.join(options.stacksRoot, stack)}), skipped`);
  const locations = present.stacks.map((stack) => locateStack(options.stacksRoot, stack, folderEntries(path.join(options.stacksRoot, stack))));
  const plans = planRestart(options, cli, locations);
  if (options.dryRun) {
    console.log(formatRestartPlan(plans, cli));
    return 0;
  }
  console.log(`restart-stacks: ${plans.map((plan) => plan.location.stack).join(' → ')} in ${options.stacksRoot} with ${cli.reason}`);
  const outcomes: StackOutcome[] = [];
  let failure: Failure | undefined;
  for (const plan of plans) {
    const { stack } = plan.location;
    if (failure) {
      const state = await currentHealth(cli, plan.location).then((h) => h.summary, (error: Error) => `unknown (${error.message})`);
      outcomes.push({ stack, result: `not run (${failure.stack} failed)`, state });
      continue;
    }
    const started = Date.now();
    failure = await restartStack(cli, plan).catch((error: Error): Failure => ({ stack, line: `${stack} failed: ${error.message}`, logs: [] }));
    const state = await currentHealth(cli, plan.location).then((h) => h.summary, (error: Error) => `unknown (${error.message})`);
    outcomes.push({ stack, result: failure ? 'FAILED' : 'ok', durationMs: Date.now() - started, state });
  }
  console.log('');
  console.log(
    formatTable(
      ['stack', 'result', 'duration', 'state'],
      outcomes.map((o) => [o.stack, o.result, o.durationMs === undefined ? '-' : formatDuration(o.durationMs), o.state]),
    ),
  );
  if (failure) {
    const logs = failure.logs.length > 0 ? `; last log lines:\n${failure.logs.map((line) => `    ${line}`).join('\n')}` : '';
    process.stderr.write(`restart-stacks: ${failure.line}${logs}\n`);
    return 1;
  }
  return 0;
}

if (require.main === module) runScript('restart-stacks', main);
