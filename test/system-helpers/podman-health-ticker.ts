import { run } from './exec';
import { projectLabel } from './compose-projects';

/** A background loop that runs containers' health checks; see {@link startHealthTicker}. */
export interface HealthTicker {
  stop(): Promise<void>;
}

/**
 * Podman 4 without systemd never runs health checks by itself (it schedules them with systemd timers), so a
 * container stays "starting" forever. This plays the engine's timer for the containers of the given Compose
 * projects: every `intervalMs` it runs `podman healthcheck run` on each of them (containers without a check
 * answer an error, ignored). Docker runs the checks itself; the scripts under test do not know about this.
 */
export function startHealthTicker(projects: () => readonly string[], intervalMs = 1000): HealthTicker {
  let stopped = false;
  const loop = (async () => {
    while (!stopped) {
      for (const project of projects()) {
        const ps = await run('podman', ['ps', '-q', '--filter', projectLabel(project)], { allowFailure: true });
        for (const id of ps.stdout.split('\n').filter(Boolean)) {
          await run('podman', ['healthcheck', 'run', id], { allowFailure: true, timeoutMs: 20_000 });
        }
      }
      await new Promise((resolve) => setTimeout(resolve, intervalMs));
    }
  })();
  return {
    async stop() {
      stopped = true;
      await loop;
    },
  };
}
