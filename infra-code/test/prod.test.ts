/** The program with the prod (Yandex) configuration, run inside Pulumi mocks. */
import * as pulumi from '@pulumi/pulumi';
import { cpSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Platform } from '../vps/platform';
import { runVpsProgram } from '../vps/program';
import { FIXTURE_STACKS, HARBOR_SHA256, isSecretEnvelope, prodConfig, runMocked, TEST_PRIVATE_KEY, tmpBundleRoot, valueOf, type MockRun } from './harness';
import { YANDEX_PROVIDER_VERSION } from '../common/yandex';

let platform: Platform;
let run: MockRun;
let stackDirs: Record<'edge' | 'harbor' | 'jenkins' | 'shagram', string>;

beforeAll(async () => {
  // Fixture stack folders, plus local-only files that must never be shipped.
  const src = join(tmpBundleRoot(), 'src');
  cpSync(FIXTURE_STACKS, src, { recursive: true });
  writeFileSync(join(src, 'chat', '.env'), 'JWT_SECRET=local-only\n');
  mkdirSync(join(src, 'nginx', 'tls'));
  writeFileSync(join(src, 'nginx', 'tls', 'privkey.pem'), 'local key\n');
  stackDirs = { edge: join(src, 'nginx'), harbor: join(src, 'harbor'), jenkins: join(src, 'jenkins'), shagram: join(src, 'chat') };
  const cfg = prodConfig();
  ({ platform, run } = await runMocked(cfg, ['shagram:sshPrivateKey', 'shagram:jwtSecret'], () =>
    runVpsProgram({ bundleRoot: tmpBundleRoot(), stackDirs }),
  ));
});

const byName = (name: string) => {
  const r = run.resources.find((x) => x.name === name);
  if (!r) throw new Error(`no resource ${name}; have ${run.resources.map((x) => x.name).join(', ')}`);
  return r;
};

/** URNs a resource depends on, transitively, through the dependencies the engine receives. */
function dependsTransitively(name: string): Set<string> {
  const seen = new Set<string>();
  const visit = (urn: string) => {
    const r = run.resources.find((x) => x.urn === urn);
    if (!r) return;
    for (const d of r.dependencies) {
      if (!seen.has(d)) {
        seen.add(d);
        visit(d);
      }
    }
  };
  visit(byName(name).urn);
  return seen;
}

