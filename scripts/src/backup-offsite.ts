// scripts/backup-offsite — encrypted backups of the chat database, Jenkins home and Harbor to an S3-compatible
// bucket, with retention and the textfile metric (docs/backups.md). The plans are in offsite-plan.ts.
import { runScript } from '../lib/cli';
import { storedBackups, loadSettings, runOffsiteBackup } from './ops/offsite';
import { openBucket } from './ops/s3-store';
import { BACKUP_OFFSITE_HELP, formatBackupPlan, objectKey, parseOffsiteBackupArgs, planChatBackup, planHarborBackup, planJenkinsBackup } from './offsite-plan';

async function main(): Promise<number> {
  const options = parseOffsiteBackupArgs(process.argv.slice(2));
  if (options === 'help') {
    console.log(BACKUP_OFFSITE_HELP);
    return 0;
  }
  const settings = loadSettings(options.settingsFile, options.settingsGiven);
  if (options.dryRun) {
    // The plans with the default places (containers are not inspected in a dry run).
    const bucket = openBucket(settings);
    for (const target of options.targets) {
      const existing = (await storedBackups(bucket, settings.prefix, target)).map((b) => b.key);
      const key = objectKey(settings.prefix, target, new Date(), existing);
      const staging = `${options.workDir}/${target}-XXXXXX`;
      const plan =
        target === 'chat'
          ? planChatBackup(options.sources.db ?? '<shagram.db in the app volume>', staging)
          : target === 'jenkins'
            ? planJenkinsBackup(options.sources.jenkinsHome ?? '<jenkins-home volume>', undefined)
            : planHarborBackup(options.sources.harborData, staging, options.sources.harborData);
      console.log(formatBackupPlan(plan, `${settings.bucket}/${key}`));
    }
    return 0;
  }
  await runOffsiteBackup(options.targets, options.sources, options.workDir, settings, { now: () => new Date(), log: (line) => console.log(`backup-offsite: ${line}`) });
  return 0;
}

if (require.main === module) runScript('backup-offsite', main);
