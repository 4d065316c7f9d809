/**
 * `scripts/ci/bootstrap-config`, as data: read the bootstrap stack's outputs (its state is local to the operator's
 * machine) and write them into the prod stack's configuration in the shared S3 backend, so that the operator's and
 * Jenkins' `pulumi up` use the deployer key and the state key the bootstrap made — nothing copied by hand.
 * Secrets travel on standard input (`pulumi config set --secret <key>` reads a piped value), never on a command line.
 */
import type { Command } from '../../lib/command';
import { ScriptError } from '../../lib/cli';

/** The bootstrap stack's outputs this step needs (infra-code/bootstrap/program.ts). */
export interface BootstrapOutputValues {
  stateBackendUrl: string;
  stateAccessKeyId: string;
  stateSecretAccessKey: string;
  deployerKeyJson: string;
}

const REQUIRED: readonly (keyof BootstrapOutputValues)[] = ['stateBackendUrl', 'stateAccessKeyId', 'stateSecretAccessKey', 'deployerKeyJson'];

/** Validates `pulumi stack output --json --show-secrets` of the bootstrap stack. Pure. */
export function parseBootstrapOutputs(json: string): BootstrapOutputValues {
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch {
    throw new ScriptError('the bootstrap stack\'s outputs are not JSON (did `pulumi up --stack bootstrap` run?)');
  }
  const o = (parsed ?? {}) as Record<string, unknown>;
  const missing = REQUIRED.filter((k) => typeof o[k] !== 'string' || o[k] === '');
  if (missing.length > 0) throw new ScriptError(`the bootstrap stack has no output ${missing.join(', ')}: run \`pulumi up --stack bootstrap\` first (docs/bootstrap.md, step 1)`);
  if (String(o.stateSecretAccessKey).startsWith('[secret]')) throw new ScriptError('the bootstrap outputs came without --show-secrets');
  return Object.fromEntries(REQUIRED.map((k) => [k, o[k] as string])) as unknown as BootstrapOutputValues;
}

/** Where each side lives. */
export interface BootstrapConfigOptions {
  /** The bootstrap stack's backend (a local folder on the operator's machine). */
  bootstrapBackend: string;
  /** The stack to configure (prod). */
  stack: string;
  /** Folder holding Pulumi.yaml. */
  cwd: string;
}

/** Reads the bootstrap stack's outputs, secrets shown (captured, never printed). Pure. */
export function planReadBootstrap(o: BootstrapConfigOptions): Command {
  return { argv: ['pulumi', 'stack', 'output', '--stack', 'bootstrap', '--json', '--show-secrets', '--non-interactive'], env: { PULUMI_BACKEND_URL: o.bootstrapBackend }, cwd: o.cwd };
}

/**
 * Selects (creating when missing, with the passphrase secrets provider) the stack in the state bucket, then sets the
 * backend URL, the deployer key and the CI's state key in its configuration. Pure.
 */
export function planConfigureStack(values: BootstrapOutputValues, o: BootstrapConfigOptions): Command[] {
  if (!/^[A-Za-z0-9_.-]+$/.test(o.stack)) throw new ScriptError(`"${o.stack}" is not a stack name`);
  const env = { PULUMI_BACKEND_URL: values.stateBackendUrl, AWS_ACCESS_KEY_ID: values.stateAccessKeyId, AWS_SECRET_ACCESS_KEY: values.stateSecretAccessKey };
  const set = (key: string, value: string, secret: boolean): Command =>
    secret
      ? { argv: ['pulumi', 'config', 'set', '--stack', o.stack, '--secret', key, '--non-interactive'], env, stdin: value, cwd: o.cwd }
      : { argv: ['pulumi', 'config', 'set', '--stack', o.stack, key, value, '--non-interactive'], env, cwd: o.cwd };
  return [
    { argv: ['pulumi', 'stack', 'select', o.stack, '--create', '--secrets-provider', 'passphrase', '--non-interactive'], env, cwd: o.cwd },
    set('shagram:pulumiBackendUrl', values.stateBackendUrl, false),
    set('yandex:serviceAccountKeyFile', values.deployerKeyJson, true),
    set('shagram:ciAwsAccessKeyId', values.stateAccessKeyId, false),
    set('shagram:ciAwsSecretAccessKey', values.stateSecretAccessKey, true),
  ];
}
