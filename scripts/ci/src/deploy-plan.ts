import type { Command } from './command';
import { CiError } from './cli';
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

/**
 * `pulumi up` of the stack with the image tag in SHAGRAM_IMAGE_TAG. The pipeline pushed the image already
 * (with the robot account), so the Pulumi program is told not to build and push it again. Pure.
 */
export function planPulumiUp(options: DeployOptions): Command {
  if (!/^[a-z0-9][a-z0-9._-]{0,127}$/.test(options.tag)) throw new CiError(`"${options.tag}" is not a valid image tag`);
  if (!/^[A-Za-z0-9_.\-/]+$/.test(options.stack)) throw new CiError(`"${options.stack}" is not a stack name`);
  return {
    command: 'pulumi',
    args: ['up', '--yes', '--non-interactive', '--skip-preview', '--stack', options.stack, '--config', 'shagram:pushImage=false'],
    env: { SHAGRAM_IMAGE_TAG: options.tag },
    cwd: options.cwd,
  };
}

/** Reads the deployed image of a stack (its `appImage` output), to know what a rollback returns to. Pure. */
export function planReadDeployedImage(stack: string, cwd: string): Command {
  return { command: 'pulumi', args: ['stack', 'output', 'appImage', '--stack', stack, '--non-interactive'], cwd };
}

/** The tag deployed before, from `pulumi stack output appImage`'s text; undefined when none. Pure. */
export function previousTagFrom(output: string): string | undefined {
  const line = output.trim().split('\n').pop() ?? '';
  return line ? tagOf(line) : undefined;
}
