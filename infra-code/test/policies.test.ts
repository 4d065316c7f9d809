/** The policy pack's checks, on passing and failing inputs. */
import type { ResourceValidationPolicy, StackValidationPolicy } from '@pulumi/policy';
import { policies } from '../policy/policies';
import { bootDiskTooSmall, plaintextSecretOutputs, sshOpenToWorld } from '../policy/rules';
import { ingressRules } from '../plan/security-rules';

describe('no SSH open to the world', () => {
  test('our rules pass', () => {
    expect(sshOpenToWorld(ingressRules(['198.51.100.7/32']))).toEqual([]);
  });
  test.each([
    [{ protocol: 'TCP', port: 22, v4CidrBlocks: ['0.0.0.0/0'] }],
    [{ protocol: 'TCP', fromPort: 1, toPort: 1024, v4CidrBlocks: ['0.0.0.0/0'] }],
    [{ protocol: 'ANY', v4CidrBlocks: ['0.0.0.0/0'] }],
    [{ protocol: 'TCP', port: 22, v6CidrBlocks: ['::/0'] }],
  ])('flags %j', (rule) => {
    expect(sshOpenToWorld([rule])).toHaveLength(1);
  });
  test.each([
    [{ protocol: 'TCP', port: 443, v4CidrBlocks: ['0.0.0.0/0'] }],
    [{ protocol: 'UDP', port: 22, v4CidrBlocks: ['0.0.0.0/0'] }],
    [{ protocol: 'TCP', fromPort: 23, toPort: 65535, v4CidrBlocks: ['0.0.0.0/0'] }],
  ])('allows %j', (rule) => {
    expect(sshOpenToWorld([rule])).toEqual([]);
  });
});

test('boot disk of at least 20 GB', () => {
  expect(bootDiskTooSmall({ bootDisk: { initializeParams: { size: 20 } } })).toEqual([]);
  expect(bootDiskTooSmall({ bootDisk: { initializeParams: { size: 19 } } })).toEqual(['the boot disk is 19 GB; it must be at least 20 GB']);
  expect(bootDiskTooSmall({})).toEqual(['the boot disk size is not set; set at least 20 GB']);
});

test('no plaintext secret outputs', () => {
  expect(plaintextSecretOutputs({ publicIp: '203.0.113.1', chatUrl: 'https://chat.t/', registryHost: 'reg.t', appImage: 'reg.t/x:1' })).toEqual([]);
  expect(plaintextSecretOutputs({ adminPassword: 'hunter2' })).toEqual(['output adminPassword looks like a secret and is not marked secret']);
  expect(plaintextSecretOutputs({ creds: { token: 'abc' } })).toEqual(['output creds.token looks like a secret and is not marked secret']);
  expect(plaintextSecretOutputs({ key: '-----BEGIN OPENSSH PRIVATE KEY-----\nx' })).toEqual(['output key holds a private key in plain text']);
  expect(plaintextSecretOutputs({ adminPassword: { '4dabf18193072939515e22adb298388d': '1b47061264138c4ac30d75fd1eb44270', value: 'x' } })).toEqual([]);
});

describe('the pack wiring', () => {
  const byName = (n: string) => policies.find((p) => p.name === n)!;
  const resourceArgs = (type: string, props: Record<string, unknown>) => ({ type, props, urn: 'urn:x', name: 'x' }) as never;

  test('all three policies are mandatory', () => {
    expect(policies.map((p) => [p.name, p.enforcementLevel])).toEqual([
      ['no-ssh-open-to-world', 'mandatory'],
      ['boot-disk-min-size', 'mandatory'],
      ['no-plaintext-secret-outputs', 'mandatory'],
    ]);
  });

  test('resource policies report on their resource type only', () => {
    const ssh = byName('no-ssh-open-to-world') as ResourceValidationPolicy;
    const disk = byName('boot-disk-min-size') as ResourceValidationPolicy;
    const reports: string[] = [];
    const report = (m: string) => reports.push(m);
    const open = { ingresses: [{ protocol: 'TCP', port: 22, v4CidrBlocks: ['0.0.0.0/0'] }] };
    (ssh.validateResource as (a: never, r: typeof report) => void)(resourceArgs('yandex:index/vpcSecurityGroup:VpcSecurityGroup', open), report);
    (ssh.validateResource as (a: never, r: typeof report) => void)(resourceArgs('other:Type', open), report);
    (disk.validateResource as (a: never, r: typeof report) => void)(
      resourceArgs('yandex:index/computeInstance:ComputeInstance', { bootDisk: { initializeParams: { size: 10 } } }),
      report,
    );
    expect(reports).toHaveLength(2);
    expect(reports[0]).toContain('SSH (port 22) is open to the whole internet');
    expect(reports[1]).toBe('the boot disk is 10 GB; it must be at least 20 GB');
  });

  test('the stack policy reads the Stack resource outputs', () => {
    const stack = byName('no-plaintext-secret-outputs') as StackValidationPolicy;
    const reports: [string, string | undefined][] = [];
    stack.validateStack(
      { resources: [{ type: 'pulumi:pulumi:Stack', urn: 'urn:stack', props: { jwtSecret: 'plain' } }, { type: 'x', urn: 'u', props: { password: 'p' } }] } as never,
      (m, urn) => reports.push([m, urn]),
    );
    expect(reports).toEqual([['output jwtSecret looks like a secret and is not marked secret', 'urn:stack']]);
  });
});
