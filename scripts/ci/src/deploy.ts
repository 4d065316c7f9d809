import fs from 'node:fs';
import { option, parseFlags, runScript } from '../../lib/cli';
import { executeOrThrow, formatCommand } from '../../lib/command';
import { planPulumiUp, planReadDeployedImage, previousTagFrom } from './deploy-plan';

const HELP = `Usage: scripts/ci/deploy --tag <tag> --previous-tag-file <file> [--stack prod] [--cwd <dir>]
Records the image tag the stack runs now (its appImage output) in <file>, then runs
pulumi up --yes on the stack with SHAGRAM_IMAGE_TAG=<tag>. A rollback reads <file> back.
  --stack  default: prod        --cwd  folder with Pulumi.yaml (default: the current folder)`;

runScript('deploy', async () => {
  const flags = parseFlags(process.argv.slice(2), { tag: 'string', stack: 'string', cwd: 'string', 'previous-tag-file': 'string' });
  if (flags === 'help') return void console.log(HELP);
  const stack = option(flags.stack, 'stack', 'prod');
  const cwd = option(flags.cwd, 'cwd', process.cwd());
  const file = option(flags['previous-tag-file'], 'previous-tag-file');
  // A stack that was never deployed has no output: then there is nothing to roll back to.
  const previous = await executeOrThrow(planReadDeployedImage(stack, cwd), { output: 'stdout' }).then((result) => previousTagFrom(result.stdout), () => undefined);
  fs.writeFileSync(file, previous ? `${previous}\n` : '');
  process.stderr.write(`deploy: previous image tag: ${previous ?? '(none)'}\n`);
  const up = planPulumiUp({ stack, cwd, tag: option(flags.tag, 'tag') });
  process.stderr.write(`+ ${formatCommand(up)}\n`);
  await executeOrThrow(up, { output: 'inherit' });
});
