/** parseConfig: every key validated, errors name the key. */
import { ConfigError } from '../common/config-fields';
import { parseConfig, SECRET_KEYS, type ConfigSource } from '../vps/config';
import { readFileSync } from 'node:fs';
import { HARBOR_INSTALLER_PIN, readHarborInstallerPin } from '../vps/program';
import { devConfig, prodConfig } from './harness';

const src = (values: Record<string, string | undefined>, secrets: string[] = [...SECRET_KEYS], env: Record<string, string> = {}): ConfigSource => ({
  values,
  secretKeys: new Set(secrets),
  env,
});

function errorOf(values: Record<string, string | undefined>, env: Record<string, string> = {}, secrets?: string[]): ConfigError {
  try {
    parseConfig(src(values, secrets, env));
  } catch (e) {
    if (e instanceof ConfigError) return e;
    throw e;
  }
  throw new Error('expected a ConfigError');
}

test('prod config parses with defaults filled in', () => {
  const cfg = parseConfig(src(prodConfig()));
  expect(cfg.target).toEqual({
    kind: 'yandex',
    folderId: 'b1gabcdefghijklmnopq',
    zone: 'ru-central1-b',
    adminCidrs: ['198.51.100.7/32', '203.0.113.0/28'],
    subnetCidr: '10.10.0.0/24',
    sshPublicKey: 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAITestKeyOnly deploy@test',
    vm: { platformId: 'standard-v3', cores: 4, memoryGb: 8, coreFraction: 50, diskGb: 60, diskType: 'network-ssd', preemptible: true, imageFamily: 'ubuntu-2404-lts' },
  });
  expect(cfg.sshUser).toBe('deploy');
  expect(cfg.sshPort).toBe(22);
  expect(cfg.imageTag).toBe('0123456789ab');
  expect(cfg.pushImage).toBe(true);
  expect(cfg.secrets.jwtSecret).toBe('jwt-secret-from-config-0123456789abcdef');
  expect(cfg.secrets.harborAdminPassword).toBeUndefined();
});

test('dev config parses', () => {
  const cfg = parseConfig(src(devConfig()));
  expect(cfg.target).toEqual({ kind: 'existing', host: '192.0.2.10' });
  expect(cfg).toMatchObject({ sshPort: 2222, sshUser: 'ops', pushImage: false, imageTag: 'abcdef1' });
});

test('admin CIDRs may be a comma-separated list too', () => {
  const cfg = parseConfig(src({ ...prodConfig(), 'shagram:adminCidrs': '198.51.100.7/32, 192.0.2.0/24' }));
  expect(cfg.target.kind === 'yandex' && cfg.target.adminCidrs).toEqual(['198.51.100.7/32', '192.0.2.0/24']);
});

test("Harbor's installer digest: from config, else the one harbor/installer.json pins, else a clear stop", () => {
  const digest = 'CD'.repeat(32);
  expect(parseConfig(src({ ...devConfig(), 'shagram:harborInstallerSha256': digest })).harborInstallerSha256).toBe('cd'.repeat(32));
  const unset = { ...devConfig(), 'shagram:harborInstallerSha256': undefined };
  expect(parseConfig({ ...src(unset), harborInstallerPin: 'ef'.repeat(32) }).harborInstallerSha256).toBe('ef'.repeat(32));
  expect(parseConfig({ ...src({ ...unset, 'shagram:harborInstallerSha256': digest }), harborInstallerPin: 'ef'.repeat(32) }).harborInstallerSha256).toBe('cd'.repeat(32));
  expect(errorOf(unset).message).toBe(
    "shagram:harborInstallerSha256: is required (pulumi config set shagram:harborInstallerSha256 <value>): the SHA-256 of Harbor's offline installer, which harbor/installer.json does not pin yet (docs/jenkins-harbor.md)",
  );
  // the repository's own pin file is what the program reads (null while no digest is recorded)
  const pin = JSON.parse(readFileSync(HARBOR_INSTALLER_PIN, 'utf8')) as { sha256: string | null };
  expect(readHarborInstallerPin()).toBe(pin.sha256);
});

test('the image tag falls back to SHAGRAM_IMAGE_TAG, then GIT_COMMIT, and is required', () => {
  const noTag = { ...devConfig(), 'shagram:imageTag': undefined };
  expect(parseConfig(src(noTag, undefined, { GIT_COMMIT: 'ABCDEF0123456789abcdef0123456789abcdef01' })).imageTag).toBe('abcdef012345');
  expect(parseConfig(src(noTag, undefined, { SHAGRAM_IMAGE_TAG: '1234567', GIT_COMMIT: 'abcdef0' })).imageTag).toBe('1234567');
  expect(errorOf(noTag).message).toBe('shagram:imageTag: is required (pulumi config set shagram:imageTag <value>)');
  expect(errorOf({ ...devConfig(), 'shagram:imageTag': 'latest' }).message).toBe('shagram:imageTag: must be a git commit SHA (7-40 hex digits)');
});

