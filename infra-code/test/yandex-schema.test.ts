/** The schema validator itself, and that a bad input fails the mocked registration. */
import { loadYandexSchema, validateInvokeInputs, validateResourceInputs } from './yandex-schema';
import * as yandex from '../common/yandex';
import { schemaCheckingMocks, type MockRun } from './harness';

const schema = loadYandexSchema();
const SUBNET = 'yandex:index/vpcSubnet:VpcSubnet';

test('valid inputs pass', () => {
  expect(validateResourceInputs(schema, SUBNET, { networkId: 'n', v4CidrBlocks: ['10.0.0.0/24'], zone: 'ru-central1-a' })).toEqual([]);
});

test('unknown property, missing required input, wrong type and nested errors are reported', () => {
  expect(validateResourceInputs(schema, SUBNET, { networkId: 'n', v4CidrBlocks: [], cidr: 'x' })).toEqual([`${SUBNET}.cidr: unknown property`]);
  expect(validateResourceInputs(schema, SUBNET, { networkId: 'n' })).toEqual([`${SUBNET}.v4CidrBlocks: required input missing`]);
  expect(validateResourceInputs(schema, SUBNET, { networkId: 'n', v4CidrBlocks: [1] })).toEqual([`${SUBNET}.v4CidrBlocks[0]: expected a string, got 1`]);
  const vm = 'yandex:index/computeInstance:ComputeInstance';
  expect(
    validateResourceInputs(schema, vm, {
      resources: { cores: 2.5, memory: 4 },
      bootDisk: { initializeParams: { sizeGb: 20 } },
      networkInterfaces: [{ nat: true }],
    }),
  ).toEqual([
    `${vm}.resources.cores: expected an integer, got 2.5`,
    `${vm}.bootDisk.initializeParams.sizeGb: unknown property`,
    `${vm}.networkInterfaces[0].subnetId: required input missing`,
  ]);
  expect(validateResourceInputs(schema, 'yandex:index/nope:Nope', {})).toEqual(['yandex:index/nope:Nope: not a resource of the provider schema']);
  expect(validateInvokeInputs(schema, yandex.GET_COMPUTE_IMAGE, { family: 'x', os: 'linux' })).toEqual([`${yandex.GET_COMPUTE_IMAGE}.os: unknown property`]);
});

test('every binding class uses a type token of the schema', () => {
  for (const cls of [yandex.VpcNetwork, yandex.VpcSubnet, yandex.VpcSecurityGroup, yandex.VpcAddress, yandex.ComputeInstance]) {
    expect(Object.keys(schema.resources)).toContain(cls.__pulumiType);
  }
  expect(Object.keys(schema.functions)).toContain(yandex.GET_COMPUTE_IMAGE);
});

test('inside the mocks, a resource with an unknown property or a missing input fails its registration', () => {
  const rec: MockRun = { resources: [], invokes: [], schemaErrors: [] };
  const mocks = schemaCheckingMocks(rec);
  const base = { provider: '', custom: true, id: undefined };
  expect(() => mocks.newResource({ ...base, type: SUBNET, name: 'bad', inputs: { networkId: 'n', v4CidrBlocks: ['10.0.0.0/24'], cidr: 'x' } })).toThrow(
    `schema: ${SUBNET}.cidr: unknown property`,
  );
  expect(() => mocks.newResource({ ...base, type: 'yandex:index/vpcSecurityGroup:VpcSecurityGroup', name: 'missing', inputs: {} })).toThrow(
    'networkId: required input missing',
  );
  expect(() => mocks.call({ token: yandex.GET_COMPUTE_IMAGE, inputs: { family: 'ubuntu-2404-lts', os: 'linux' }, provider: '' })).toThrow('os: unknown property');
  expect(rec.schemaErrors).toHaveLength(3);
  // A valid one passes and echoes its inputs as state.
  const ok = mocks.newResource({ ...base, type: SUBNET, name: 'ok', inputs: { networkId: 'n', v4CidrBlocks: ['10.0.0.0/24'] } }) as { id: string; state: unknown };
  expect(ok).toEqual({ id: 'ok-id', state: { networkId: 'n', v4CidrBlocks: ['10.0.0.0/24'] } });
});
