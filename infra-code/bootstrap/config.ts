/**
 * The bootstrap stack's configuration (`shagram:platform: bootstrap`), parsed in one pure step; a bad key stops the
 * run naming it. Keys: `yandex:folderId` (required: where the accounts and the bucket go), `shagram:stateBucket`
 * (optional: the bucket's name, default `shagram-state-<folder id>`).
 */
import { ConfigError } from '../common/config-fields';
import { bucketNameProblem, defaultStateBucket } from './plan';

/** The validated configuration. */
export interface BootstrapConfig {
  folderId: string;
  stateBucket: string;
}

/** Parses the stack's configuration values. Pure. */
export function parseBootstrapConfig(values: Record<string, string | undefined>): BootstrapConfig {
  const folderId = values['yandex:folderId'];
  if (!folderId) throw new ConfigError('yandex:folderId', 'is required: the folder the service accounts and the state bucket are created in (`yc config get folder-id`)');
  if (!/^[a-z0-9]{20}$/.test(folderId)) throw new ConfigError('yandex:folderId', 'must be a Yandex folder id (20 characters)');
  const stateBucket = values['shagram:stateBucket'] || defaultStateBucket(folderId);
  const problem = bucketNameProblem(stateBucket);
  if (problem) throw new ConfigError('shagram:stateBucket', `"${stateBucket}" ${problem}`);
  return { folderId, stateBucket };
}
