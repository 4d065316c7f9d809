import { run } from './exec';

/** The `--filter` value that selects what Compose created for `project`. Pure. */
export function projectLabel(project: string): string {
  return `label=com.docker.compose.project=${project}`;
}

/** `docker inspect` of every container of a Compose project, through the Docker API at `env`'s DOCKER_HOST. */
export async function projectContainers(project: string, env: NodeJS.ProcessEnv): Promise<any[]> {
  const ps = await run('docker', ['ps', '-a', '-q', '--filter', projectLabel(project)], { env });
  const ids = ps.stdout.split('\n').filter(Boolean);
  if (ids.length === 0) return [];
  return JSON.parse((await run('docker', ['inspect', ...ids], { env })).stdout);
}

/**
 * Removes what Compose created for each project — containers, volumes, networks — by label, straight through podman
 * (faster than `docker-compose down` per project with Compose v1 on podman). Best effort: for a test's afterAll.
 */
export async function removeComposeProjects(projects: readonly string[]): Promise<void> {
  for (const project of projects) {
    const label = projectLabel(project);
    const kinds: Array<[string[], string[]]> = [
      [['ps', '-a', '-q', '--filter', label], ['rm', '-f', '-t', '0']],
      [['volume', 'ls', '-q', '--filter', label], ['volume', 'rm', '-f']],
      [['network', 'ls', '-q', '--filter', label], ['network', 'rm', '-f']],
    ];
    for (const [list, remove] of kinds) {
      const ids = (await run('podman', list, { allowFailure: true })).stdout.split('\n').filter(Boolean);
      if (ids.length > 0) await run('podman', [...remove, ...ids], { allowFailure: true });
    }
  }
}
