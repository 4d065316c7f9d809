import fs from 'node:fs';
import { ScriptError, option, parseFlags, runScript } from '../../lib/cli';
import { executeOrThrow, formatCommand } from '../../lib/command';
import { planPulumiUp } from './deploy-plan';

const HELP = `Usage: scripts/ci/rollback --previous-tag-file <file> [--stack prod] [--cwd <dir>]
Deploys the image tag recorded by scripts/ci/deploy again (pulumi up --yes with SHAGRAM_IMAGE_TAG).`;

runScript('rollback', async () => {
  const flags = parseFlags(process.argv.slice(2), { stack: 'string', cwd: 'string', 'previous-tag-file': 'string' });
  if (flags === 'help') return void console.log(HELP);
  const file = option(flags['previous-tag-file'], 'previous-tag-file');
  const tag = fs.existsSync(file) ? fs.readFileSync(file, 'utf8').trim() : '';
  if (!tag) throw new ScriptError(`no previous image tag in ${file}: nothing to roll back to`);
  const up = planPulumiUp({ stack: option(flags.stack, 'stack', 'prod'), cwd: option(flags.cwd, 'cwd', process.cwd()), tag });
  process.stderr.write(`rollback: back to image tag ${tag}\n+ ${formatCommand(up)}\n`);
  await executeOrThrow(up, { output: 'inherit' });
});