describe('Yandex resources', () => {
  test('every Yandex resource and invoke passed the provider schema and pins version 0.13.0', () => {
    expect(run.schemaErrors).toEqual([]);
    const yandex = run.resources.filter((r) => r.type.startsWith('yandex:'));
    expect(yandex.map((r) => r.type).sort()).toEqual([
      'yandex:index/computeInstance:ComputeInstance',
      'yandex:index/vpcAddress:VpcAddress',
      'yandex:index/vpcNetwork:VpcNetwork',
      'yandex:index/vpcSecurityGroup:VpcSecurityGroup',
      'yandex:index/vpcSubnet:VpcSubnet',
    ]);
    for (const r of yandex) expect(r.version).toBe(YANDEX_PROVIDER_VERSION);
    const image = run.invokes.filter((i) => i.token === 'yandex:index/getComputeImage:getComputeImage');
    expect(image).toHaveLength(1);
    expect(image[0]!.version).toBe('0.13.0');
    expect(image[0]!.inputs).toEqual({ family: 'ubuntu-2404-lts', folderId: 'standard-images' });
  });

  test('security group: 22 only from the admin CIDRs and the VPS itself (Jenkins), 80/443 from anywhere, nothing else in', () => {
    const sg = byName('shagram-sg').inputs;
    expect(sg.networkId).toBe('shagram-net-id');
    expect(sg.ingresses).toEqual([
      { protocol: 'TCP', port: 22, v4CidrBlocks: ['198.51.100.7/32', '203.0.113.0/28', '203.0.113.10/32'] },
      { protocol: 'TCP', port: 80, v4CidrBlocks: ['0.0.0.0/0'] },
      { protocol: 'TCP', port: 443, v4CidrBlocks: ['0.0.0.0/0'] },
    ]);
    expect(sg.egresses).toEqual([{ protocol: 'ANY', fromPort: 0, toPort: 65535, v4CidrBlocks: ['0.0.0.0/0'] }]);
  });

  test('instance: sizing from config, Ubuntu LTS image, static NAT IP, security group, preemptible, cloud-init', () => {
    const vm = byName('shagram-vm').inputs;
    expect(vm.resources).toEqual({ cores: 4, memory: 8, coreFraction: 50 });
    expect(vm.bootDisk).toEqual({ autoDelete: true, initializeParams: { imageId: 'fd8ubuntuimage', size: 60, type: 'network-ssd' } });
    expect(vm.zone).toBe('ru-central1-b');
    expect(vm.folderId).toBe('b1gabcdefghijklmnopq');
    expect(vm.schedulingPolicy).toEqual({ preemptible: true });
    expect(vm.networkInterfaces).toEqual([
      { subnetId: 'shagram-subnet-id', nat: true, natIpAddress: '203.0.113.10', securityGroupIds: ['shagram-sg-id'] },
    ]);
    const ud: string = vm.metadata['user-data'];
    expect(ud.startsWith('#cloud-config\n')).toBe(true);
    expect(ud).toContain('ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAITestKeyOnly deploy@test');
    expect(ud).toContain('docker-compose-plugin');
    expect(ud).not.toContain('PRIVATE KEY');
    expect(byName('shagram-subnet').inputs).toMatchObject({ zone: 'ru-central1-b', v4CidrBlocks: ['10.10.0.0/24'] });
    expect(byName('shagram-ip').inputs.externalIpv4Address).toEqual({ zoneId: 'ru-central1-b' });
  });
});

