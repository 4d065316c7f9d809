/* eslint-disable @typescript-eslint/no-require-imports -- jest module isolation and the SDK's untyped mock monitor need require() */
/** The entry module: its exports are exactly the documented outputs, and bad config stops it before any resource. */
import * as pulumi from '@pulumi/pulumi';
import { devConfig, fixtureStackDirs, runMocked, tmpBundleRoot, valueOf } from './harness';

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

test('the entry exports exactly the five outputs (an undefined export, such as dnsNameServers without a zone, is no output)', async () => {
  let exported: Record<string, pulumi.Output<unknown>> = {};
  const cfg = devConfig();
  await runMocked(cfg, ['shagram:sshPrivateKey'], () => {
    let platform: any;
    jest.isolateModules(() => {
      // The fixture stack folders keep this test independent of the real stacks' contents.
      jest.doMock('../program', () => {
        const real = jest.requireActual('../program');
        return { runProgram: () => real.runProgram({ bundleRoot: tmpBundleRoot(), stackDirs: fixtureStackDirs() }) };
      });
      exported = require('../index');
      platform = { outputs: exported, stacks: {}, ready: { wait: { id: pulumi.output('') } } };
    });
    return platform;
  });
  expect(Object.keys(exported).filter((k) => exported[k] !== undefined).sort()).toEqual(['appImage', 'chatUrl', 'jenkinsUrl', 'publicIp', 'registryHost']);
  expect(Object.keys(exported)).toContain('dnsNameServers');
  expect(await valueOf(exported.registryHost!)).toBe('registry.dev.test');
});
