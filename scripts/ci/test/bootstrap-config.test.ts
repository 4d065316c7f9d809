/**
 * bootstrap-config: the plan (pure) and the command as a process with a stand-in `pulumi` first on PATH that logs its
 * argv, the backend and key variables it was given and its standard input. The stand-in follows the real CLI's
 * contract that the plan relies on: `pulumi config set <key>` without a value reads a piped value from standard input
 * and strips trailing newlines (pkg/cmd/pulumi/config/config.go, "Multi-line values may be set by piping a file").
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { formatCommand } from '../../lib/command';
import { parseBootstrapOutputs, planConfigureStack, planReadBootstrap } from '../src/bootstrap-config-plan';

const OUTPUTS = {
  stateBucket: 'shagram-state-b1g',
  stateBackendUrl: 's3://shagram-state-b1g?endpoint=storage.yandexcloud.net&region=ru-central1&s3ForcePathStyle=true',
  stateAccessKeyId: 'YCAJEaccess',
  stateSecretAccessKey: 'YCsecret-value-0123',
  deployerServiceAccountId: 'aje123',
  deployerKeyJson: '{\n  "id": "ajekey",\n  "private_key": "-----BEGIN PRIVATE KEY-----\\nabc\\n-----END PRIVATE KEY-----\\n"\n}',
};
const opts = { stack: 'prod', bootstrapBackend: 'file:///home/op/.shagram-bootstrap', cwd: '/repo' };

describe('bootstrap-config plan', () => {
  test('reads the bootstrap outputs from its own (local) backend, secrets shown', () => {
    expect(planReadBootstrap(opts)).toEqual({
      argv: ['pulumi', 'stack', 'output', '--stack', 'bootstrap', '--json', '--show-secrets', '--non-interactive'],
      env: { PULUMI_BACKEND_URL: 'file:///home/op/.shagram-bootstrap' },
      cwd: '/repo',
    });
  });

  test('selects or creates the stack in the bucket, then sets four keys; secrets only on stdin, printed lines hide them', () => {
    const steps = planConfigureStack(parseBootstrapOutputs(JSON.stringify(OUTPUTS)), opts);
    expect(steps.map((s) => [s.argv.slice(1).join(' '), s.stdin === undefined ? '' : 'stdin'])).toEqual([
      ['stack select prod --create --secrets-provider passphrase --non-interactive', ''],
      [`config set --stack prod shagram:pulumiBackendUrl ${OUTPUTS.stateBackendUrl} --non-interactive`, ''],
      ['config set --stack prod --secret yandex:serviceAccountKeyFile --non-interactive', 'stdin'],
      ['config set --stack prod shagram:ciAwsAccessKeyId YCAJEaccess --non-interactive', ''],
      ['config set --stack prod --secret shagram:ciAwsSecretAccessKey --non-interactive', 'stdin'],
    ]);
    for (const s of steps) {
      expect(s.env).toEqual({ PULUMI_BACKEND_URL: OUTPUTS.stateBackendUrl, AWS_ACCESS_KEY_ID: 'YCAJEaccess', AWS_SECRET_ACCESS_KEY: OUTPUTS.stateSecretAccessKey });
      expect(s.argv.join(' ')).not.toContain(OUTPUTS.stateSecretAccessKey);
      expect(formatCommand(s)).not.toContain(OUTPUTS.stateSecretAccessKey);
      expect(formatCommand(s)).toContain('AWS_SECRET_ACCESS_KEY=*** ');
    }
    expect(steps[2]?.stdin).toBe(OUTPUTS.deployerKeyJson);
  });

  test.each([
    ['not json', /are not JSON/],
    [JSON.stringify({ stateBackendUrl: 'x' }), /has no output stateAccessKeyId, stateSecretAccessKey, deployerKeyJson: run `pulumi up --stack bootstrap` first/],
    [JSON.stringify({ ...OUTPUTS, stateSecretAccessKey: '[secret]' }), /without --show-secrets/],
  ])('refuses outputs %#', (json, message) => {
    expect(() => parseBootstrapOutputs(json)).toThrow(message);
  });

  test('refuses a stack name that is not one', () => {
    expect(() => planConfigureStack(OUTPUTS, { ...opts, stack: 'prod; rm -rf /' })).toThrow('is not a stack name');
  });
});

describe('bootstrap-config as a process (stand-in pulumi on PATH)', () => {
  let work: string;
  const script = path.join(__dirname, '..', 'bootstrap-config');
  const run = (env: Record<string, string>) =>
    new Promise<{ code: number; stdout: string; stderr: string }>((resolve) =>
      execFile(script, ['--bootstrap-backend', `file://${work}/bootstrap-state`], { cwd: work, env: { PATH: `${work}/bin:${process.env.PATH}`, HOME: work, ...env } }, (error, stdout, stderr) =>
        resolve({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
      ),
    );
  const calls = () => fs.readFileSync(path.join(work, 'calls.log'), 'utf8').trim().split('\n');

  beforeEach(() => {
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'bootstrap-config-'));
    fs.mkdirSync(path.join(work, 'bin'));
    fs.writeFileSync(path.join(work, 'outputs.json'), JSON.stringify(OUTPUTS));
    fs.writeFileSync(
      path.join(work, 'bin', 'pulumi'),
      [
        '#!/bin/sh',
        'stdin=""; if [ ! -t 0 ]; then stdin="$(cat | base64 -w0)"; fi',
        `echo "pulumi $* | backend=$PULUMI_BACKEND_URL key=\${AWS_ACCESS_KEY_ID:-} passphrase=\${PULUMI_CONFIG_PASSPHRASE:+set} | stdin=$stdin" >> "${work}/calls.log"`,
        `if [ "$1 $2" = "stack output" ]; then cat "${work}/outputs.json"; fi`,
        'exit 0',
        '',
      ].join('\n'),
      { mode: 0o755 },
    );
  });
  afterEach(() => fs.rmSync(work, { recursive: true, force: true }));

  test('copies the outputs into the stack in the bucket; no secret appears in its output', async () => {
    const r = await run({ PULUMI_CONFIG_PASSPHRASE: 'correct horse' });
    expect(r.stderr).not.toContain(OUTPUTS.stateSecretAccessKey);
    expect(r.stdout).not.toContain(OUTPUTS.stateSecretAccessKey);
    expect(r.code).toBe(0);
    const b64 = (s: string) => Buffer.from(s).toString('base64');
    expect(calls()).toEqual([
      `pulumi stack output --stack bootstrap --json --show-secrets --non-interactive | backend=file://${work}/bootstrap-state key= passphrase=set | stdin=`,
      `pulumi stack select prod --create --secrets-provider passphrase --non-interactive | backend=${OUTPUTS.stateBackendUrl} key=YCAJEaccess passphrase=set | stdin=`,
      `pulumi config set --stack prod shagram:pulumiBackendUrl ${OUTPUTS.stateBackendUrl} --non-interactive | backend=${OUTPUTS.stateBackendUrl} key=YCAJEaccess passphrase=set | stdin=`,
      `pulumi config set --stack prod --secret yandex:serviceAccountKeyFile --non-interactive | backend=${OUTPUTS.stateBackendUrl} key=YCAJEaccess passphrase=set | stdin=${b64(OUTPUTS.deployerKeyJson)}`,
      `pulumi config set --stack prod shagram:ciAwsAccessKeyId YCAJEaccess --non-interactive | backend=${OUTPUTS.stateBackendUrl} key=YCAJEaccess passphrase=set | stdin=`,
      `pulumi config set --stack prod --secret shagram:ciAwsSecretAccessKey --non-interactive | backend=${OUTPUTS.stateBackendUrl} key=YCAJEaccess passphrase=set | stdin=${b64(OUTPUTS.stateSecretAccessKey)}`,
    ]);
    expect(r.stdout).toContain(`bootstrap-config: stack prod in ${OUTPUTS.stateBackendUrl} now has the state bucket, its key and the deployer key`);
  }, 30_000);

  test('without the passphrase it stops before running anything, naming the variable', async () => {
    const r = await run({});
    expect(r.code).toBe(1);
    expect(r.stderr.trim()).toBe("bootstrap-config: PULUMI_CONFIG_PASSPHRASE is not set: the passphrase that encrypts the stack's secrets (docs/bootstrap.md, step 2)");
    expect(fs.existsSync(path.join(work, 'calls.log'))).toBe(false);
  }, 30_000);
});
