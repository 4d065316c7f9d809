/** The VPS program, callable: load the configuration, then build the platform (a Yandex VPS or an existing host). */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { harborInstallerFile } from '../plan/host-tools';
import { loadStackConfig } from '../common/config-source';
import { parseConfig, type InfraConfig } from './config';
import { createPlatform, type Platform, type PlatformPaths } from './platform';

/** The repository root (build context of the app image, home of the stack folders). */
const REPO_ROOT = resolve(__dirname, '..', '..');

/** The repository's pin of Harbor's offline installer (version, url, sha256). */
export const HARBOR_INSTALLER_PIN = join(REPO_ROOT, 'harbor', 'installer.json');

/** The `sha256` that `installer.json` pins, or null while it pins none. */
export function readHarborInstallerPin(file = HARBOR_INSTALLER_PIN): string | null {
  const pin = JSON.parse(readFileSync(file, 'utf8')) as { sha256?: unknown };
  return typeof pin.sha256 === 'string' && pin.sha256 !== '' ? pin.sha256 : null;
}

/**
 * Loads and validates the configuration (the rules live in ./config.ts). A bad key stops the program before any
 * resource is registered, with a `RunError` (no stack trace) whose message names the key.
 */
export function loadConfig(env: Record<string, string | undefined> = process.env): InfraConfig {
  return loadStackConfig(({ values, secretKeys }) => parseConfig({ values, secretKeys, env, harborInstallerPin: readHarborInstallerPin() }));
}

/** Runs the VPS program against the current Pulumi runtime (its config and its monitor). */
export function runVpsProgram(paths?: Partial<PlatformPaths>): Platform {
  const repoRoot = paths?.repoRoot ?? REPO_ROOT;
  return createPlatform(loadConfig(), {
    repoRoot,
    bundleRoot: paths?.bundleRoot ?? resolve(repoRoot, '.stacks-tmp'),
    stackDirs: paths?.stackDirs,
    // Harbor's installer wrapper runs this one bundled file with the host's Node (no checkout on the host).
    bundleExtras: paths?.bundleExtras ?? { harbor: [harborInstallerFile(repoRoot)] },
  });
}
