import path from 'node:path';
import { APP_STACK, databaseFileFromContainers, type DatabaseSource } from '../backup-plan';
import { locateStack, type ComposeCli, type StackLocation, type StackName } from './compose';
import { detectCompose, folderEntries, stackContainers } from './docker';

/** Where the live database is, and (unless --db) the Shagram stack that runs the app. */
export interface ResolvedDatabase {
  file: string;
  stack?: { cli: ComposeCli; location: StackLocation; service: string };
}

/** A stack's folder and compose file under the stacks root; throws one line when either is missing. */
export function locateHostStack(stacksRoot: string, stack: StackName): StackLocation {
  return locateStack(stacksRoot, stack, folderEntries(path.join(stacksRoot, stack)));
}

/**
 * Finds the database: the --db file, or shagram.db in the volume mounted at /app/data in the shagram stack's
 * app container (its host mountpoint, from `docker inspect`).
 */
export async function resolveDatabase(source: DatabaseSource): Promise<ResolvedDatabase> {
  if (source.kind === 'file') return { file: source.file };
  const cli = await detectCompose();
  const location = locateHostStack(source.stacksRoot, APP_STACK);
  const file = databaseFileFromContainers(await stackContainers(cli, location), source.service);
  return { file, stack: { cli, location, service: source.service } };
}
