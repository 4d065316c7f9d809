/**
 * `npm run bench` — Shagram against a bare ws broadcast server and socket.io + SQLite, on
 * loopback, in one invocation. Progress goes to stderr; the table and the targets to stdout;
 * JSON and an SVG chart to the results folder (`bench-<time>.*` and `latest.*`).
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { REPO_ROOT } from './lib/child';
import { evaluateTargets } from './lib/checks';
import { helpText, OptionsError, parseBenchArgs, type BenchOptions, type TargetName } from './lib/options';
import type { BenchReport, TargetResults } from './lib/results';
import { renderChart } from './lib/svg';
import { buildRows, formatChecks, formatTable } from './lib/table';
import { REPLICA_TARGET, TargetSkipped, workloadsFor } from './lib/replicas';
import { skipReason, startTarget } from './lib/targets';
import { runFanout } from './workloads/fanout';
import { runHistory } from './workloads/history';
import { runScale } from './workloads/scale';
import { compareCapacity, formatCapacity, runCapacity } from './workloads/capacity';

const log = (line: string) => process.stderr.write(`${line}\n`);

function openFilesLimit(): string {
  try {
    return execFileSync('bash', ['-c', 'ulimit -Hn'], { encoding: 'utf8' }).trim();
  } catch {
    return 'unknown';
  }
}

async function runTarget(name: TargetName, options: BenchOptions, workDir: string): Promise<TargetResults> {
  const results: TargetResults = { errors: [] };
  const { run, notApplicable } = workloadsFor(name, options.workloads);
  if (notApplicable.length > 0) {
    results.notApplicable = notApplicable;
    log(`== ${name}: ${notApplicable.join(', ')} not measured (this target runs ${run.join(', ') || 'none of the requested workloads'})`);
  }
  if (run.length === 0) return results;
  const reason = skipReason(name);
  if (reason) throw new TargetSkipped(reason);
  log(`== ${name}: starting`);
  const rooms = Math.max(options.rooms, options.scaleRooms, run.includes('capacity') ? options.capacityRooms : 0);
  const target = await startTarget(name, workDir, options.shagramEntry, options.shagramNodeArgs, rooms);
  try {
    // Scale first, on the fresh process, so its RSS baseline is clean.
    // (capacity, opt-in, is best run alone: its RSS baseline is then the fresh process's too)
    for (const workload of ['scale', 'fanout', 'history', 'capacity'] as const) {
      if (!run.includes(workload)) continue;
      log(`== ${name}: ${workload}`);
      try {
        if (workload === 'scale') results.scale = await runScale(target, options, log);
        if (workload === 'fanout') results.fanout = await runFanout(target, options, log);
        if (workload === 'capacity') results.capacity = await runCapacity(target, options, log);
        if (workload === 'history') {
          results.history = await runHistory(target, options, log);
          if (!results.history) log(`  ${name}: no history endpoint (not measured)`);
        }
      } catch (error) {
        results.errors.push(`${workload}: ${(error as Error).message}`);
        log(`!! ${name} ${workload}: ${(error as Error).message}`);
      }
    }
  } finally {
    await target.stop();
  }
  return results;
}

/** Runs the bench; @returns the report (also written to the results folder). */
export async function runBench(options: BenchOptions): Promise<BenchReport> {
  const started = Date.now();
  const limit = openFilesLimit();
  const fdsNeeded = options.scaleConnections + 200;
  if (options.workloads.includes('scale') && Number(limit) < fdsNeeded) {
    log(`warning: the open-files hard limit is ${limit}; ${options.scaleConnections} connections need about ${fdsNeeded}`);
  }
  // The server holds one file per user; the users are spread over the load processes.
  if (options.workloads.includes('capacity') && Number(limit) < options.capacityUsers + 200) {
    log(`warning: the open-files hard limit is ${limit}; the server's ${options.capacityUsers} users need about ${options.capacityUsers + 200}`);
  }
  const workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'shagram-bench-'));
  const results: BenchReport['results'] = {};
  try {
    for (const name of options.targets) {
      try {
        results[name] = await runTarget(name, options, workDir);
      } catch (error) {
        if (error instanceof TargetSkipped) {
          results[name] = { errors: [], skipped: error.message };
          log(`== ${name}: skipped — ${error.message}`);
          continue;
        }
        results[name] = { errors: [(error as Error).message] };
        log(`!! ${(error as Error).message}`);
      }
    }
  } finally {
    fs.rmSync(workDir, { recursive: true, force: true });
  }
  return {
    startedAt: new Date(started).toISOString(),
    durationSeconds: (Date.now() - started) / 1000,
    machine: { cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model ?? 'unknown', node: process.version, platform: `${os.platform()} ${os.release()}`, openFilesLimit: limit },
    options,
    results,
    checks: evaluateTargets(results, options),
  };
}

