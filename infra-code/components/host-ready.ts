/** Host readiness: over SSH, waits until cloud-init has finished and Docker answers. */
import { remote, types } from '@pulumi/command';
import * as pulumi from '@pulumi/pulumi';
import { waitReadyScript } from '../plan/remote-scripts';

/** Inputs of `HostReady`. */
export interface HostReadyArgs {
  connection: pulumi.Input<types.input.remote.ConnectionArgs>;
  /** Values whose change means a new host (for example the instance id): the wait runs again. */
  triggers?: pulumi.Input<unknown>[];
}

/** Completes when the host can run the stacks. */
export class HostReady extends pulumi.ComponentResource {
  readonly wait: remote.Command;

  /** Registers the wait command. */
  constructor(name: string, args: HostReadyArgs, opts?: pulumi.ComponentResourceOptions) {
    super('shagram:infra:HostReady', name, {}, opts);
    this.wait = new remote.Command(
      `${name}-wait`,
      { connection: args.connection, create: waitReadyScript({ dockerTimeoutSeconds: 600 }), triggers: args.triggers, addPreviousOutputInEnv: false },
      { parent: this, dependsOn: opts?.dependsOn, customTimeouts: { create: '20m' } },
    );
    this.registerOutputs({});
  }
}
