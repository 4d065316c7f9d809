/** The program with the dev configuration: an existing host over SSH, no cloud resources, no image push. */
import * as pulumi from '@pulumi/pulumi';
import type { Platform } from '../vps/platform';
import { runVpsProgram } from '../vps/program';
import { devConfig, fixtureStackDirs, runMocked, tmpBundleRoot, valueOf, type MockRun } from './harness';

let platform: Platform;
let run: MockRun;

beforeAll(async () => {
  ({ platform, run } = await runMocked(devConfig(), ['shagram:sshPrivateKey'], () =>
    runVpsProgram({
      bundleRoot: tmpBundleRoot(),
      stackDirs: fixtureStackDirs(),
    }),
  ));
});

test('no cloud resources and no image build', () => {
  expect(run.resources.filter((r) => r.type.startsWith('yandex:'))).toEqual([]);
  expect(run.invokes).toEqual([]);
  expect(run.resources.find((r) => r.type.startsWith('docker:'))).toBeUndefined();
  expect(platform.vps).toBeUndefined();
});

test('every remote command connects to the configured host, port and user', () => {
  const commands = run.resources.filter((r) => r.type.startsWith('command:remote:'));
  // host-wait, host-tools upload + install, four resources per stack; no certificate wait without Let's Encrypt
  expect(commands).toHaveLength(1 + 2 + 4 * 4);
  expect(commands.find((c) => c.name === 'edge-certificate')).toBeUndefined();
  for (const c of commands) expect(c.inputs.connection).toMatchObject({ host: '192.0.2.10', port: 2222, user: 'ops' });
});

test('the Shagram stack deploys the configured tag; random secrets are generated for the unset ones', async () => {
  const deploy = run.resources.find((r) => r.name === 'shagram-deploy')!;
  expect(deploy.inputs.triggers[1]).toBe('abcdef1');
  expect(deploy.inputs.stdin).toContain("APP_IMAGE='registry.dev.test/shagram/shagram:abcdef1'");
  expect(run.resources.find((r) => r.name === 'edge-deploy')!.inputs.stdin).toContain("COMPOSE_PROFILES=''");
  expect(deploy.inputs.stdin).toMatch(/JWT_SECRET='Mockjwtsecret/);
  expect(run.resources.filter((r) => r.type === 'random:index/randomPassword:RandomPassword').map((r) => r.name).sort()).toEqual([
    'github-webhook-secret',
    'harbor-admin-password',
    'harbor-db-password',
    'harbor-robot-secret',
    'jenkins-admin-password',
    'jwt-secret',
  ]);
  expect(await pulumi.isSecret(platform.stacks.shagram.envContent)).toBe(true);
});

test('outputs: the existing host, the URLs and the image; none secret', async () => {
  expect(await valueOf(platform.outputs.publicIp)).toBe('192.0.2.10');
  expect(await valueOf(platform.outputs.chatUrl)).toBe('https://chat.dev.test/');
  expect(await valueOf(platform.outputs.appImage)).toBe('registry.dev.test/shagram/shagram:abcdef1');
  for (const o of Object.values(platform.outputs)) expect(await pulumi.isSecret(o)).toBe(false);
});

test('order without the image: edge before harbor before jenkins before shagram', () => {
  const r = (n: string) => run.resources.find((x) => x.name === n)!;
  const deps = (n: string) => r(n).dependencies;
  // Component dependsOn expands to the component's children.
  expect(deps('jenkins-lifecycle')).toContain(r('harbor-deploy').urn);
  expect(deps('shagram-lifecycle')).toContain(r('jenkins-deploy').urn);
  expect(deps('harbor-lifecycle')).toContain(r('edge-deploy').urn);
  expect(deps('edge-lifecycle')).toContain(r('host-wait').urn);
});
