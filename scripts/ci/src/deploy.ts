import fs from 'node:fs';
import { option, parseFlags, runMain } from './cli';
import { describe, runCommand } from './command';
import { planPulumiUp, planReadDeployedImage, previousTagFrom } from './deploy-plan';

const HELP = `Usage: scripts/ci/deploy --tag <tag> --previous-tag-file <file> [--stack prod] [--cwd <dir>]
Records the image tag the stack runs now (its appImage output) in <file>, then runs
pulumi up --yes on the stack with SHAGRAM_IMAGE_TAG=<tag>. A rollback reads <file> back.
  --stack  default: prod        --cwd  folder with Pulumi.yaml (default: the current folder)`;

runMain('deploy', async () => {
  const flags = parseFlags(process.argv.slice(2), ['tag', 'stack', 'cwd', 'previous-tag-file']);
  if (flags.help) return void console.log(HELP);
  const stack = option(flags, 'stack', 'prod');
  const cwd = option(flags, 'cwd', process.cwd());
  const file = option(flags, 'previous-tag-file');
  // A stack that was never deployed has no output: then there is nothing to roll back to.
  const previous = await runCommand(planReadDeployedImage(stack, cwd), { capture: true }).then(previousTagFrom, () => undefined);
  fs.writeFileSync(file, previous ? `${previous}\n` : '');
  process.stderr.write(`deploy: previous image tag: ${previous ?? '(none)'}\n`);
  const up = planPulumiUp({ stack, cwd, tag: option(flags, 'tag') });
  process.stderr.write(`+ ${describe(up)}\n`);
  await runCommand(up);
});
