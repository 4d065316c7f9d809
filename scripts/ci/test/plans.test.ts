import { ScriptError } from '../../lib/cli';
import { formatCommand } from '../../lib/command';
import { planPulumiUp, planReadDeployedImage, previousTagFrom } from '../src/deploy-plan';
import { imageTag, tagOf } from '../src/image';
import { planBuild, planPush } from '../src/image-plan';
import { expectedLine, smokeIdentity, smokeTargets } from '../src/smoke-plan';

describe('image tag and reference', () => {
  it('uses the first 12 characters of the commit SHA, lower case', () => {
    expect(imageTag('0123456789ABCDEF0123456789abcdef01234567')).toBe('0123456789ab');
    expect(imageTag(' abcdef0123456 \n')).toBe('abcdef012345');
  });
  it('refuses what is not a SHA, or too short to give 12 characters', () => {
    expect(() => imageTag('main')).toThrow(ScriptError);
    expect(() => imageTag('abcdef0')).toThrow(/shorter than 12/);
    expect(() => imageTag('')).toThrow(ScriptError);
  });
  it('reads the tag back from a reference, registry port included', () => {
    expect(tagOf('registry.example.com/shagram/shagram:0123456789ab')).toBe('0123456789ab');
    expect(tagOf('localhost:5000/shagram/shagram:v1')).toBe('v1');
    expect(tagOf('localhost:5000/shagram/shagram')).toBeUndefined();
    expect(tagOf('')).toBeUndefined();
  });
});

describe('image build and push plans', () => {
  const ref = 'registry.example.com/shagram/shagram:0123456789ab';
  it('builds app/Dockerfile from the repository root with the revision label', () => {
    expect(planBuild({ ref, repoRoot: '/repo', revision: 'f'.repeat(40) })).toEqual([
      {
        argv: ['docker', 'build', '--file', 'app/Dockerfile', '--tag', ref, '--label', `org.opencontainers.image.revision=${'f'.repeat(40)}`, '.'],
        cwd: '/repo',
      },
    ]);
  });
  it('logs in with the password on stdin only, pushes, logs out', () => {
    const steps = planPush(ref, 'robot$shagram+ci', 's3cret-Value1');
    expect(steps).toEqual([
      { argv: ['docker', 'login', 'registry.example.com', '--username', 'robot$shagram+ci', '--password-stdin'], stdin: 's3cret-Value1' },
      { argv: ['docker', 'push', ref] },
      { argv: ['docker', 'logout', 'registry.example.com'] },
    ]);
    for (const step of steps) expect(step.argv.join(' ')).not.toContain('s3cret');
    expect(steps.map(formatCommand).join('\n')).not.toContain('s3cret');
  });
  it('refuses to push without the robot credential', () => {
    expect(() => planPush(ref, '', 'x')).toThrow(/HARBOR_USER/);
    expect(() => planPush(ref, 'u', '')).toThrow(/HARBOR_PASSWORD/);
  });
});

describe('deploy plans', () => {
  it('runs pulumi up on the stack with the tag in SHAGRAM_IMAGE_TAG, no second image push', () => {
    const self = 'urn:pulumi:prod::shagram::shagram:infra:ComposeStack$command:remote:';
    expect(planPulumiUp({ stack: 'prod', tag: '0123456789ab', cwd: '/repo' })).toEqual({
      argv: [
        'pulumi', 'up', '--yes', '--non-interactive', '--skip-preview', '--stack', 'prod', '--config', 'shagram:pushImage=false',
        // the Jenkins stack, whose agent runs this pulumi up, is left out (recreating it would kill the build)
        '--exclude', `${self}Command::jenkins-lifecycle`,
        '--exclude', `${self}Command::jenkins-stage`,
        '--exclude', `${self}CopyToRemote::jenkins-upload`,
        '--exclude', `${self}Command::jenkins-deploy`,
      ],
      env: { SHAGRAM_IMAGE_TAG: '0123456789ab' },
      cwd: '/repo',
    });
  });
  it('refuses a malformed tag or stack name', () => {
    expect(() => planPulumiUp({ stack: 'prod', tag: '', cwd: '.' })).toThrow(ScriptError);
    expect(() => planPulumiUp({ stack: 'prod; rm -rf /', tag: 'abc', cwd: '.' })).toThrow(ScriptError);
  });
  it('reads the deployed image from the appImage output', () => {
    expect(planReadDeployedImage('prod', '/repo')).toEqual({ argv: ['pulumi', 'stack', 'output', 'appImage', '--stack', 'prod', '--non-interactive'], cwd: '/repo' });
    expect(previousTagFrom('registry.example.com/shagram/shagram:aaaaaaaaaaaa\n')).toBe('aaaaaaaaaaaa');
    expect(previousTagFrom('')).toBeUndefined();
  });
});

describe('smoke plan', () => {
  it('derives health, register and WebSocket URLs and the origin from the chat URL', () => {
    const targets = smokeTargets('https://chat.example.com/');
    expect(targets.healthUrl).toBe('https://chat.example.com/healthz');
    expect(targets.registerUrl).toBe('https://chat.example.com/api/auth/register');
    expect(targets.roomsUrl).toBe('https://chat.example.com/api/rooms');
    expect(targets.origin).toBe('https://chat.example.com');
    expect(targets.wsUrl('smoke', 'a.b+c')).toBe('wss://chat.example.com/ws/smoke?token=a.b%2Bc');
    expect(smokeTargets('http://127.0.0.1:8080', 'http://chat.test').wsUrl('r', 't')).toBe('ws://127.0.0.1:8080/ws/r?token=t');
    expect(smokeTargets('http://127.0.0.1:8080', 'http://chat.test').origin).toBe('http://chat.test');
  });
  it('refuses what is not an http(s) URL', () => {
    expect(() => smokeTargets('chat.example.com')).toThrow(ScriptError);
    expect(() => smokeTargets('ftp://chat.example.com')).toThrow(ScriptError);
  });
  it('makes a valid throwaway user and expects the plain-mode echo', () => {
    const identity = smokeIdentity((n) => Buffer.alloc(n, 0xab));
    expect(identity.username).toBe('smoke-abababababab');
    expect(identity.username).toMatch(/^[\p{L}\p{N}_.-]{1,32}$/u);
    expect(identity.password.length).toBeGreaterThanOrEqual(8);
    expect(expectedLine(identity)).toBe('smoke-abababababab: smoke test abababababab');
    expect(smokeIdentity().username).not.toBe(smokeIdentity().username);
  });
});
