// scripts/restore — verify a backup, then swap it in with the app stopped. The file work happens on the host
// against the volume's mountpoint, for the reasons given at the top of backup.ts.
import fs from 'node:fs';
import { ScriptError, runScript } from '../lib/cli';
import { executeOrThrow } from '../lib/command';
import { locateHostStack, resolveDatabase } from './ops/app-database';
import { prepareRestore, swapInDatabase } from './ops/sqlite-backup';
import { waitForHealth } from './ops/wait';
import { EDGE_STACK, RESTORE_HELP, backupsNewestFirst, fileStamp, formatRestorePlan, parseRestoreArgs, planRestore } from './backup-plan';

async function main(): Promise<number> {
  const options = parseRestoreArgs(process.argv.slice(2));
  if (options === 'help') {
    console.log(RESTORE_HELP);
    return 0;
  }
  let backup = options.backup;
  if (backup === 'latest') {
    const newest = backupsNewestFirst(fs.existsSync(options.outDir) ? fs.readdirSync(options.outDir) : [])[0];
    if (!newest) throw new ScriptError(`no backups in ${options.outDir}`);
    backup = `${options.outDir}/${newest}`;
  }
  const database = await resolveDatabase(options.source);
  // The edge is found before anything is stopped: a missing edge folder is refused with nothing changed.
  const stack =
    database.stack && options.source.kind === 'stack'
      ? { ...database.stack, edge: locateHostStack(options.source.stacksRoot, EDGE_STACK), timeoutSeconds: options.timeoutSeconds }
      : undefined;
  const steps = planRestore(backup, database.file, fileStamp(new Date()), stack);
  if (options.dryRun) {
    console.log(formatRestorePlan(steps));
    return 0;
  }
  let candidate: string | undefined;
  let stopped = false;
  try {
    for (const step of steps) {
      if (step.kind === 'verify') {
        const prepared = await prepareRestore(step.backup, step.workDir).catch((error: Error) => {
          throw new ScriptError(`${error.message}; refused, nothing was changed`);
        });
        candidate = prepared.candidate;
        const f = prepared.facts;
        console.log(`restore: ${step.backup} verified: integrity ok, ${f.messages} messages, ${f.users} users, ${f.rooms} rooms`);
      } else if (step.kind === 'exec') {
        console.log(`restore: ${step.what}`);
        await executeOrThrow(step.command, { what: step.what });
        if (step.what.startsWith('stop')) stopped = true;
        if (step.what.startsWith('start')) stopped = false;
      } else if (step.kind === 'swap') {
        const keptAs = swapInDatabase(step.target, candidate as string, step.stamp);
        candidate = undefined;
        console.log(`restore: ${step.target} replaced${keptAs ? `; the previous database is kept as ${keptAs}` : ''}`);
      } else if (step.kind === 'wait' && stack) {
        const where = step.location.stack;
        const health = await waitForHealth(stack.cli, step.location, step.timeoutSeconds, (s) => console.log(`restore: ${where}: ${s}`), step.services);
        if (health.state !== 'healthy') throw new ScriptError(`${where} not healthy after the restore: ${health.summary}`);
      }
    }
  } finally {
    if (candidate) fs.rmSync(candidate, { force: true });
    // A failure between stop and start must not leave the app down.
    if (stopped && stack) {
      const start = steps.find((step) => step.kind === 'exec' && step.what.startsWith('start'));
      if (start && start.kind === 'exec') await executeOrThrow(start.command, { what: start.what }).catch(() => undefined);
    }
  }
  console.log(`restore: done${database.stack ? '' : ' (--db: start whatever uses the database yourself)'}`);
  return 0;
}

if (require.main === module) runScript('restore', main);
