// scripts/restore-offsite — list the off-host backups, or restore one target from one of them (docs/backups.md).
import { runScript } from '../lib/cli';
import { executeRestore, findBackup, loadSettings, resolveRestorePlan, restoreStamp, storedBackups } from './ops/offsite';
import { openBucket } from './ops/s3-store';
import { formatBytes, formatTable } from './ops/table';
import { RESTORE_OFFSITE_HELP, formatOffsiteRestorePlan, parseOffsiteRestoreArgs } from './offsite-plan';

async function main(): Promise<number> {
  const options = parseOffsiteRestoreArgs(process.argv.slice(2));
  if (options === 'help') {
    console.log(RESTORE_OFFSITE_HELP);
    return 0;
  }
  const settings = loadSettings(options.settingsFile, options.settingsGiven);
  const bucket = openBucket(settings);
  const rt = { now: () => new Date(), log: (line: string) => console.log(`restore-offsite: ${line}`) };
  if (options.list) {
    const backups = await storedBackups(bucket, settings.prefix, options.target);
    if (backups.length === 0) {
      console.log(`no backups under ${settings.bucket}/${settings.prefix}/${options.target ?? ''}`);
      return 0;
    }
    console.log(formatTable(['TARGET', 'TAKEN (UTC)', 'SIZE', 'KEY'], backups.map((b) => [b.target, b.time.toISOString().replace('.000Z', 'Z'), formatBytes(b.size), b.key])));
    return 0;
  }
  const target = options.target as NonNullable<typeof options.target>;
  const chosen = await findBackup(bucket, settings, target, options.backup);
  const plan = await resolveRestorePlan(target, chosen.key, options.sources, restoreStamp(rt), options.timeoutSeconds);
  if (options.dryRun) {
    console.log(formatOffsiteRestorePlan(plan));
    return 0;
  }
  await executeRestore(plan, bucket, settings.key, rt);
  return 0;
}

if (require.main === module) runScript('restore-offsite', main);
