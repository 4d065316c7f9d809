/**
 * An offline source for better-sqlite3's prebuilt binary, for `npm ci` on a stand-in host.
 *
 * better-sqlite3 installs with `prebuild-install || node-gyp rebuild`: prebuild-install downloads the release
 * tarball `better-sqlite3-v<version>-node-v<abi>-<platform>-<arch>.tar.gz` from GitHub, which the test machines
 * cannot reach (and the compile fallback takes minutes). prebuild-install first looks in the folder named by
 * `npm_config_better_sqlite3_local_prebuilds`; this writes that tarball there from the binary the repository's own
 * `npm ci` built, so a session given {@link localPrebuildEnv} installs the same way a host with internet does.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

/** Writes the release tarball for this Node into `dir` (created) and answers the tarball's path. */
export function writeLocalPrebuild(repoRoot: string, dir: string): string {
  const moduleDir = path.join(repoRoot, 'node_modules/better-sqlite3');
  const { version } = JSON.parse(fs.readFileSync(path.join(moduleDir, 'package.json'), 'utf8')) as { version: string };
  fs.mkdirSync(dir, { recursive: true });
  const tarball = path.join(dir, `better-sqlite3-v${version}-node-v${process.versions.modules}-${process.platform}-${process.arch}.tar.gz`);
  execFileSync('tar', ['-czf', tarball, '-C', moduleDir, 'build/Release/better_sqlite3.node']);
  return tarball;
}

/** The environment that points prebuild-install at `dir` (pass it as an SSH session's environment). */
export function localPrebuildEnv(dir: string): Record<string, string> {
  return { npm_config_better_sqlite3_local_prebuilds: dir };
}