test.each<[string, Record<string, string | undefined>, string]>([
  ['shagram:target', { 'shagram:target': undefined }, 'is required'],
  ['shagram:target', { 'shagram:target': 'aws' }, 'must be "yandex" or "existing"'],
  ['yandex:folderId', { 'yandex:folderId': undefined }, 'is required'],
  ['yandex:folderId', { 'yandex:folderId': 'short' }, 'must be a Yandex folder id'],
  ['yandex:zone', { 'yandex:zone': 'eu-west-1' }, 'must be a zone'],
  ['shagram:adminCidrs', { 'shagram:adminCidrs': undefined }, 'is required'],
  ['shagram:adminCidrs', { 'shagram:adminCidrs': '["0.0.0.0/0"]' }, 'must not open SSH to the whole internet'],
  ['shagram:adminCidrs', { 'shagram:adminCidrs': '["10.0.0.300/32"]' }, 'must be IPv4 CIDRs'],
  ['shagram:adminCidrs', { 'shagram:adminCidrs': '[]' }, 'must list at least one CIDR'],
  ['shagram:vmCores', { 'shagram:vmCores': 'two' }, 'must be a whole number'],
  ['shagram:vmCores', { 'shagram:vmCores': '1' }, 'must be at least 2'],
  ['shagram:vmMemoryGb', { 'shagram:vmMemoryGb': '1000' }, 'must be at most 128'],
  ['shagram:vmCoreFraction', { 'shagram:vmCoreFraction': '30' }, 'must be one of 5, 20, 50, 100'],
  ['shagram:vmDiskGb', { 'shagram:vmDiskGb': '10' }, 'must be at least 20'],
  ['shagram:vmDiskType', { 'shagram:vmDiskType': 'ssd' }, 'must be network-hdd or network-ssd'],
  ['shagram:vmPreemptible', { 'shagram:vmPreemptible': 'yes' }, 'must be true or false'],
  ['shagram:vmImageFamily', { 'shagram:vmImageFamily': 'debian-12' }, 'must be an Ubuntu LTS image family'],
  ['shagram:sshPublicKey', { 'shagram:sshPublicKey': undefined }, 'is required'],
  ['shagram:sshPublicKey', { 'shagram:sshPublicKey': 'not a key' }, 'must be one OpenSSH public key line'],
  ['shagram:sshPrivateKey', { 'shagram:sshPrivateKey': undefined }, 'is required (pulumi config set shagram:sshPrivateKey --secret <value>)'],
  ['shagram:sshPrivateKey', { 'shagram:sshPrivateKey': 'hunter2' }, 'must be a PEM/OpenSSH private key'],
  ['shagram:chatHost', { 'shagram:chatHost': 'chat' }, 'must be a DNS name'],
  ['shagram:jenkinsHost', { 'shagram:jenkinsHost': undefined }, 'is required'],
  ['shagram:registryHost', { 'shagram:registryHost': 'https://registry.example.com' }, 'must be a DNS name'],
  ['shagram:letsencryptEmail', { 'shagram:letsencryptEmail': 'nobody' }, 'must be an e-mail address'],
  ['shagram:jwtSecret', { 'shagram:jwtSecret': 'short' }, 'must be at least 32 characters'],
  ['shagram:jwtSecret', { 'shagram:jwtSecret': "0123456789abcdef0123456789abcdef'quote" }, 'must not contain a single quote or a line break'],
  ['shagram:harborAdminPassword', { 'shagram:harborAdminPassword': 'short' }, 'must be at least 12 characters'],
  ['shagram:sshPort', { 'shagram:sshPort': '70000' }, 'must be at most 65535'],
  ['shagram:sshUser', { 'shagram:sshUser': 'Root User' }, 'must be a Linux user name'],
  ['shagram:pushImage', { 'shagram:pushImage': '1' }, 'must be true or false'],
  ['shagram:githubRepoUrl', { 'shagram:githubRepoUrl': undefined }, 'is required'],
  ['shagram:githubRepoUrl', { 'shagram:githubRepoUrl': 'ftp://x' }, 'must be an https:// or git@ repository URL'],
  ['shagram:pulumiBackendUrl', { 'shagram:pulumiBackendUrl': '/tmp/state' }, 'must be a Pulumi backend URL'],
  ['shagram:harborInstallerSha256', { 'shagram:harborInstallerSha256': 'abc123' }, 'must be a SHA-256 digest (64 hex digits)'],
])('%s: %j fails with "%s"', (key, change, message) => {
  const e = errorOf({ ...prodConfig(), ...change });
  expect(e.key).toBe(key);
  expect(e.message.startsWith(`${key}: `)).toBe(true);
  expect(e.message).toContain(message);
});

