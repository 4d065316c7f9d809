import path from 'node:path';
import { databaseFileFromContainers, type DatabaseSource } from '../backup-plan';
import { locateStack, type ComposeCli, type StackLocation } from './compose';
import { detectCompose, folderEntries, stackContainers } from './docker';

/** Where the live database is, and (unless --db) the Shagram stack that runs the app. */
export interface ResolvedDatabase {
  file: string;
  stack?: { cli: ComposeCli; location: StackLocation; service: string };
}

/**
 * Finds the database: the --db file, or shagram.db in the volume mounted at /app/data in the shagram stack's
 * app container (its host mountpoint, from `docker inspect`).
 */
export async function resolveDatabase(source: DatabaseSource): Promise<ResolvedDatabase> {
  if (source.kind === 'file') return { file: source.file };
  const cli = await detectCompose();
  const location = locateStack(source.stacksRoot, 'shagram', folderEntries(path.join(source.stacksRoot, 'shagram')));
  const file = databaseFileFromContainers(await stackContainers(cli, location), source.service);
  return { file, stack: { cli, location, service: source.service } };
}
