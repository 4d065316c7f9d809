import os from 'node:os';
import { ScriptError, option, parseFlags, runScript } from '../../lib/cli';
import { executeOrThrow, runAll } from '../../lib/command';
import { parseBootstrapOutputs, planConfigureStack, planReadBootstrap } from './bootstrap-config-plan';

const HELP = `Usage: scripts/ci/bootstrap-config [--stack prod] [--bootstrap-backend file://~/.shagram-bootstrap] [--cwd <dir>]
Copies the bootstrap stack's outputs (state bucket URL, its S3 key, the deployer's key) into the configuration
of <stack> in the state bucket, creating the stack there when missing. Needs PULUMI_CONFIG_PASSPHRASE (the prod
stack's secrets passphrase). Secrets go to pulumi on standard input, never on a command line.`;

runScript('bootstrap-config', async () => {
  const flags = parseFlags(process.argv.slice(2), { stack: 'string', 'bootstrap-backend': 'string', cwd: 'string' });
  if (flags === 'help') return void console.log(HELP);
  if (!process.env.PULUMI_CONFIG_PASSPHRASE) throw new ScriptError('PULUMI_CONFIG_PASSPHRASE is not set: the passphrase that encrypts the stack\'s secrets (docs/bootstrap.md, step 2)');
  const options = {
    stack: option(flags.stack, 'stack', 'prod'),
    bootstrapBackend: option(flags['bootstrap-backend'], 'bootstrap-backend', `file://${os.homedir()}/.shagram-bootstrap`),
    cwd: option(flags.cwd, 'cwd', process.cwd()),
  };
  const values = parseBootstrapOutputs((await executeOrThrow(planReadBootstrap(options), { output: 'stdout' })).stdout);
  await runAll(planConfigureStack(values, options));
  console.log(`bootstrap-config: stack ${options.stack} in ${values.stateBackendUrl} now has the state bucket, its key and the deployer key`);
  console.log(`bootstrap-config: next: export PULUMI_BACKEND_URL='${values.stateBackendUrl}' and the AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY above, then pulumi up --stack ${options.stack}`);
});
