/**
 * The host tools on the host: upload the bundled host scripts' archive and install it (plan/host-tools.ts):
 * `/opt/shagram/tools` (current release) and the wrappers in `/opt/shagram/bin`.
 */
import { remote, types } from '@pulumi/command';
import * as pulumi from '@pulumi/pulumi';
import { hostToolsLayout, installHostToolsScript, HOST_BASE_DIR } from '../../plan/host-tools';

/** Inputs of `HostTools`. */
export interface HostToolsArgs {
  connection: pulumi.Input<types.input.remote.ConnectionArgs>;
  /** The archive `buildHostTools` wrote: local path of the `.tar.gz` and its sha256 (the trigger). */
  archive: { file: string; sha256: string };
  /** Base folder on the host (default `/opt/shagram`; must match the one the archive was built for). */
  baseDir?: string;
}

/** Uploads the host tools' archive and installs it; both re-run only when the archive's hash changes. */
export class HostTools extends pulumi.ComponentResource {
  readonly upload: remote.CopyToRemote;
  readonly install: remote.Command;

  /** Registers the upload and the install command (after `opts.dependsOn`, for example `HostReady`). */
  constructor(name: string, args: HostToolsArgs, opts?: pulumi.ComponentResourceOptions) {
    super('shagram:infra:HostTools', name, {}, opts);
    const baseDir = args.baseDir ?? HOST_BASE_DIR;
    const layout = hostToolsLayout(baseDir);
    const hash = args.archive.sha256;
    this.upload = new remote.CopyToRemote(
      `${name}-upload`,
      { connection: args.connection, source: new pulumi.asset.FileAsset(args.archive.file), remotePath: layout.archive, triggers: [hash] },
      { parent: this, dependsOn: opts?.dependsOn },
    );
    this.install = new remote.Command(
      `${name}-install`,
      {
        connection: args.connection,
        create: installHostToolsScript({ archiveSha256: hash, baseDir }),
        triggers: [hash],
        addPreviousOutputInEnv: false,
      },
      // npm ci may compile better-sqlite3 when no prebuilt binary downloads
      { parent: this, dependsOn: [this.upload], customTimeouts: { create: '15m', update: '15m' } },
    );
    this.registerOutputs({});
  }
}
