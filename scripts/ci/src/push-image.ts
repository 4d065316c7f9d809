import { option, parseFlags, runScript } from '../../lib/cli';
import { runAll } from '../../lib/command';
import { appImageRef } from '../../../infra-code/plan/image-ref';
import { planPush } from './image-plan';

const HELP = `Usage: scripts/ci/push-image --tag <tag> [--registry <host>]
Pushes <registry>/shagram/shagram:<tag> to Harbor as the robot account in $HARBOR_USER / $HARBOR_PASSWORD
(the harbor-robot credential; the password goes to docker login on stdin).
  --registry  default: $REGISTRY_HOST`;

runScript('push-image', async () => {
  const flags = parseFlags(process.argv.slice(2), { tag: 'string', registry: 'string' });
  if (flags === 'help') return void console.log(HELP);
  const ref = appImageRef(option(flags.registry, 'registry', process.env.REGISTRY_HOST), option(flags.tag, 'tag'));
  await runAll(planPush(ref, process.env.HARBOR_USER ?? '', process.env.HARBOR_PASSWORD ?? ''));
  console.log(ref);
});
