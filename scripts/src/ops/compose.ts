import path from 'node:path';
import { HOST_STACKS_DIR, STACK_NAMES, STACKS, type StackName } from '../../../infra-code/plan/stack-spec';
import { ScriptError } from '../../lib/cli';
import type { Command } from '../../lib/command';

/** The stacks on the host, in dependency order (the stack table, infra-code/plan/stack-spec.ts): restart and deploy follow it. */
export const STACK_ORDER = STACK_NAMES;

export type { StackName };

/** Default folder holding one folder per stack. */
export const DEFAULT_STACKS_ROOT = HOST_STACKS_DIR;

/** File names Compose looks for, in its own order of preference (Harbor's installer writes docker-compose.yml). */
export const COMPOSE_FILE_NAMES = ['compose.yaml', 'compose.yml', 'docker-compose.yml', 'docker-compose.yaml'] as const;

/** Which Compose CLI runs the stacks: the `docker compose` plugin or the standalone `docker-compose`. */
export interface ComposeCli {
  /** argv prefix, e.g. `['docker', 'compose']`. */
  argv: string[];
  /** Why this one was chosen (printed once). */
  reason: string;
}

/** A stack's folder and compose file on the host. */
export interface StackLocation {
  stack: StackName;
  dir: string;
  /** File name inside `dir`. */
  file: string;
}

/**
 * Picks the Compose CLI: the plugin when `docker compose version` works, else `docker-compose` when
 * `docker-compose version` works; throws when neither does. Pure (the caller probes).
 */
export function chooseCompose(probe: { plugin: boolean; standalone: boolean }): ComposeCli {
  if (probe.plugin) return { argv: ['docker', 'compose'], reason: 'docker compose (plugin)' };
  if (probe.standalone) {
    return { argv: ['docker-compose'], reason: 'docker-compose (fallback: the docker compose plugin is not installed)' };
  }
  throw new ScriptError('neither `docker compose` nor `docker-compose` works on this host; install the Compose plugin');
}

/** Validates `--only` values and returns the selected stacks in dependency order (all when empty). Pure. */
export function selectStacks(only: readonly string[]): StackName[] {
  for (const name of only) {
    if (!(STACK_ORDER as readonly string[]).includes(name)) {
      throw new ScriptError(`unknown stack "${name}" for --only (stacks: ${STACK_ORDER.join(', ')})`);
    }
  }
  return STACK_ORDER.filter((stack) => only.length === 0 || only.includes(stack));
}

/** Stacks a configuration may leave out (the stack table's `enabled`): a host without their folder has none. */
export const OPTIONAL_STACKS: readonly StackName[] = STACKS.filter((spec) => spec.enabled).map((spec) => spec.name as StackName);

/**
 * The selected stacks this host has: an optional stack whose folder is absent was not deployed here and is left out
 * (named in `skipped`, for a note); nothing left is an error. Pure (the caller says which folders exist).
 */
export function presentStacks(selected: readonly StackName[], hasFolder: (stack: StackName) => boolean): { stacks: StackName[]; skipped: StackName[] } {
  const skipped = selected.filter((stack) => OPTIONAL_STACKS.includes(stack) && !hasFolder(stack));
  const stacks = selected.filter((stack) => !skipped.includes(stack));
  if (stacks.length === 0) throw new ScriptError(`${skipped.join(', ')}: not deployed on this host (no stack folder)`);
  return { stacks, skipped };
}

/**
 * Finds a stack's compose file among the names present in its folder (`entries`, or undefined when the folder
 * is missing), preferring Compose's own order. Throws one readable line when there is none. Pure.
 */
export function locateStack(stacksRoot: string, stack: StackName, entries: readonly string[] | undefined): StackLocation {
  const dir = path.join(stacksRoot, stack);
  if (entries === undefined) throw new ScriptError(`${stack}: stack folder ${dir} does not exist`);
  const file = COMPOSE_FILE_NAMES.find((name) => entries.includes(name));
  if (!file) throw new ScriptError(`${stack}: no compose file in ${dir} (looked for ${COMPOSE_FILE_NAMES.join(', ')})`);
  return { stack, dir, file };
}

/** A Compose command for one stack: `<compose> -f <file> <args…>` run in the stack folder. Pure. */
export function composeCommand(cli: ComposeCli, location: StackLocation, args: readonly string[]): Command {
  return { argv: [...cli.argv, '-f', location.file, ...args], cwd: location.dir };
}
