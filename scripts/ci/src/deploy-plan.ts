import { STACKS } from '../../../infra-code/plan/stack-spec';
import type { Command } from '../../lib/command';
import { ScriptError } from '../../lib/cli';
import { tagOf } from './image';

/** What a deploy (or a rollback) of one Pulumi stack needs. */
export interface DeployOptions {
  /** Pulumi stack name (the pipeline uses prod). */
  stack: string;
  /** Image tag to deploy (the 12-character commit SHA prefix). */
  tag: string;
  /** Folder holding Pulumi.yaml (the repository root). */
  cwd: string;
}

/** The Pulumi project name (Pulumi.yaml `name`), part of every URN. */
export const PULUMI_PROJECT = 'shagram';

/** The stack whose containers run the pipeline itself (its agent runs this very `pulumi up`). */
export const SELF_STACK = 'jenkins';

/**
 * URNs of a compose stack's remote resources as the program registers them (components/compose-stack.ts: the
 * top-level `shagram:infra:ComposeStack` component with four children). Pure.
 */
export function composeStackUrns(pulumiStack: string, name: string): string[] {
  if (!STACKS.some((s) => s.name === name)) throw new ScriptError(`unknown compose stack "${name}"`);
  const parent = 'shagram:infra:ComposeStack';
  return [
    ['command:remote:Command', 'lifecycle'],
    ['command:remote:Command', 'stage'],
    ['command:remote:CopyToRemote', 'upload'],
    ['command:remote:Command', 'deploy'],
  ].map(([type, part]) => `urn:pulumi:${pulumiStack}::${PULUMI_PROJECT}::${parent}$${type}::${name}-${part}`);
}

/**
 * `pulumi up` of the stack with the image tag in SHAGRAM_IMAGE_TAG. The pipeline pushed the image already
 * (with the robot account), so the Pulumi program is told not to build and push it again.
 *
 * The Jenkins stack's own resources are excluded (`--exclude`, dependents still run): redeploying that stack
 * recreates the agent container this `pulumi up` runs in, which would kill the build half-way and leave the state
 * locked. Changes to jenkins/ reach the host with the next `pulumi up` from an operator's machine
 * (docs/jenkins-harbor.md). Pure.
 */
export function planPulumiUp(options: DeployOptions): Command {
  if (!/^[a-z0-9][a-z0-9._-]{0,127}$/.test(options.tag)) throw new ScriptError(`"${options.tag}" is not a valid image tag`);
  if (!/^[A-Za-z0-9_.\-/]+$/.test(options.stack)) throw new ScriptError(`"${options.stack}" is not a stack name`);
  return {
    argv: [
      'pulumi', 'up', '--yes', '--non-interactive', '--skip-preview', '--stack', options.stack, '--config', 'shagram:pushImage=false',
      ...composeStackUrns(options.stack, SELF_STACK).flatMap((urn) => ['--exclude', urn]),
    ],
    env: { SHAGRAM_IMAGE_TAG: options.tag },
    cwd: options.cwd,
  };
}

/** Reads the deployed image of a stack (its `appImage` output), to know what a rollback returns to. Pure. */
export function planReadDeployedImage(stack: string, cwd: string): Command {
  return { argv: ['pulumi', 'stack', 'output', 'appImage', '--stack', stack, '--non-interactive'], cwd };
}

/** The tag deployed before, from `pulumi stack output appImage`'s text; undefined when none. Pure. */
export function previousTagFrom(output: string): string | undefined {
  const line = output.trim().split('\n').pop() ?? '';
  return line ? tagOf(line) : undefined;
}
