import { ScriptError, option, parseFlags, runScript } from '../../lib/cli';
import { PULUMI_PROJECT } from './deploy-plan';
import { checkStateBackend } from './state-check-run';

const HELP = `Usage: scripts/ci/state-check [--stack prod] [--allow-empty]
Checks the Pulumi state backend in PULUMI_BACKEND_URL (an s3:// bucket, credentials in AWS_ACCESS_KEY_ID /
AWS_SECRET_ACCESS_KEY) before an update: the bucket answers, the stack's state exists, no other update holds its
lock, and the key may write. Prints what it found; exits 1 naming each problem.
  --stack        default: prod
  --allow-empty  a stack without state is fine (before the first deploy)`;

runScript('state-check', async () => {
  const flags = parseFlags(process.argv.slice(2), { stack: 'string', 'allow-empty': 'boolean' });
  if (flags === 'help') return void console.log(HELP);
  const stack = option(flags.stack, 'stack', 'prod');
  const { target, facts, problems } = await checkStateBackend(process.env.PULUMI_BACKEND_URL ?? '', PULUMI_PROJECT, stack, { requireState: !flags['allow-empty'] });
  const where = `s3://${target.bucket}${target.prefix ? `/${target.prefix}` : ''}${target.endpoint ? ` at ${target.endpoint}` : ''}`;
  if (facts.bucketReachable) {
    console.log(`state-check: ${where}: bucket answers; state of ${PULUMI_PROJECT}/${stack}: ${facts.checkpointKey ?? 'none yet'}; locks: ${facts.locks.length}; write: ${facts.writable ? 'ok' : 'refused'}`);
  }
  if (problems.length > 0) {
    for (const problem of problems) process.stderr.write(`state-check: ${problem}\n`);
    throw new ScriptError(`${problems.length} problem(s) with the state backend; pulumi up would fail (see above)`);
  }
  console.log(`state-check: ok, pulumi up can take the lock of ${PULUMI_PROJECT}/${stack}`);
});
