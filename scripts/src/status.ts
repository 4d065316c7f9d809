import path from 'node:path';
import { runScript } from '../lib/cli';
import { execute } from '../lib/command';
import { locateStack, presentStacks } from './ops/compose';
import { detectCompose, folderEntries, stackContainers } from './ops/docker';
import { STATUS_HELP, formatStatus, parseStatusArgs, volumesOf, type StackSnapshot } from './status-plan';

/** Disk use of a folder in bytes (`du -sb`), or undefined when it cannot be read. */
async function diskUse(dir: string): Promise<number | undefined> {
  const result = await execute({ argv: ['du', '-sb', dir], cwd: '/' });
  const bytes = Number(result.stdout.split('\t')[0]);
  return result.code === 0 && Number.isFinite(bytes) ? bytes : undefined;
}

async function main(): Promise<number> {
  const options = parseStatusArgs(process.argv.slice(2));
  if (options === 'help') {
    console.log(STATUS_HELP);
    return 0;
  }
  const cli = await detectCompose();
  const snapshots: StackSnapshot[] = [];
  const present = presentStacks(options.stacks, (stack) => folderEntries(path.join(options.stacksRoot, stack)) !== undefined);
  for (const stack of present.stacks) {
    try {
      const location = locateStack(options.stacksRoot, stack, folderEntries(path.join(options.stacksRoot, stack)));
      snapshots.push({ stack, containers: await stackContainers(cli, location) });
    } catch (error) {
      snapshots.push({ stack, error: (error as Error).message.replace(`${stack}: `, ''), containers: [] });
    }
  }
  const sizes = new Map<string, number | undefined>();
  for (const volume of volumesOf(snapshots)) sizes.set(volume.name, await diskUse(volume.source));
  console.log(formatStatus(snapshots, sizes, cli.reason));
  return 0;
}

if (require.main === module) runScript('status', main);
