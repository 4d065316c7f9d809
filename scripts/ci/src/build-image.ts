import { option, parseFlags, runMain } from './cli';
import { runAll } from './command';
import { imageRef } from './image';
import { planBuild } from './image-plan';

const HELP = `Usage: scripts/ci/build-image --tag <tag> [--registry <host>] [--revision <sha>] [--repo <dir>]
Builds app/Dockerfile (context: the repository root) as <registry>/shagram/shagram:<tag>.
  --registry  default: $REGISTRY_HOST     --revision  default: $GIT_COMMIT (OCI revision label)
  --repo      default: the current folder`;

runMain('build-image', async () => {
  const flags = parseFlags(process.argv.slice(2), ['tag', 'registry', 'revision', 'repo']);
  if (flags.help) return void console.log(HELP);
  const tag = option(flags, 'tag');
  const ref = imageRef(option(flags, 'registry', process.env.REGISTRY_HOST), tag);
  await runAll(planBuild({ ref, repoRoot: option(flags, 'repo', process.cwd()), revision: option(flags, 'revision', process.env.GIT_COMMIT ?? tag) }));
  console.log(ref);
});
