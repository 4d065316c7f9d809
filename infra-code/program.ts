/** The program, callable: load the configuration, then build the platform. */
import { resolve } from 'node:path';
import { loadConfig } from './config-source';
import { harborInstallerFile } from './plan/host-tools';
import { createPlatform, type Platform, type PlatformPaths } from './platform';

/** Runs the whole program against the current Pulumi runtime (its config and its monitor). */
export function runProgram(paths?: Partial<PlatformPaths>): Platform {
  const repoRoot = paths?.repoRoot ?? resolve(__dirname, '..');
  return createPlatform(loadConfig(), {
    repoRoot,
    bundleRoot: paths?.bundleRoot ?? resolve(repoRoot, '.stacks-tmp'),
    stackDirs: paths?.stackDirs,
    // Harbor's installer wrapper runs this one bundled file with the host's Node (no checkout on the host).
    bundleExtras: paths?.bundleExtras ?? { harbor: [harborInstallerFile(repoRoot)] },
  });
}
