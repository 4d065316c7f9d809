/* eslint-disable @typescript-eslint/no-require-imports -- jest module isolation and the SDK's untyped mock monitor need require() */
/** The entry module: its export is exactly the chosen program's outputs, and bad config stops it before any resource. */
import * as pulumi from '@pulumi/pulumi';
import { devConfig, prodConfig, requireEntry, runMockedOutputs, valueOf } from './harness';

const mocks: pulumi.runtime.Mocks = {
  newResource: (a) => ({ id: `${a.name}-id`, state: { ...a.inputs, result: 'x' } }),
  call: () => ({}),
};

test('a missing key fails at once, naming the key, before any resource is registered', async () => {
  const registered: string[] = [];
  await pulumi.runtime.setMocks({ ...mocks, newResource: (a) => (registered.push(a.name), mocks.newResource(a)) }, 'shagram', 'test', false);
  const cfg = devConfig();
  delete cfg['shagram:chatHost'];
  pulumi.runtime.setAllConfig(cfg, ['shagram:sshPrivateKey']);
  let error: unknown;
  jest.isolateModules(() => {
    try {
      require('../index');
    } catch (e) {
      error = e;
    }
  });
  expect(pulumi.RunError.isInstance(error)).toBe(true);
  expect((error as Error).message).toBe('invalid configuration: shagram:chatHost: is required (pulumi config set shagram:chatHost <value>)');
  expect(registered).toEqual([]);
});

test('a secret key given in plain text is refused', async () => {
  await pulumi.runtime.setMocks(mocks, 'shagram', 'test', false);
  pulumi.runtime.setAllConfig(devConfig(), []);
  expect(() => jest.isolateModules(() => require('../index'))).toThrow(/shagram:sshPrivateKey: is a secret/);
});

test('vps: the entry exports exactly the program\'s five outputs (dnsNameServers only for a zone the program created)', async () => {
  const { outputs } = await runMockedOutputs(devConfig(), ['shagram:sshPrivateKey'], requireEntry, 'test');
  expect(Object.keys(outputs).sort()).toEqual(['appImage', 'chatUrl', 'jenkinsUrl', 'publicIp', 'registryHost']);
  expect(await valueOf(outputs.registryHost!)).toBe('registry.dev.test');
  for (const o of Object.values(outputs)) expect(await pulumi.isSecret(o)).toBe(false);
});

test('vps with a Cloud DNS zone: the sixth output, dnsNameServers', async () => {
  const { outputs } = await runMockedOutputs({ ...prodConfig(), 'shagram:dnsZone': 'shagram.test' }, ['shagram:sshPrivateKey', 'shagram:jwtSecret'], requireEntry, 'prod');
  expect(Object.keys(outputs).sort()).toEqual(['appImage', 'chatUrl', 'dnsNameServers', 'jenkinsUrl', 'publicIp', 'registryHost']);
  expect(await valueOf(outputs.dnsNameServers!)).toEqual(['ns1.yandexcloud.net.', 'ns2.yandexcloud.net.']);
});

test('bootstrap: the entry exports the bootstrap program\'s six outputs, the two keys as secrets', async () => {
  const { outputs } = await runMockedOutputs({ 'yandex:folderId': 'b1gabcdefghijklmnopq', 'shagram:platform': 'bootstrap' }, [], requireEntry);
  expect(Object.keys(outputs).sort()).toEqual(['deployerKeyJson', 'deployerServiceAccountId', 'stateAccessKeyId', 'stateBackendUrl', 'stateBucket', 'stateSecretAccessKey']);
  const secret: string[] = [];
  for (const [key, o] of Object.entries(outputs)) if (await pulumi.isSecret(o)) secret.push(key);
  expect(secret.sort()).toEqual(['deployerKeyJson', 'stateSecretAccessKey']);
});
