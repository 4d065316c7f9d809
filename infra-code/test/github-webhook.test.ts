/** The repository webhook: its plan, its configuration keys, and what the program registers under mocks. */
import { parseConfig, type ConfigSource } from '../vps/config';
import { githubRepositoryOf, webhookSpec } from '../plan/github-webhook';
import type { Platform } from '../vps/platform';
import { runVpsProgram } from '../vps/program';
import { fixtureStackDirs, isSecretEnvelope, prodConfig, runMocked, tmpBundleRoot, valueOf, type MockRun } from './harness';

const TOKEN = 'github_pat_11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyz';

describe('plan', () => {
  test.each([
    ['https://github.com/example/shagram.git', { owner: 'example', name: 'shagram' }],
    ['https://github.com/example/shagram', { owner: 'example', name: 'shagram' }],
    ['git@github.com:Some-Org/chat.app.git', { owner: 'Some-Org', name: 'chat.app' }],
    ['https://gitlab.com/example/shagram.git', undefined],
    ['https://github.com/example', undefined],
  ])('the repository of %s', (url, expected) => {
    expect(githubRepositoryOf(url)).toEqual(expected);
  });

  test("the hook: Jenkins' GitHub plugin endpoint, pushes only, JSON, TLS verified", () => {
    expect(webhookSpec('jenkins.example.com')).toEqual({ url: 'https://jenkins.example.com/github-webhook/', events: ['push'], contentType: 'json', insecureSsl: false });
  });
});

describe('configuration', () => {
  const src = (values: Record<string, string>, secret: string[] = []): ConfigSource => ({
    values: { ...prodConfig(), ...values },
    secretKeys: new Set(['shagram:sshPrivateKey', 'shagram:jwtSecret', ...secret]),
    env: {},
  });

  test('off by default: no webhook', () => {
    expect(parseConfig(src({})).githubWebhook).toBeUndefined();
  });

  test('on: the token is required, must be a secret, and the repository must be on github.com', () => {
    expect(() => parseConfig(src({ 'shagram:githubWebhook': 'true' }))).toThrow(/^github:token: is required \(pulumi config set github:token --secret <value>\): a token that may manage/);
    expect(() => parseConfig(src({ 'shagram:githubWebhook': 'true', 'github:token': TOKEN }))).toThrow('github:token: is a secret: set it with pulumi config set --secret github:token');
    expect(() => parseConfig(src({ 'shagram:githubWebhook': 'true', 'github:token': TOKEN, 'shagram:githubRepoUrl': 'https://gitlab.com/a/b.git' }, ['github:token']))).toThrow(
      /^shagram:githubWebhook: needs a github\.com repository/,
    );
    expect(parseConfig(src({ 'shagram:githubWebhook': 'true', 'github:token': TOKEN }, ['github:token'])).githubWebhook).toEqual({
      repository: { owner: 'example', name: 'shagram' },
      token: TOKEN,
    });
  });
});

describe('the program with shagram:githubWebhook (mocks)', () => {
  let platform: Platform;
  let run: MockRun;
  const find = (type: string) => run.resources.filter((r) => r.type === type);

  beforeAll(async () => {
    ({ platform, run } = await runMocked({ ...prodConfig(), 'shagram:githubWebhook': 'true', 'github:token': TOKEN }, ['shagram:sshPrivateKey', 'shagram:jwtSecret', 'github:token'], () =>
      runVpsProgram({ bundleRoot: tmpBundleRoot(), stackDirs: fixtureStackDirs() }),
    ));
  });

  test("a provider for the repository's owner with the token as a secret", () => {
    const [provider] = find('pulumi:providers:github');
    expect(provider?.inputs.owner).toBe('example');
    expect(provider?.inputs.token).toBe(TOKEN);
    expect(isSecretEnvelope(provider?.raw.token)).toBe(true);
  });

  test('the hook: push events to Jenkins, signed with the secret the Jenkins stack checks, made after Jenkins and the certificate', async () => {
    const [hook] = find('github:index/repositoryWebhook:RepositoryWebhook');
    expect(hook?.inputs).toMatchObject({
      repository: 'shagram',
      active: true,
      events: ['push'],
      configuration: { url: 'https://jenkins.shagram.test/github-webhook/', contentType: 'json', insecureSsl: false },
    });
    expect(isSecretEnvelope(hook?.raw.configuration) || isSecretEnvelope(hook?.raw.configuration?.secret)).toBe(true);
    const jenkinsEnv = await valueOf(platform.stacks.jenkins.envContent);
    const secret = hook?.inputs.configuration.secret as string;
    expect(secret).toBe('Mockgithubwebhooksecret'.concat('Aa11Bb22Cc33Dd44')); // the generated secret (harness's RandomPassword mock)
    expect(jenkinsEnv).toContain(`GITHUB_WEBHOOK_SECRET='${secret}'`);
    // The component waits for the Jenkins stack (the engine gets its children, the deploy among them) and the
    // certificate wait; its children inherit that.
    const component = run.resources.find((r) => r.type === 'shagram:infra:GithubWebhook');
    const jenkinsDeploy = run.resources.find((r) => r.name === 'jenkins-deploy');
    const certificate = run.resources.find((r) => r.name === 'edge-certificate');
    expect(component?.dependencies).toEqual(expect.arrayContaining([jenkinsDeploy?.urn, certificate?.urn]));
  });

  test('without the key, the program registers no GitHub resource', async () => {
    const { run: plain } = await runMocked(prodConfig(), ['shagram:sshPrivateKey', 'shagram:jwtSecret'], () => runVpsProgram({ bundleRoot: tmpBundleRoot(), stackDirs: fixtureStackDirs() }));
    expect(plain.resources.filter((r) => r.type.includes('github'))).toEqual([]);
  });
});
