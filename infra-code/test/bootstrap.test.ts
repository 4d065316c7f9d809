/**
 * The bootstrap program under mocks: every Yandex input is validated against the provider's schema (harness.ts);
 * the tests pin what each account may do, what the bucket is created with and in which order, and which outputs
 * are secrets.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import * as pulumi from '@pulumi/pulumi';
import { parse as parseYaml } from 'yaml';
import { parsePlatformKind } from '../common/platform-kind';
import { parseBootstrapConfig } from '../bootstrap/config';
import { DEPLOYER, STATE, authorizedKeyJson, bucketNameProblem, defaultStateBucket, stateBackendUrl } from '../bootstrap/plan';
import { createBootstrap } from '../bootstrap/program';
import { runMockedOutputs, valueOf, type MockRun } from './harness';

const FOLDER = 'b1gabcdefghijklmnopq';

describe('bootstrap configuration and plan (pure)', () => {
  test('the folder is required and checked; the bucket defaults to one named after it', () => {
    expect(() => parseBootstrapConfig({})).toThrow(/^yandex:folderId: is required/);
    expect(() => parseBootstrapConfig({ 'yandex:folderId': 'b1g' })).toThrow('yandex:folderId: must be a Yandex folder id (20 characters)');
    expect(parseBootstrapConfig({ 'yandex:folderId': FOLDER })).toEqual({ folderId: FOLDER, stateBucket: `shagram-state-${FOLDER}` });
    expect(parseBootstrapConfig({ 'yandex:folderId': FOLDER, 'shagram:stateBucket': 'team-state' }).stateBucket).toBe('team-state');
    expect(() => parseBootstrapConfig({ 'yandex:folderId': FOLDER, 'shagram:stateBucket': 'Team_State' })).toThrow(/^shagram:stateBucket: "Team_State" may hold only lowercase/);
  });

  test('stacks/Pulumi.bootstrap.yaml selects this program and parses', () => {
    const file = parseYaml(readFileSync(resolve(__dirname, '../../stacks/Pulumi.bootstrap.yaml'), 'utf8')) as { config: Record<string, string> };
    expect(parsePlatformKind(file.config)).toBe('bootstrap');
    expect(parseBootstrapConfig(file.config).stateBucket).toBe('shagram-state-b1g00000000000000000');
  });

  test.each([
    ['ab', 'must be 3 to 63 characters long'],
    ['a'.repeat(64), 'must be 3 to 63 characters long'],
    ['-abc', /^may hold only/],
    ['192.168.1.10', 'must not look like an IP address'],
  ])('bucket name %j refused', (name, reason) => {
    expect(bucketNameProblem(name)).toMatch(reason);
  });

  test('the backend URL is the one docs/bootstrap.md and CI use; the key file has yc\'s field names', () => {
    expect(stateBackendUrl(defaultStateBucket(FOLDER))).toBe(`s3://shagram-state-${FOLDER}?endpoint=storage.yandexcloud.net&region=ru-central1&s3ForcePathStyle=true`);
    expect(Object.keys(JSON.parse(authorizedKeyJson({ id: 'a', serviceAccountId: 'b', createdAt: 'c', keyAlgorithm: 'RSA_2048', publicKey: 'p', privateKey: 'k' })))).toEqual([
      'id',
      'service_account_id',
      'created_at',
      'key_algorithm',
      'public_key',
      'private_key',
    ]);
  });
});

describe('bootstrap program (mocks)', () => {
  let run: MockRun;
  let outputs: ReturnType<typeof createBootstrap>;
  const byType = (type: string) => run.resources.filter((r) => r.type === `yandex:index/${type}`);

  beforeAll(async () => {
    ({ outputs, run } = await runMockedOutputs({ 'yandex:folderId': FOLDER, 'shagram:platform': 'bootstrap' }, [], () => createBootstrap(parseBootstrapConfig({ 'yandex:folderId': FOLDER }))));
  });

  test('every input passes the provider schema', () => {
    expect(run.schemaErrors).toEqual([]);
  });

  test('two accounts, each with exactly its own roles on the folder (the deployer has no storage role, the state key nothing else)', () => {
    expect(byType('iamServiceAccount:IamServiceAccount').map((r) => [r.inputs.name, r.inputs.folderId])).toEqual([
      [DEPLOYER.name, FOLDER],
      [STATE.name, FOLDER],
    ]);
    const bindings = byType('resourcemanagerFolderIamMember:ResourcemanagerFolderIamMember').map((r) => `${r.inputs.member} ${r.inputs.role} ${r.inputs.folderId}`);
    expect(bindings).toEqual([
      `serviceAccount:${DEPLOYER.name}-id compute.editor ${FOLDER}`,
      `serviceAccount:${DEPLOYER.name}-id vpc.admin ${FOLDER}`,
      `serviceAccount:${DEPLOYER.name}-id dns.editor ${FOLDER}`,
      `serviceAccount:${STATE.name}-id storage.editor ${FOLDER}`,
    ]);
  });

  test('the bucket: private, versioned, created with the state key after its role is bound', () => {
    const [bucket] = byType('storageBucket:StorageBucket');
    expect(bucket?.inputs).toEqual({ bucket: `shagram-state-${FOLDER}`, accessKey: 'YCAJEmockaccesskey', secretKey: 'YCmocksecretkey', acl: 'private', forceDestroy: false, versioning: { enabled: true } });
    const storageBinding = byType('resourcemanagerFolderIamMember:ResourcemanagerFolderIamMember').find((r) => r.inputs.role === 'storage.editor');
    expect(bucket?.dependencies).toContain(storageBinding?.urn);
    const key = byType('iamServiceAccountStaticAccessKey:IamServiceAccountStaticAccessKey')[0];
    expect(bucket?.dependencies).toContain(key?.urn);
    expect(key?.inputs.serviceAccountId).toBe(`${STATE.name}-id`);
  });

  test('outputs: the backend URL and key id in the clear, the S3 secret and the deployer key file as secrets', async () => {
    expect(await valueOf(outputs.stateBackendUrl)).toBe(stateBackendUrl(`shagram-state-${FOLDER}`));
    expect(await valueOf(outputs.stateAccessKeyId)).toBe('YCAJEmockaccesskey');
    expect(await pulumi.isSecret(outputs.stateSecretAccessKey)).toBe(true);
    expect(await pulumi.isSecret(outputs.deployerKeyJson)).toBe(true);
    expect(await pulumi.isSecret(outputs.stateBackendUrl)).toBe(false);
    const key = JSON.parse(await valueOf(outputs.deployerKeyJson)) as Record<string, string>;
    expect(key).toMatchObject({ id: `${DEPLOYER.name}-key-id`, service_account_id: `${DEPLOYER.name}-id`, key_algorithm: 'RSA_2048' });
    expect(key.private_key).toContain('BEGIN PRIVATE KEY');
  });
});