test('dev: the host is required, cloud keys are not', () => {
  expect(errorOf({ ...devConfig(), 'shagram:host': undefined }).key).toBe('shagram:host');
  expect(errorOf({ ...devConfig(), 'shagram:host': 'a b' }).message).toContain('must be a host name or IP address');
});

test('a secret key set in plain text is refused', () => {
  const e = errorOf(prodConfig(), {}, ['shagram:sshPrivateKey']);
  expect(e.message).toBe('shagram:jwtSecret: is a secret: set it with pulumi config set --secret shagram:jwtSecret');
});

const SA_KEY = JSON.stringify({ id: 'aje1', service_account_id: 'ajesa', private_key: 'PLEASE DO NOT REMOVE THIS LINE!\n-----BEGIN PRIVATE KEY-----\nx\n-----END PRIVATE KEY-----\n' });

test("the provider's key lives in the stack configuration as its JSON, never as a path CI cannot open", () => {
  expect(errorOf({ ...prodConfig(), 'yandex:serviceAccountKeyFile': '/home/me/.config/yandex/key.json' }).message).toBe(
    'yandex:serviceAccountKeyFile: must hold the key itself, not a path: pulumi config set --secret yandex:serviceAccountKeyFile < key.json (CI reads the same stack configuration and cannot open a file on this machine)',
  );
  expect(errorOf({ ...prodConfig(), 'yandex:serviceAccountKeyFile': '{"id": 1}' }).message).toContain('must be the JSON of a service-account key');
  // Set in plain text: refused like every secret.
  expect(errorOf({ ...prodConfig(), 'yandex:serviceAccountKeyFile': SA_KEY }, {}, ['shagram:sshPrivateKey', 'shagram:jwtSecret']).message).toBe(
    'yandex:serviceAccountKeyFile: is a secret: set it with pulumi config set --secret yandex:serviceAccountKeyFile',
  );
  // The same key is what Jenkins gets unless shagram:ciYandexKeyJson names another.
  expect(parseConfig(src({ ...prodConfig(), 'yandex:serviceAccountKeyFile': SA_KEY })).secrets.ci.yandexKeyJson).toBe(SA_KEY);
  expect(parseConfig(src(prodConfig())).secrets.ci.yandexKeyJson).toBe('');
});

test("CI credentials: from their keys, else from the deploying pulumi's own environment, else empty", () => {
  const env = { PULUMI_CONFIG_PASSPHRASE: 'pass phrase', AWS_ACCESS_KEY_ID: 'YCAJE', AWS_SECRET_ACCESS_KEY: 'YCsecret' };
  expect(parseConfig(src(prodConfig(), undefined, env)).secrets.ci).toEqual({
    pulumiConfigPassphrase: 'pass phrase',
    pulumiAccessToken: '',
    yandexKeyJson: '',
    awsAccessKeyId: 'YCAJE',
    awsSecretAccessKey: 'YCsecret',
  });
  const configured = { ...prodConfig(), 'shagram:ciPulumiConfigPassphrase': 'from-config', 'shagram:ciAwsAccessKeyId': 'KEYID' };
  expect(parseConfig(src(configured, undefined, env)).secrets.ci).toMatchObject({ pulumiConfigPassphrase: 'from-config', awsAccessKeyId: 'KEYID' });
  expect(parseConfig(src(prodConfig())).secrets.ci).toMatchObject({ pulumiConfigPassphrase: '', awsAccessKeyId: '', awsSecretAccessKey: '' });
  expect(errorOf(prodConfig(), { PULUMI_CONFIG_PASSPHRASE: "it's" }).message).toBe(
    "shagram:ciPulumiConfigPassphrase: is not set, and PULUMI_CONFIG_PASSPHRASE has a single quote or a line break: set shagram:ciPulumiConfigPassphrase with --secret",
  );
});

test('the GitHub webhook secret may be set (the value given to GitHub), at least 20 characters, as a secret', () => {
  expect(parseConfig(src({ ...prodConfig(), 'shagram:githubWebhookSecret': 'a'.repeat(40) })).secrets.githubWebhookSecret).toBe('a'.repeat(40));
  expect(errorOf({ ...prodConfig(), 'shagram:githubWebhookSecret': 'short' }).message).toBe('shagram:githubWebhookSecret: must be at least 20 characters');
  expect(parseConfig(src(prodConfig())).secrets.githubWebhookSecret).toBeUndefined();
});
