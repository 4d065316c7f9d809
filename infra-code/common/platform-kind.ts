/** Which program a stack runs: the key `infra-code/index.ts` dispatches on, parsed in one pure step. */
import { ConfigError } from './config-fields';

/** The key that selects the program `infra-code/index.ts` runs. */
export const PLATFORM_KEY = 'shagram:platform';

/** Which program the stack runs: the VPS/existing-host program (default), the Kubernetes one or the bootstrap one. */
export type PlatformKind = 'vps' | 'kubernetes' | 'bootstrap';

/** Reads `shagram:platform` (pure): `vps` when absent, so the existing stacks keep their program. */
export function parsePlatformKind(values: Record<string, string | undefined>): PlatformKind {
  const raw = values[PLATFORM_KEY];
  if (raw === undefined || raw === '') return 'vps';
  if (raw === 'vps' || raw === 'kubernetes' || raw === 'bootstrap') return raw;
  throw new ConfigError(PLATFORM_KEY, 'must be "vps", "kubernetes" or "bootstrap"');
}