describe('remote commands', () => {
  test('the host wait runs over SSH to the static IP as the deploy user', () => {
    const wait = byName('host-wait').inputs;
    expect(wait.create).toContain('cloud-init status --wait');
    expect(wait.create).toContain('docker info');
    expect(wait.create).toContain("node -p 'process.versions.node'");
    expect(wait.create.trim().split('\n').pop()).toBe('echo "host-ready: ok"');
    expect(wait.connection).toMatchObject({ host: '203.0.113.10', port: 22, user: 'deploy' });
    expect(wait.triggers).toEqual(['shagram-vm-id']);
  });

  test.each([
    ['edge', '/opt/shagram/stacks/edge'],
    ['harbor', '/opt/shagram/stacks/harbor'],
    ['jenkins', '/opt/shagram/stacks/jenkins'],
    ['shagram', '/opt/shagram/stacks/shagram'],
  ])('%s: lifecycle, stage, upload and deploy with content-hash triggers', async (name, dir) => {
    const lifecycle = byName(`${name}-lifecycle`).inputs;
    expect(lifecycle.create).toContain(`mkdir -p '${dir}'`);
    expect(lifecycle.delete).toContain('compose down --remove-orphans');
    expect(lifecycle.delete).not.toMatch(/down[^\n]*(-v|--volumes)/);
    expect(lifecycle.triggers).toBeUndefined();

    const hash = platform.stacks[name as 'harbor'].upload;
    expect(hash).toBeDefined();
    const stage = byName(`${name}-stage`).inputs;
    const upload = byName(`${name}-upload`).inputs;
    const deploy = byName(`${name}-deploy`).inputs;
    expect(stage.triggers).toHaveLength(1);
    expect(stage.triggers[0]).toMatch(/^[0-9a-f]{64}$/);
    expect(upload.triggers).toEqual(stage.triggers);
    // One archive file to a path the stage step just removed: @pulumi/command writes a file source to a missing
    // path exactly there (copyController.go sftpCopy), and tar keeps the modes inside.
    expect(upload.remotePath).toBe(`/opt/shagram/incoming/${name}.tar.gz`);
    expect(platform.stacks[name as 'edge'].bundle.archive).toMatch(new RegExp(`/${name}\\.tar\\.gz$`));
    const source = await valueOf(platform.stacks[name as 'edge'].upload.source);
    expect(source).toBeInstanceOf(pulumi.asset.FileAsset);
    expect(await (source as pulumi.asset.FileAsset).path).toBe(platform.stacks[name as 'edge'].bundle.archive);
    expect(stage.create).toContain(`rm -f '/opt/shagram/incoming/${name}.tar.gz'`);
    expect(deploy.create).toContain(`tar -xzf '/opt/shagram/incoming/${name}.tar.gz'`);
    expect(deploy.triggers[0]).toBe(stage.triggers[0]);
    // Only the stack that runs the app image re-deploys for a new tag.
    expect(deploy.triggers[1]).toBe(name === 'shagram' ? '0123456789ab' : '');
    expect(deploy.create).toContain('--wait');
    expect(deploy.create).toContain('up -d --wait --wait-timeout');
    expect(deploy.create).toContain('--remove-orphans');
    expect(deploy.create).toContain({ harbor: './install', jenkins: 'compose build', edge: 'compose pull', shagram: 'registry_login' }[name]);
    expect(deploy.addPreviousOutputInEnv).toBe(false);
  });

  test('the stack bundles leave local secrets behind, and the four hashes differ', () => {
    expect(platform.stacks.edge.bundle.files).toEqual(['compose.yaml', 'templates/chat.conf.template']);
    expect(platform.stacks.shagram.bundle.files).toEqual(['compose.yaml']);
    // Harbor's bundle carries the installer wrapper's one bundled file (run with the host's Node, no checkout).
    expect(platform.stacks.harbor.bundle.files).toEqual(['docker-compose.yml', 'install', 'install.cjs']);
    const hashes = ['edge', 'harbor', 'jenkins', 'shagram'].map((n) => byName(`${n}-stage`).inputs.triggers[0]);
    expect(new Set(hashes).size).toBe(4);
  });

  test('no command line carries a secret: every secret reaches the host on stdin', () => {
    const secrets = ['Mockjenkinsadminpassword', 'Mockharboradminpassword', 'Mockharborrobotsecret', 'jwt-secret-from-config', 'not-a-real-key'];
    for (const r of run.resources.filter((x) => x.type.startsWith('command:'))) {
      for (const field of ['create', 'update', 'delete']) {
        const text = String(r.inputs[field] ?? '');
        for (const s of secrets) expect(text).not.toContain(s);
      }
      expect(r.inputs.environment).toBeUndefined();
    }
    const stdin: string = byName('shagram-deploy').inputs.stdin;
    expect(stdin).toContain("JWT_SECRET='jwt-secret-from-config-0123456789abcdef'");
    expect(stdin).toContain("APP_IMAGE='registry.shagram.test/shagram/shagram:0123456789ab'");
    expect(stdin).toContain("WS_ALLOWED_ORIGINS='https://chat.shagram.test'");
    expect(stdin).toContain("REGISTRY_USERNAME='robot$shagram+ci'");
    expect(stdin).toMatch(/REGISTRY_PASSWORD='Mockharborrobotsecret/);
    expect(byName('edge-deploy').inputs.stdin).toContain("COMPOSE_PROFILES='letsencrypt'");
    // Every variable a compose secret of the Jenkins stack reads is present (Compose v2 refuses a missing one).
    const jenkinsEnv: string = byName('jenkins-deploy').inputs.stdin;
    for (const v of ['PULUMI_CONFIG_PASSPHRASE', 'PULUMI_ACCESS_TOKEN', 'YC_SA_KEY_JSON_BASE64', 'VPS_SSH_PRIVATE_KEY_BASE64', 'JENKINS_ADMIN_PASSWORD', 'GITHUB_WEBHOOK_SECRET', 'HARBOR_ROBOT_SECRET']) {
      expect(jenkinsEnv).toMatch(new RegExp(`^${v}='`, 'm'));
    }
    expect(jenkinsEnv).toContain(`VPS_SSH_PRIVATE_KEY_BASE64='${Buffer.from(TEST_PRIVATE_KEY).toString('base64')}'`);
    expect(byName('harbor-deploy').inputs.stdin).toMatch(/HARBOR_ADMIN_PASSWORD='Mockharboradminpassword/);
    expect(byName('harbor-deploy').inputs.stdin).toContain(`HARBOR_INSTALLER_SHA256='${HARBOR_SHA256}'`);
    expect(byName('jenkins-deploy').inputs.stdin).toMatch(/JENKINS_ADMIN_PASSWORD='Mockjenkinsadminpassword/);
  });
});

describe('image and order', () => {
  test('the app image is built from app/Dockerfile, tagged with the git SHA and pushed to Harbor', () => {
    const img = byName('app-image').inputs;
    expect(img.imageName).toBe('registry.shagram.test/shagram/shagram:0123456789ab');
    expect(img.build).toMatchObject({ dockerfile: expect.stringMatching(/\/app\/Dockerfile$/) });
    expect(img.registry).toMatchObject({ server: 'registry.shagram.test', username: 'admin' });
  });

  test('order: VPS → host ready → edge → harbor → image push → jenkins → shagram', () => {
    const urn = (n: string) => byName(n).urn;
    expect(dependsTransitively('host-wait').has(urn('shagram-vm'))).toBe(true);
    expect(dependsTransitively('edge-lifecycle').has(urn('host-wait'))).toBe(true);
    expect(dependsTransitively('harbor-lifecycle').has(urn('edge-deploy'))).toBe(true);
    expect(dependsTransitively('edge-deploy').has(urn('harbor-lifecycle'))).toBe(false);
    expect(dependsTransitively('app-image').has(urn('harbor-deploy'))).toBe(true);
    expect(dependsTransitively('jenkins-lifecycle').has(urn('app-image'))).toBe(true);
    expect(dependsTransitively('shagram-lifecycle').has(urn('app-image'))).toBe(true);
    expect(dependsTransitively('shagram-lifecycle').has(urn('jenkins-deploy'))).toBe(true);
    // Within a stack: lifecycle → stage → upload → deploy.
    expect(dependsTransitively('shagram-deploy').has(urn('shagram-upload'))).toBe(true);
    expect(dependsTransitively('shagram-upload').has(urn('shagram-stage'))).toBe(true);
    expect(dependsTransitively('shagram-stage').has(urn('shagram-lifecycle'))).toBe(true);
    // And not the other way round.
    expect(dependsTransitively('harbor-deploy').has(urn('app-image'))).toBe(false);
    expect(dependsTransitively('jenkins-deploy').has(urn('shagram-lifecycle'))).toBe(false);
  });
});

describe('secrets and outputs', () => {
  test('every secret value is a Pulumi secret', async () => {
    for (const s of Object.values(platform.stacks)) {
      expect(await pulumi.isSecret(s.envContent)).toBe(true);
      expect(await pulumi.isSecret(s.deploy.stdin)).toBe(true);
    }
    expect(await pulumi.isSecret(platform.ready.wait.connection)).toBe(true);
    // As the engine receives them: secret envelopes.
    for (const n of ['edge', 'harbor', 'jenkins', 'shagram']) expect(isSecretEnvelope(byName(`${n}-deploy`).raw.stdin)).toBe(true);
    expect(isSecretEnvelope(byName('host-wait').raw.connection.privateKey) || isSecretEnvelope(byName('host-wait').raw.connection)).toBe(true);
    for (const n of ['jwt-secret', 'harbor-admin-password']) {
      const r = run.resources.find((x) => x.name === n);
      if (n === 'jwt-secret') expect(r).toBeUndefined(); // set in config: no random one
      else expect(r?.type).toBe('random:index/randomPassword:RandomPassword');
    }
    expect(isSecretEnvelope(byName('app-image').raw.registry) || isSecretEnvelope(byName('app-image').raw.registry?.password)).toBe(true);
  });

  test('outputs: public IP, chat URL, Jenkins URL, registry host, image; none secret, none holding a secret', async () => {
    const values: Record<string, unknown> = {};
    for (const [k, o] of Object.entries(platform.outputs)) {
      expect(await pulumi.isSecret(o)).toBe(false);
      values[k] = await valueOf(o);
    }
    expect(values).toEqual({
      publicIp: '203.0.113.10',
      chatUrl: 'https://chat.shagram.test/',
      jenkinsUrl: 'https://jenkins.shagram.test/',
      registryHost: 'registry.shagram.test',
      appImage: 'registry.shagram.test/shagram/shagram:0123456789ab',
    });
    expect(JSON.stringify(values)).not.toContain(TEST_PRIVATE_KEY.slice(0, 20));
  });
});

test('components are ComponentResources with their own types', () => {
  const types = new Set(run.resources.map((r) => r.type));
  for (const t of ['shagram:infra:YandexVps', 'shagram:infra:HostReady', 'shagram:infra:ComposeStack', 'shagram:infra:AppImage']) {
    expect(types.has(t)).toBe(true);
  }
  expect(prodConfig()['shagram:imageTag']).toHaveLength(20);
});

test('the program passes its own policy pack checks', async () => {
  const { sshOpenToWorld, bootDiskTooSmall, plaintextSecretOutputs } = await import('../policy/rules');
  expect(sshOpenToWorld(byName('shagram-sg').inputs.ingresses)).toEqual([]);
  expect(bootDiskTooSmall(byName('shagram-vm').inputs)).toEqual([]);
  const outputs: Record<string, unknown> = {};
  for (const [k, o] of Object.entries(platform.outputs)) outputs[k] = await valueOf(o);
  expect(plaintextSecretOutputs(outputs)).toEqual([]);
});

test("the pipeline's --exclude list names exactly the Jenkins stack's resources as the program registers them", async () => {
  const { composeStackUrns } = await import('../../scripts/ci/src/deploy-plan');
  const registered = run.resources.filter((r) => r.type.startsWith('command:') && r.name.startsWith('jenkins-')).map((r) => r.urn);
  expect(registered).toHaveLength(4);
  expect(composeStackUrns('test', 'jenkins').sort()).toEqual([...registered].sort());
});

test('the host tools are uploaded as one archive and installed after the host is ready; no stack waits for them', () => {
  const upload = byName('host-tools-upload').inputs;
  const install = byName('host-tools-install').inputs;
  expect(upload.remotePath).toBe('/opt/shagram/incoming/host-tools.tar.gz');
  expect(install.triggers).toEqual(upload.triggers);
  expect(install.create).toContain('/opt/shagram/tools');
  expect(dependsTransitively('host-tools-upload').has(byName('host-wait').urn)).toBe(true);
  expect(dependsTransitively('host-tools-install').has(byName('host-tools-upload').urn)).toBe(true);
  for (const stack of ['edge', 'harbor', 'jenkins', 'shagram']) expect(dependsTransitively(`${stack}-deploy`).has(byName('host-tools-install').urn)).toBe(false);
});

test("with Let's Encrypt the image push waits for the edge's trusted certificate; Harbor does not", () => {
  const gate = byName('edge-certificate').inputs;
  expect(gate.create).toContain('--resolve "$h:443:127.0.0.1"');
  expect(gate.create).toContain("'chat.shagram.test' 'jenkins.shagram.test' 'registry.shagram.test'");
  expect(dependsTransitively('edge-certificate').has(byName('edge-deploy').urn)).toBe(true);
  expect(dependsTransitively('app-image').has(byName('edge-certificate').urn)).toBe(true);
  expect(dependsTransitively('harbor-deploy').has(byName('edge-certificate').urn)).toBe(false);
});
