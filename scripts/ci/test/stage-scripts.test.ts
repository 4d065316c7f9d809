import { composeStackUrns } from '../src/deploy-plan';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** The Jenkins stack's resources the pipeline's pulumi up leaves out (deploy-plan.ts). */
const EXCLUDE_SELF = composeStackUrns('prod', 'jenkins').map((urn) => `--exclude ${urn}`).join(' ');

const ciDir = path.join(__dirname, '..');
let work: string;
let env: NodeJS.ProcessEnv;

/** Runs a real stage script (bash shim -> tsx) with fake docker / pulumi first on PATH. */
function run(script: string, args: string[], extra: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(path.join(ciDir, script), args, { cwd: work, env: { ...env, ...extra } }, (error, stdout, stderr) =>
      resolve({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}
const calls = () => (fs.existsSync(path.join(work, 'calls.log')) ? fs.readFileSync(path.join(work, 'calls.log'), 'utf8').trim().split('\n') : []);

beforeEach(() => {
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'ci-stages-'));
  const bin = path.join(work, 'bin');
  fs.mkdirSync(bin);
  // Fakes log argv, the image tag variable and stdin; `pulumi stack output` prints $FAKE_OUTPUT or fails.
  const fake = (name: string) =>
    `#!/bin/sh\nstdin=""; if [ ! -t 0 ]; then stdin="$(cat)"; fi\necho "${name} $* | tag=\${SHAGRAM_IMAGE_TAG:-} | stdin=$stdin" >> "${work}/calls.log"\n` +
    `if [ "$1 $2" = "stack output" ]; then [ -n "$FAKE_OUTPUT" ] && echo "$FAKE_OUTPUT" && exit 0; echo "no stack" >&2; exit 255; fi\n` +
    `exit \${FAKE_EXIT:-0}\n`;
  for (const name of ['docker', 'pulumi']) fs.writeFileSync(path.join(bin, name), fake(name), { mode: 0o755 });
  env = { PATH: `${bin}:${process.env.PATH}`, HOME: work, REGISTRY_HOST: 'registry.example.com' };
});
afterEach(() => fs.rmSync(work, { recursive: true, force: true }));

describe('stage scripts as processes (fake docker and pulumi on PATH)', () => {
  it('image-tag prints the 12-character tag of GIT_COMMIT, or the whole reference', async () => {
    expect((await run('image-tag', [], { GIT_COMMIT: 'ABCDEF0123456789abcdef0123456789abcdef01' })).stdout).toBe('abcdef012345\n');
    expect((await run('image-tag', ['--ref', '--sha', 'abcdef0123456789'])).stdout).toBe('registry.example.com/shagram/shagram:abcdef012345\n');
  });

  it('build-image builds app/Dockerfile from the repository root', async () => {
    const result = await run('build-image', ['--tag', 'abcdef012345', '--revision', 'f'.repeat(40), '--repo', work]);
    expect(result.code).toBe(0);
    expect(calls()).toEqual([
      `docker build --file app/Dockerfile --tag registry.example.com/shagram/shagram:abcdef012345 --label org.opencontainers.image.revision=${'f'.repeat(40)} . | tag= | stdin=`,
    ]);
  });

  it('push-image logs in with the password on stdin only, pushes and logs out', async () => {
    const result = await run('push-image', ['--tag', 'abcdef012345'], { HARBOR_USER: 'robot$shagram+ci', HARBOR_PASSWORD: 'Robot-Secret-123' });
    expect(result.code).toBe(0);
    expect(calls()).toEqual([
      'docker login registry.example.com --username robot$shagram+ci --password-stdin | tag= | stdin=Robot-Secret-123',
      'docker push registry.example.com/shagram/shagram:abcdef012345 | tag= | stdin=',
      'docker logout registry.example.com | tag= | stdin=',
    ]);
    expect(result.stderr).not.toContain('Robot-Secret-123');
  });

  it('push-image fails in one line without the robot credential', async () => {
    const result = await run('push-image', ['--tag', 'abcdef012345']);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe('push-image: HARBOR_USER and HARBOR_PASSWORD must be set (the harbor-robot credential)\n');
    expect(calls()).toEqual([]);
  });

  it('deploy records the running tag, runs pulumi up on prod with SHAGRAM_IMAGE_TAG; rollback redeploys the recorded tag', async () => {
    const file = path.join(work, 'previous-image-tag.txt');
    const deployed = await run('deploy', ['--tag', 'bbbbbbbbbbbb', '--previous-tag-file', file], { FAKE_OUTPUT: 'registry.example.com/shagram/shagram:aaaaaaaaaaaa' });
    expect(deployed.code).toBe(0);
    expect(fs.readFileSync(file, 'utf8')).toBe('aaaaaaaaaaaa\n');
    expect(calls()).toEqual([
      'pulumi stack output appImage --stack prod --non-interactive | tag= | stdin=',
      `pulumi up --yes --non-interactive --skip-preview --stack prod --config shagram:pushImage=false ${EXCLUDE_SELF} | tag=bbbbbbbbbbbb | stdin=`,
    ]);
    const rolledBack = await run('rollback', ['--previous-tag-file', file]);
    expect(rolledBack.code).toBe(0);
    expect(calls()[2]).toBe(`pulumi up --yes --non-interactive --skip-preview --stack prod --config shagram:pushImage=false ${EXCLUDE_SELF} | tag=aaaaaaaaaaaa | stdin=`);
  });

  it('a first deploy records no previous tag, and rollback then refuses in one line', async () => {
    const file = path.join(work, 'previous-image-tag.txt');
    expect((await run('deploy', ['--tag', 'bbbbbbbbbbbb', '--previous-tag-file', file])).code).toBe(0);
    expect(fs.readFileSync(file, 'utf8')).toBe('');
    const rolledBack = await run('rollback', ['--previous-tag-file', file]);
    expect(rolledBack.code).toBe(1);
    expect(rolledBack.stderr).toBe(`rollback: no previous image tag in ${file}: nothing to roll back to\n`);
  });

  it('deploy fails with pulumi up, in one line', async () => {
    const result = await run('deploy', ['--tag', 'bbbbbbbbbbbb', '--previous-tag-file', path.join(work, 'p')], { FAKE_EXIT: '3' });
    expect(result.code).toBe(1);
    expect(result.stderr.trim().split('\n').pop()).toBe('deploy: pulumi up failed with exit code 3');
  });
});
