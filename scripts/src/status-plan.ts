import { parseFlags } from '../lib/cli';
import { DEFAULT_STACKS_ROOT, selectStacks, STACK_ORDER, type StackName } from './ops/compose';
import { assessStack, containerVerdict, type ContainerInfo } from './ops/health';
import { formatBytes, formatTable } from './ops/table';

/** Options of `scripts/status`. */
export interface StatusOptions {
  stacksRoot: string;
  stacks: StackName[];
}

export const STATUS_HELP = `Usage: scripts/status [options]

One screen of the host: for each stack (${STACK_ORDER.join(", ")}) its containers with state, health and image,
then the disk use of every named volume the stacks mount. Read-only; exits 0 unless it cannot ask the engine.

Options:
  --only <stack>        show only these stacks (repeat or comma-separate)
  --stacks-root <dir>   folder with one folder per stack (default ${DEFAULT_STACKS_ROOT})
  -h, --help            this text

Volume sizes come from \`du\` on each volume's mountpoint: run as root to see them (otherwise "?").`;

/** Parses the command line. Pure. */
export function parseStatusArgs(argv: readonly string[]): StatusOptions | 'help' {
  const flags = parseFlags(argv, { only: 'list', 'stacks-root': 'string' });
  if (flags === 'help') return 'help';
  return { stacksRoot: (flags['stacks-root'] as string | undefined) ?? DEFAULT_STACKS_ROOT, stacks: selectStacks(flags.only as string[]) };
}

/** What the executor found for one stack. */
export interface StackSnapshot {
  stack: StackName;
  /** Why nothing could be listed (missing folder, engine error); undefined when `containers` is meaningful. */
  error?: string;
  containers: ContainerInfo[];
}

/** Unique named volumes (name → mountpoint) mounted by the stacks' containers, in first-seen order. Pure. */
export function volumesOf(snapshots: readonly StackSnapshot[]): { stack: StackName; name: string; source: string }[] {
  const seen = new Map<string, { stack: StackName; name: string; source: string }>();
  for (const snapshot of snapshots) {
    for (const container of snapshot.containers) {
      for (const volume of container.volumes) if (!seen.has(volume.name)) seen.set(volume.name, { stack: snapshot.stack, ...volume });
    }
  }
  return [...seen.values()];
}

/** Renders the status screen: a stack line each, the container table, the volume table. Pure. */
export function formatStatus(snapshots: readonly StackSnapshot[], volumeBytes: ReadonlyMap<string, number | undefined>, composeReason: string): string {
  const stackRows = snapshots.map((s) => [s.stack, s.error ?? (s.containers.length === 0 ? 'not running' : assessStack(s.containers).summary)]);
  const containerRows = snapshots.flatMap((s) =>
    [...s.containers]
      .sort((a, b) => a.service.localeCompare(b.service) || a.name.localeCompare(b.name))
      .map((c) => [s.stack, c.service, c.name, c.status === 'exited' ? `exited (${c.exitCode})` : c.status, c.health ?? '-', c.image, containerVerdict(c).state === 'failed' ? '<-- check' : '']),
  );
  const volumes = volumesOf(snapshots);
  const volumeRows = volumes.map((v) => {
    const bytes = volumeBytes.get(v.name);
    return [v.stack, v.name, bytes === undefined ? '?' : formatBytes(bytes), v.source];
  });
  return [
    `compose: ${composeReason}`,
    '',
    formatTable(['stack', 'state'], stackRows),
    '',
    containerRows.length > 0 ? formatTable(['stack', 'service', 'container', 'state', 'health', 'image', 'note'], containerRows) : '(no containers)',
    '',
    volumeRows.length > 0 ? formatTable(['stack', 'volume', 'size', 'mountpoint'], volumeRows) : '(no named volumes)',
  ].join('\n');
}
