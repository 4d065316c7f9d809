import fs from 'node:fs';
import { execute, executeOrThrow } from '../../lib/command';
import { chooseCompose, composeCommand, type ComposeCli, type StackLocation } from './compose';
import { toContainerInfo, type ContainerInfo } from './health';

/** What a dry run plans with when neither Compose CLI answers (a machine without Docker): stated as an assumption. */
export const ASSUMED_COMPOSE: ComposeCli = {
  argv: ['docker', 'compose'],
  reason: 'docker compose (assumed: neither `docker compose` nor `docker-compose` answers on this machine)',
};

/**
 * Probes which Compose CLI works here (plugin first) and returns it; see {@link chooseCompose}. With `assume`
 * (dry runs) a machine where neither answers gets {@link ASSUMED_COMPOSE} instead of an error.
 */
export async function detectCompose(options: { assume?: boolean } = {}): Promise<ComposeCli> {
  const cwd = process.cwd();
  const plugin = (await execute({ argv: ['docker', 'compose', 'version'], cwd })).code === 0;
  const standalone = plugin ? false : (await execute({ argv: ['docker-compose', 'version'], cwd })).code === 0;
  if (options.assume && !plugin && !standalone) return ASSUMED_COMPOSE;
  return chooseCompose({ plugin, standalone });
}

/** Names in a folder, or undefined when it does not exist. */
export function folderEntries(dir: string): string[] | undefined {
  try {
    return fs.readdirSync(dir);
  } catch {
    return undefined;
  }
}

/** `docker inspect` of the given containers (none → empty list). */
export async function inspectContainers(ids: readonly string[], cwd = process.cwd()): Promise<ContainerInfo[]> {
  if (ids.length === 0) return [];
  const result = await executeOrThrow({ argv: ['docker', 'inspect', ...ids], cwd }, { what: 'docker inspect' });
  return (JSON.parse(result.stdout) as Record<string, unknown>[]).map(toContainerInfo);
}

/** Every container of a stack (running or not), inspected. */
export async function stackContainers(cli: ComposeCli, location: StackLocation): Promise<ContainerInfo[]> {
  const ps = await executeOrThrow(composeCommand(cli, location, ['ps', '-a', '-q']), { what: `${location.stack}: listing containers` });
  const ids = ps.stdout.split('\n').map((line) => line.trim()).filter(Boolean);
  return inspectContainers(ids, location.dir);
}
