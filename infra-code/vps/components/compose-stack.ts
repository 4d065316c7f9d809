/** One Docker Compose stack on the host: upload its archive, write its `.env`, deploy health-gated, `down` on delete. */
import { remote, types } from '@pulumi/command';
import * as pulumi from '@pulumi/pulumi';
import { deployScript, downScript, prepareScript, stageScript, type DeployOptions } from '../../plan/remote-scripts';
import type { StackBundle } from '../../plan/stack-bundle';

/** Inputs of `ComposeStack`. */
export interface ComposeStackArgs {
  connection: pulumi.Input<types.input.remote.ConnectionArgs>;
  /** Host paths and deploy behaviour (plan/stacks.ts). */
  deploy: DeployOptions;
  /** The stack's archive (one `.tar.gz`) and its content hash. */
  bundle: StackBundle;
  /** The stack's `.env` text; secret. Reaches the host on the deploy command's stdin only. */
  envContent: pulumi.Output<string>;
  /** The image tag the stack runs (Shagram); a change re-runs the deploy. */
  imageTag?: pulumi.Input<string>;
}

/**
 * Resources, in order: `lifecycle` (creates the folders once; its delete runs `compose down`, keeping volumes),
 * `stage` + `upload` (re-run when the files' hash changes; the upload is one archive file, which lands exactly at
 * `incomingArchive` with the modes kept inside it — a folder upload would nest and lose execute bits), `deploy` (re-run when the hash or the image tag changes,
 * or the `.env` changes). The `down` lives on `lifecycle`, not on `deploy`, so replacing the deploy never takes the
 * stack down.
 */
export class ComposeStack extends pulumi.ComponentResource {
  readonly lifecycle: remote.Command;
  readonly stage: remote.Command;
  readonly upload: remote.CopyToRemote;
  readonly deploy: remote.Command;
  /** The uploaded bundle (files and hash). */
  readonly bundle: StackBundle;
  /** The `.env` text (secret). */
  readonly envContent: pulumi.Output<string>;

  /** Registers the stack's remote resources. */
  constructor(name: string, args: ComposeStackArgs, opts?: pulumi.ComponentResourceOptions) {
    super('shagram:infra:ComposeStack', name, {}, opts);
    const d = args.deploy;
    const hash = args.bundle.hash;
    this.bundle = args.bundle;
    this.envContent = pulumi.secret(args.envContent);

    this.lifecycle = new remote.Command(
      `${name}-lifecycle`,
      { connection: args.connection, create: prepareScript(d), delete: downScript(d), addPreviousOutputInEnv: false },
      // Children do not inherit the component's dependsOn: the first child carries it.
      { parent: this, dependsOn: opts?.dependsOn },
    );
    this.stage = new remote.Command(
      `${name}-stage`,
      { connection: args.connection, create: stageScript(d), triggers: [hash], addPreviousOutputInEnv: false },
      { parent: this, dependsOn: [this.lifecycle] },
    );
    this.upload = new remote.CopyToRemote(
      `${name}-upload`,
      { connection: args.connection, source: new pulumi.asset.FileAsset(args.bundle.archive), remotePath: d.incomingArchive, triggers: [hash] },
      { parent: this, dependsOn: [this.stage] },
    );
    this.deploy = new remote.Command(
      `${name}-deploy`,
      {
        connection: args.connection,
        create: deployScript(d),
        stdin: this.envContent,
        triggers: [hash, args.imageTag ?? ''],
        addPreviousOutputInEnv: false,
      },
      { parent: this, dependsOn: [this.upload], additionalSecretOutputs: ['stdin'], customTimeouts: { create: '30m', update: '30m' } },
    );
    this.registerOutputs({ filesHash: hash });
  }
}
