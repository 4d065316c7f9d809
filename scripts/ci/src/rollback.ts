import fs from 'node:fs';
import { CiError, option, parseFlags, runMain } from './cli';
import { describe, runCommand } from './command';
import { planPulumiUp } from './deploy-plan';

const HELP = `Usage: scripts/ci/rollback --previous-tag-file <file> [--stack prod] [--cwd <dir>]
Deploys the image tag recorded by scripts/ci/deploy again (pulumi up --yes with SHAGRAM_IMAGE_TAG).`;

runMain('rollback', async () => {
  const flags = parseFlags(process.argv.slice(2), ['stack', 'cwd', 'previous-tag-file']);
  if (flags.help) return void console.log(HELP);
  const file = option(flags, 'previous-tag-file');
  const tag = fs.existsSync(file) ? fs.readFileSync(file, 'utf8').trim() : '';
  if (!tag) throw new CiError(`no previous image tag in ${file}: nothing to roll back to`);
  const up = planPulumiUp({ stack: option(flags, 'stack', 'prod'), cwd: option(flags, 'cwd', process.cwd()), tag });
  process.stderr.write(`rollback: back to image tag ${tag}\n+ ${describe(up)}\n`);
  await runCommand(up);
});
