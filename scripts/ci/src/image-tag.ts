import { execFileSync } from 'node:child_process';
import { ScriptError, option, parseFlags, runScript } from '../../lib/cli';
import { appImageRef } from '../../../infra-code/plan/image-ref';
import { imageTag } from './image';

const HELP = `Usage: scripts/ci/image-tag [--sha <commit>] [--ref [--registry <host>]]
Prints the image tag of a commit: its SHA, lower case, first 12 characters (what the Pulumi program deploys).
  --sha <commit>     default: $GIT_COMMIT, else \`git rev-parse HEAD\`
  --ref              print the whole reference <registry>/shagram/shagram:<tag> instead
  --registry <host>  default: $REGISTRY_HOST`;

/** The commit to tag: --sha, $GIT_COMMIT (set by Jenkins), or the checkout's HEAD. */
export function currentSha(flag: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  if (flag) return flag;
  if (env.GIT_COMMIT) return env.GIT_COMMIT;
  try {
    return execFileSync('git', ['rev-parse', 'HEAD'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    throw new ScriptError('no --sha, no GIT_COMMIT and `git rev-parse HEAD` failed');
  }
}

if (require.main === module) {
  runScript('image-tag', async () => {
    const flags = parseFlags(process.argv.slice(2), { sha: 'string', registry: 'string', ref: 'boolean' });
    if (flags === 'help') return void console.log(HELP);
    const tag = imageTag(currentSha(flags.sha));
    console.log(flags.ref ? appImageRef(option(flags.registry, 'registry', process.env.REGISTRY_HOST), tag) : tag);
  });
}
