import { option, parseFlags, runScript } from '../../lib/cli';
import { runAll } from '../../lib/command';
import { appImageRef } from '../../../infra-code/plan/image-ref';
import { planBuild } from './image-plan';

const HELP = `Usage: scripts/ci/build-image --tag <tag> [--registry <host>] [--revision <sha>] [--repo <dir>]
Builds app/Dockerfile (context: the repository root) as <registry>/shagram/shagram:<tag>.
  --registry  default: $REGISTRY_HOST     --revision  default: $GIT_COMMIT (OCI revision label)
  --repo      default: the current folder`;

runScript('build-image', async () => {
  const flags = parseFlags(process.argv.slice(2), { tag: 'string', registry: 'string', revision: 'string', repo: 'string' });
  if (flags === 'help') return void console.log(HELP);
  const tag = option(flags.tag, 'tag');
  const ref = appImageRef(option(flags.registry, 'registry', process.env.REGISTRY_HOST), tag);
  await runAll(planBuild({ ref, repoRoot: option(flags.repo, 'repo', process.cwd()), revision: option(flags.revision, 'revision', process.env.GIT_COMMIT ?? tag) }));
  console.log(ref);
});
