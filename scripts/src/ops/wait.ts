import type { ComposeCli, StackLocation } from './compose';
import { stackContainers } from './docker';
import { assessStack, type StackHealth } from './health';

const POLL_MS = 2000;

/**
 * Polls a stack's containers (every 2 s, bounded by `timeoutSeconds`) until they are all healthy or one failed;
 * `services` narrows the check. Calls `onChange` with each new summary. Answers the last assessment; its
 * state is 'waiting' when the time ran out.
 */
export async function waitForHealth(
  cli: ComposeCli,
  location: StackLocation,
  timeoutSeconds: number,
  onChange: (summary: string) => void,
  services?: readonly string[],
): Promise<StackHealth> {
  const deadline = Date.now() + timeoutSeconds * 1000;
  let last = '';
  for (;;) {
    const containers = (await stackContainers(cli, location)).filter((c) => !services || services.includes(c.service));
    const health = assessStack(containers);
    if (health.summary !== last) onChange(health.summary);
    last = health.summary;
    if (health.state !== 'waiting' || Date.now() >= deadline) return health;
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}
