/** What the scripts need from `docker inspect` of one container. */
export interface ContainerInfo {
  id: string;
  /** Container name without the leading slash. */
  name: string;
  /** Compose service (label com.docker.compose.service), or the name when unlabelled. */
  service: string;
  /** Image reference the container was created from. */
  image: string;
  /** created | running | restarting | exited | paused | dead | … */
  status: string;
  exitCode: number;
  /** starting | healthy | unhealthy, or undefined when the container has no health check. */
  health: string | undefined;
  /** Named volumes mounted into the container. */
  volumes: { name: string; source: string; destination: string }[];
}

/** Health of a whole stack. */
export interface StackHealth {
  state: 'healthy' | 'waiting' | 'failed';
  /** One readable phrase, e.g. `2/2 healthy` or `app unhealthy`. */
  summary: string;
  /** Services that are failed (or, while waiting, not yet healthy). */
  problems: { service: string; reason: string }[];
}

type Json = Record<string, unknown>;

/** Maps one element of `docker inspect`'s JSON array to {@link ContainerInfo}. Pure. */
export function toContainerInfo(raw: Json): ContainerInfo {
  const state = (raw.State ?? {}) as Json;
  const config = (raw.Config ?? {}) as Json;
  const labels = (config.Labels ?? {}) as Record<string, string>;
  const health = (state.Health ?? undefined) as Json | undefined;
  const name = String(raw.Name ?? '').replace(/^\//, '');
  const mounts = (Array.isArray(raw.Mounts) ? raw.Mounts : []) as Json[];
  return {
    id: String(raw.Id ?? ''),
    name,
    service: labels['com.docker.compose.service'] ?? name,
    image: String(config.Image ?? raw.Image ?? ''),
    status: String(state.Status ?? 'unknown'),
    exitCode: Number(state.ExitCode ?? 0),
    // Podman reports Health {Status: ""} for a container without a health check.
    health: health && typeof health.Status === 'string' && health.Status !== '' ? health.Status : undefined,
    volumes: mounts
      .filter((mount) => mount.Type === 'volume')
      .map((mount) => ({ name: String(mount.Name ?? ''), source: String(mount.Source ?? ''), destination: String(mount.Destination ?? '') })),
  };
}

/** One container's verdict: ok, still coming up, or failed (with why). Pure. */
export function containerVerdict(container: ContainerInfo): { state: 'ok' | 'waiting' | 'failed'; reason: string } {
  switch (container.status) {
    case 'running':
      if (container.health === undefined) return { state: 'ok', reason: 'running' };
      if (container.health === 'healthy') return { state: 'ok', reason: 'healthy' };
      if (container.health === 'unhealthy') return { state: 'failed', reason: 'unhealthy' };
      return { state: 'waiting', reason: `health ${container.health}` };
    case 'exited':
    case 'dead':
      return container.exitCode === 0 && container.status === 'exited'
        ? { state: 'ok', reason: 'completed (exit 0)' }
        : { state: 'failed', reason: `${container.status} with code ${container.exitCode}` };
    case 'created':
    case 'restarting':
    case 'configured':
    case 'initialized':
      return { state: 'waiting', reason: container.status };
    default:
      return { state: 'failed', reason: container.status };
  }
}

/**
 * Health of a stack from its containers: failed when any container failed (or there are none), healthy when
 * every one is ok, waiting otherwise. Pure.
 */
export function assessStack(containers: readonly ContainerInfo[]): StackHealth {
  if (containers.length === 0) return { state: 'failed', summary: 'no containers', problems: [{ service: '(none)', reason: 'no containers' }] };
  const verdicts = containers.map((container) => ({ container, ...containerVerdict(container) }));
  const failed = verdicts.filter((v) => v.state === 'failed');
  const waiting = verdicts.filter((v) => v.state === 'waiting');
  const problems = (failed.length > 0 ? failed : waiting).map((v) => ({ service: v.container.service, reason: v.reason }));
  if (failed.length > 0) {
    return { state: 'failed', summary: failed.map((v) => `${v.container.service} ${v.reason}`).join(', '), problems };
  }
  const ok = verdicts.length - waiting.length;
  if (waiting.length > 0) {
    return { state: 'waiting', summary: `${ok}/${verdicts.length} ready, waiting for ${problems.map((p) => `${p.service} (${p.reason})`).join(', ')}`, problems };
  }
  const healthChecked = containers.filter((c) => c.health !== undefined).length;
  return { state: 'healthy', summary: `${ok}/${verdicts.length} up${healthChecked > 0 ? `, ${healthChecked} healthy` : ''}`, problems: [] };
}
