/** Pure planning modules: cloud-init, firewall rules, `.env` rendering, stack bundles and stack env. */
import { mkdirSync, mkdtempSync, writeFileSync, readdirSync, readFileSync, chmodSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { AUTO_UPGRADES, cloudInitDocument, SSHD_HARDENING } from '../plan/cloud-init';
import { renderEnvFile } from '../plan/env-file';
import { egressRules, ingressRules } from '../plan/security-rules';
import { buildStackBundle, hashBundle, isShipped } from '../plan/stack-bundle';
import { appImageRef } from '../plan/image-ref';
import { stackDeployOptions, stackEnv, STACK_NAMES, STACKS, type EnvInputs } from '../plan/stacks';
import { stackSpec } from '../plan/stack-spec';
import { assertSafePath, shQuote } from '../plan/shell';

describe('cloud-init', () => {
  const text = cloudInitDocument({ deployUser: 'deploy', sshPublicKey: 'ssh-ed25519 AAAAkey me@host\n', baseDir: '/opt/shagram' });
  const doc = parse(text);

  test('is a #cloud-config document', () => {
    expect(text.split('\n')[0]).toBe('#cloud-config');
  });

  test('creates the deploy user with the key only, in the docker group', () => {
    expect(doc.users).toEqual([
      { name: 'deploy', groups: ['docker'], shell: '/bin/bash', sudo: 'ALL=(ALL) NOPASSWD:ALL', lock_passwd: true, ssh_authorized_keys: ['ssh-ed25519 AAAAkey me@host'] },
    ]);
    expect(doc.groups).toEqual(['docker']);
  });

  test('disables password SSH and root login', () => {
    expect(doc.ssh_pwauth).toBe(false);
    expect(doc.disable_root).toBe(true);
    const sshd = doc.write_files.find((f: any) => f.path === '/etc/ssh/sshd_config.d/60-shagram.conf');
    expect(sshd.content).toBe(SSHD_HARDENING);
    expect(SSHD_HARDENING).toContain('PasswordAuthentication no');
  });

  test('installs Docker Engine with the compose plugin and enables unattended upgrades', () => {
    expect(doc.packages).toContain('unattended-upgrades');
    expect(doc.write_files.find((f: any) => f.path === '/etc/apt/apt.conf.d/20auto-upgrades').content).toBe(AUTO_UPGRADES);
    const run: string[] = doc.runcmd;
    const install = run.findIndex((c) => c.includes('apt-get install -y docker-ce') && c.includes('docker-compose-plugin'));
    expect(install).toBeGreaterThan(run.findIndex((c) => c.includes('download.docker.com/linux/ubuntu/gpg')));
    expect(run).toContain('systemctl enable --now docker');
    expect(run).toContain('systemctl enable --now unattended-upgrades');
    expect(run).toContain('install -d -o deploy -g deploy -m 0755 /opt/shagram /opt/shagram/stacks /opt/shagram/incoming');
  });
});

describe('security rules', () => {
  test('22 from admins, 80 and 443 from anywhere, nothing else; egress open', () => {
    const rules = ingressRules(['192.0.2.1/32']);
    expect(rules.map((r) => r.port)).toEqual([22, 80, 443]);
    expect(rules[0]!.v4CidrBlocks).toEqual(['192.0.2.1/32']);
    expect(egressRules()).toEqual([{ protocol: 'ANY', fromPort: 0, toPort: 65535, v4CidrBlocks: ['0.0.0.0/0'] }]);
  });
  test("SSH also from the VPS's own address (Jenkins' pulumi up runs there), once", () => {
    expect(ingressRules(['192.0.2.1/32'], '203.0.113.10')[0]!.v4CidrBlocks).toEqual(['192.0.2.1/32', '203.0.113.10/32']);
    expect(ingressRules(['203.0.113.10/32'], '203.0.113.10')[0]!.v4CidrBlocks).toEqual(['203.0.113.10/32']);
    expect(ingressRules(['192.0.2.1/32'], '203.0.113.10').slice(1).map((r) => r.v4CidrBlocks)).toEqual([['0.0.0.0/0'], ['0.0.0.0/0']]);
    expect(() => ingressRules(['192.0.2.1/32'], '0.0.0.0/0')).toThrow('is not an IPv4 address');
  });
  test('refuses SSH from the world or from nobody', () => {
    expect(() => ingressRules(['0.0.0.0/0'])).toThrow('SSH must not be open to the whole internet');
    expect(() => ingressRules([])).toThrow('at least one admin CIDR');
  });
});

describe('env file', () => {
  test('single-quoted literal lines', () => {
    expect(renderEnvFile({ A: 'x$y', B_2: '' })).toBe("A='x$y'\nB_2=''\n");
  });
  test('refuses bad names and values', () => {
    expect(() => renderEnvFile({ 'a-b': 'x' })).toThrow('invalid variable name');
    expect(() => renderEnvFile({ A: "it's" })).toThrow('the value of A has a quote or a line break');
    expect(() => renderEnvFile({ A: 'x\ny' })).toThrow('line break');
  });
});

describe('stack bundle', () => {
  test('what is shipped', () => {
    for (const p of ['compose.yaml', '.env.example', 'templates/a.template', 'certbot/loop.sh']) expect(isShipped(p)).toBe(true);
    for (const p of ['.env', '.env.local', 'tls/privkey.pem', 'x.key', 'cert.pem', 'test/a.test.ts', 'node_modules/x', 'data/db']) expect(isShipped(p)).toBe(false);
  });

  test('bundle copies shipped files with their modes; the hash follows content, names and modes only', () => {
    const src = mkdtempSync(join(tmpdir(), 'bundle-src-'));
    writeFileSync(join(src, 'compose.yaml'), 'services: {}\n');
    writeFileSync(join(src, '.env'), 'SECRET=1\n');
    mkdirSync(join(src, 'bin'));
    writeFileSync(join(src, 'bin', 'run.sh'), '#!/bin/sh\n');
    chmodSync(join(src, 'bin', 'run.sh'), 0o755);
    const out = join(src, '..', `${src.split('/').pop()}-out`);
    const a = buildStackBundle(src, out);
    expect(a.files).toEqual(['bin/run.sh', 'compose.yaml']);
    expect(readdirSync(out).sort()).toEqual(['bin', 'compose.yaml']);
    expect(statSync(join(out, 'bin', 'run.sh')).mode & 0o777).toBe(0o755);
    // Same content → same hash; a local .env change does not matter; a content or mode change does.
    writeFileSync(join(src, '.env'), 'SECRET=2\n');
    expect(buildStackBundle(src, out).hash).toBe(a.hash);
    writeFileSync(join(src, 'compose.yaml'), 'services: {x: {}}\n');
    const b = buildStackBundle(src, out);
    expect(b.hash).not.toBe(a.hash);
    chmodSync(join(src, 'bin', 'run.sh'), 0o644);
    expect(buildStackBundle(src, out).hash).not.toBe(b.hash);
    expect(() => buildStackBundle(join(src, 'nope'), out)).toThrow(/stack folder .*nope does not exist/);
  });

  test('hash is independent of file order', () => {
    const f = (path: string) => ({ path, content: Buffer.from(path), executable: false });
    expect(hashBundle([f('a'), f('b')])).toBe(hashBundle([f('b'), f('a')]));
  });
});

describe('stacks', () => {
  const v: EnvInputs = {
    chatHost: 'chat.t',
    jenkinsHost: 'ci.t',
    registryHost: 'reg.t',
    grafanaHost: '',
    grafanaAdminPassword: '',
    alerts: { kind: 'none' },
    githubRepoUrl: 'https://github.com/x/y.git',
    pulumiBackendUrl: 'file:///state',
    appImage: appImageRef('reg.t', 'abc1234'),
    jwtSecret: 'j',
    harborAdminPassword: 'h',
    harborDbPassword: 'd',
    jenkinsAdminPassword: 'k',
    harborRobotSecret: 'r',
    githubWebhookSecret: 'w',
    harborInstallerSha256: 'ab'.repeat(32),
    sshUser: 'deploy',
    ci: { pulumiConfigPassphrase: 'p', pulumiAccessToken: '', yandexKeyJson: '{"a":1}', sshPrivateKey: 'KEY\nLINES\n', awsAccessKeyId: 'AKID', awsSecretAccessKey: 'aws-s' },
  };
  test('host folders and archives: /opt/shagram/stacks/<name>, /opt/shagram/incoming/<name>.tar.gz, in table order', () => {
    expect(STACK_NAMES).toEqual(STACKS.map((s) => s.name));
    expect(STACK_NAMES.map((n) => stackDeployOptions(n).stackDir)).toEqual(['/opt/shagram/stacks/edge', '/opt/shagram/stacks/harbor', '/opt/shagram/stacks/jenkins', '/opt/shagram/stacks/shagram', '/opt/shagram/stacks/monitoring']);
    expect(stackDeployOptions('jenkins').incomingArchive).toBe('/opt/shagram/incoming/jenkins.tar.gz');
  });
  test('the stack table: the edge comes before the registry; every app-image stack after it; exactly one registry', () => {
    const names = STACKS.map((s) => s.name);
    const registry = STACKS.findIndex((s) => s.isRegistry);
    expect(STACKS.filter((s) => s.isRegistry)).toHaveLength(1);
    expect(names.indexOf('edge')).toBeLessThan(registry);
    for (const s of STACKS.filter((x) => x.needsAppImage)) expect(names.indexOf(s.name)).toBeGreaterThan(registry);
    // exactly the stacks whose .env carries APP_IMAGE
    expect(STACKS.filter((x) => x.needsAppImage).map((x) => x.name)).toEqual(STACKS.filter((x) => 'APP_IMAGE' in x.env(v)).map((x) => x.name));
    expect(() => stackSpec('nope')).toThrow('unknown stack "nope" (stacks: edge, harbor, jenkins, shagram, monitoring)');
  });
  test('the Shagram stack gets the image, origin and the registry login; the edge the hosts and ports', () => {
    expect(stackEnv('shagram', v)).toEqual({
      COMPOSE_PROJECT_NAME: 'shagram',
      APP_IMAGE: 'reg.t/shagram/shagram:abc1234',
      JWT_SECRET: 'j',
      WS_ALLOWED_ORIGINS: 'https://chat.t',
      REGISTRY_HOST: 'reg.t',
      REGISTRY_USERNAME: 'robot$shagram+ci',
      REGISTRY_PASSWORD: 'r',
    });
    expect(stackEnv('edge', v)).toMatchObject({ CHAT_HOST: 'chat.t', JENKINS_HOST: 'ci.t', REGISTRY_HOST: 'reg.t', JENKINS_PORT: '8081', HARBOR_PORT: '8085', COMPOSE_PROFILES: '' });
    expect(stackEnv('edge', { ...v, letsencryptEmail: 'a@b.t' })).toMatchObject({ COMPOSE_PROFILES: 'letsencrypt', LETSENCRYPT_EMAIL: 'a@b.t' });
  });
  test('the Jenkins stack gets every variable its compose secrets read; multi-line ones as one base64 line', () => {
    const env = stackEnv('jenkins', v);
    expect(env).toMatchObject({ PULUMI_CONFIG_PASSPHRASE: 'p', PULUMI_ACCESS_TOKEN: '', VPS_SSH_USER: 'deploy', AWS_ACCESS_KEY_ID: 'AKID', AWS_SECRET_ACCESS_KEY: 'aws-s' });
    expect(Buffer.from(env.YC_SA_KEY_JSON_BASE64!, 'base64').toString()).toBe('{"a":1}');
    expect(Buffer.from(env.VPS_SSH_PRIVATE_KEY_BASE64!, 'base64').toString()).toBe('KEY\nLINES\n');
    expect(stackEnv('jenkins', { ...v, ci: { ...v.ci, yandexKeyJson: '' } }).YC_SA_KEY_JSON_BASE64).toBe('');
    // what jenkins/compose.yaml's secrets read
    const compose = readFileSync(join(__dirname, '..', '..', 'jenkins', 'compose.yaml'), 'utf8');
    const read = [...compose.matchAll(/^\s+environment: ([A-Z_0-9]+)$/gm)].map((m) => m[1]!);
    expect(read.length).toBeGreaterThan(5);
    for (const name of read) expect(env).toHaveProperty(name);
  });
  test('each stack gets only its own secrets', () => {
    expect(Object.values(stackEnv('shagram', v))).not.toContain('h');
    expect(stackEnv('harbor', v)).toMatchObject({ HARBOR_ADMIN_PASSWORD: 'h', HARBOR_HTTP_PORT: '8085', HARBOR_EXTERNAL_URL: 'https://reg.t', HARBOR_INSTALLER_SHA256: 'ab'.repeat(32) });
    expect(stackEnv('jenkins', v)).not.toHaveProperty('HARBOR_INSTALLER_SHA256');
    expect(Object.values(stackEnv('harbor', v))).not.toContain('j');
    expect(stackEnv('jenkins', v)).toMatchObject({ JENKINS_ADMIN_PASSWORD: 'k', JENKINS_PORT: '8081', HARBOR_ROBOT_SECRET: 'r', CHAT_HOST: 'chat.t', GITHUB_REPO_URL: 'https://github.com/x/y.git', PULUMI_BACKEND_URL: 'file:///state' });
  });
});

test('shell quoting and path checks', () => {
  expect(shQuote("a'b")).toBe("'a'\\''b'");
  expect(assertSafePath('/opt/shagram/stacks/x')).toBe('/opt/shagram/stacks/x');
  expect(() => assertSafePath('relative')).toThrow('unsafe remote path');
  expect(() => assertSafePath('/opt/../etc')).toThrow('unsafe remote path');
  expect(() => assertSafePath('/opt/a b')).toThrow('unsafe remote path');
});
