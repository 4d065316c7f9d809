/** Host readiness: over SSH, waits until cloud-init has finished and Docker answers, and checks Node.js 20+. */
import { remote, types } from '@pulumi/command';
import * as pulumi from '@pulumi/pulumi';
import { nodeCheckScript } from '../../plan/host-tools';
import { waitReadyScript } from '../../plan/remote-scripts';

/**
 * The readiness script: cloud-init finished and Docker answers ({@link waitReadyScript}), then Node.js 20+ (the host
 * scripts and Harbor's installer run on it; cloud-init installs it on a new VPS, an existing host must have it). Pure.
 */
export function hostReadyScript(): string {
  return waitReadyScript({ dockerTimeoutSeconds: 600 }).replace(/echo "host-ready: ok"\n$/, `${nodeCheckScript('host-ready')}\necho "host-ready: ok"\n`);
}

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
      { connection: args.connection, create: hostReadyScript(), triggers: args.triggers, addPreviousOutputInEnv: false },
      { parent: this, dependsOn: opts?.dependsOn, customTimeouts: { create: '20m' } },
    );
    this.registerOutputs({});
  }
}