/** Writes `bench-<time>.json|svg` and `latest.json|svg`. @returns the paths written. */
export function writeReport(report: BenchReport, outDir: string): string[] {
  const dir = path.resolve(REPO_ROOT, outDir);
  fs.mkdirSync(dir, { recursive: true });
  const o = report.options;
  const subtitle =
    `${report.startedAt.slice(0, 19)}Z · ${report.machine.cpus} cores · node ${report.machine.node} · fan-out ${o.rooms}×${o.clients}, ` +
    `${o.senders} senders, ${o.duration}s · scale ${o.scaleConnections} · history ${o.historyConnections} conns`;
  const svg = renderChart(report.results, o.targets, subtitle);
  const json = JSON.stringify(report, null, 2) + '\n';
  const stamp = report.startedAt.replace(/[:.]/g, '-');
  const files = [`bench-${stamp}.json`, `bench-${stamp}.svg`, 'latest.json', 'latest.svg'].map((f) => path.join(dir, f));
  fs.writeFileSync(files[0]!, json);
  fs.writeFileSync(files[1]!, svg);
  fs.writeFileSync(files[2]!, json);
  fs.writeFileSync(files[3]!, svg);
  return files;
}

async function main(): Promise<void> {
  let options: BenchOptions;
  try {
    options = parseBenchArgs(process.argv.slice(2));
  } catch (error) {
    if (error instanceof OptionsError) {
      process.stderr.write(`bench: ${error.message} (see --help)\n`);
      process.exit(2);
    }
    throw error;
  }
  if (options.help) {
    process.stdout.write(helpText() + '\n');
    return;
  }
  const report = await runBench(options);
  const files = writeReport(report, options.out);
  process.stdout.write(`\n${formatTable(buildRows(report.results), options.targets)}\n\nTargets (Shagram):\n${formatChecks(report.checks)}\n\n`);
  for (const name of options.targets) {
    const capacity = report.results[name]?.capacity;
    if (capacity) process.stdout.write(`${formatCapacity(capacity, name)}\n\n`);
  }
  const [one, many] = [report.results.shagram?.capacity, report.results[REPLICA_TARGET]?.capacity];
  if (one && many) process.stdout.write(`${compareCapacity(one, many, ['shagram', REPLICA_TARGET])}\n\n`);
  process.stdout.write(`Wrote ${files.slice(0, 2).map((f) => path.relative(process.cwd(), f)).join(' and ')} (also latest.json, latest.svg)\n`);
  const failures = Object.entries(report.results).flatMap(([name, r]) => (r?.errors ?? []).map((e) => `${name} ${e}`));
  if (failures.length > 0) {
    process.stderr.write(`bench: ${failures.length} workload(s) failed: ${failures.join('; ')}\n`);
    process.exit(1);
  }
}

if (require.main === module) {
  main().then(
    () => process.exit(0),
    (error: Error) => {
      process.stderr.write(`bench: ${error.message}\n`);
      process.exit(1);
    },
  );
}
