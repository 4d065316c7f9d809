/**
 * The daily off-host backup on the host (plan/backup-schedule.ts): its settings file (secrets, passed on the
 * install script's stdin) and the systemd service + timer that run `backup-offsite`.
 */
import { createHash } from 'node:crypto';
import { remote, types } from '@pulumi/command';
import * as pulumi from '@pulumi/pulumi';
import type { BackupConfig } from '../config';
import { installBackupScheduleScript, offsiteSettingsFile } from '../../plan/backup-schedule';
import { HOST_BASE_DIR } from '../../plan/stack-spec';

/** Inputs of `OffsiteBackup`. */
export interface OffsiteBackupArgs {
  connection: pulumi.Input<types.input.remote.ConnectionArgs>;
  backup: BackupConfig;
  /** Base folder on the host (default `/opt/shagram`). */
  baseDir?: string;
}

/** Installs the settings and the timer; re-runs when either changes (the trigger is a hash, kept secret). */
export class OffsiteBackup extends pulumi.ComponentResource {
  readonly install: remote.Command;

  /** Registers the install command (after `opts.dependsOn`: the host tools, which install `backup-offsite`). */
  constructor(name: string, args: OffsiteBackupArgs, opts?: pulumi.ComponentResourceOptions) {
    super('shagram:infra:OffsiteBackup', name, {}, opts);
    const baseDir = args.baseDir ?? HOST_BASE_DIR;
    const script = installBackupScheduleScript(args.backup.time, baseDir);
    const settings = offsiteSettingsFile(args.backup, baseDir);
    const hash = createHash('sha256').update(script).update('\0').update(settings).digest('hex');
    this.install = new remote.Command(
      `${name}-install`,
      { connection: args.connection, create: script, stdin: pulumi.secret(settings), triggers: [pulumi.secret(hash)], addPreviousOutputInEnv: false },
      { parent: this, dependsOn: opts?.dependsOn },
    );
    this.registerOutputs({});
  }
}
