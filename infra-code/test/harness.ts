/* eslint-disable @typescript-eslint/no-require-imports -- jest module isolation and the SDK's untyped mock monitor need require() */
/**
 * Runs the Pulumi program inside `pulumi.runtime.setMocks` and records every registration: type, name, inputs,
 * provider version, parent and dependencies. Every Yandex resource and invoke is validated against the provider
 * schema inside the mocks, so an unknown property or a missing required input fails the registration (and the test).
 */
import * as pulumi from '@pulumi/pulumi';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Platform } from '../vps/platform';
import { loadYandexSchema, validateInvokeInputs, validateResourceInputs } from './yandex-schema';

/** One registered resource. */
export interface Registered {
  type: string;
  name: string;
  urn: string;
  inputs: Record<string, any>;
  /** The inputs as received, secret envelopes included. */
  raw: Record<string, any>;
  version: string;
  parent: string;
  dependencies: string[];
}

/** One function call. */
export interface Invoked {
  token: string;
  inputs: Record<string, any>;
  version: string;
}

/** What a mocked run recorded. */
export interface MockRun {
  resources: Registered[];
  invokes: Invoked[];
  schemaErrors: string[];
}

/** Folder of the fixture stack folders (used when the real ones are not there yet). */
export const FIXTURE_STACKS = resolve(__dirname, 'fixtures', 'stacks');

/** The fixture stack folders by stack name. */
export function fixtureStackDirs(): { edge: string; harbor: string; jenkins: string; shagram: string } {
  return { edge: join(FIXTURE_STACKS, 'nginx'), harbor: join(FIXTURE_STACKS, 'harbor'), jenkins: join(FIXTURE_STACKS, 'jenkins'), shagram: join(FIXTURE_STACKS, 'chat') };
}

/** A throwaway PEM-looking private key for tests (not a key). */
export const TEST_PRIVATE_KEY = '-----BEGIN OPENSSH PRIVATE KEY-----\nnot-a-real-key-test-fixture\n-----END OPENSSH PRIVATE KEY-----\n';

const schema = loadYandexSchema();
const mocksModule = require('@pulumi/pulumi/runtime/mocks') as { MockMonitor: { prototype: any } };

let current: MockRun = { resources: [], invokes: [], schemaErrors: [] };

// Record what MockResourceArgs leaves out (version, parent, dependencies) by wrapping the mock monitor once.
const proto = mocksModule.MockMonitor.prototype;
if (!proto.__shagramWrapped) {
  const register = proto.registerResource;
  proto.registerResource = function (req: any, cb: any) {
    const urn: string = this.newUrn(req.getParent(), req.getType(), req.getName());
    current.resources.push({
      type: req.getType(),
      name: req.getName(),
      urn,
      inputs: {},
      raw: {},
      version: req.getVersion(),
      parent: req.getParent(),
      dependencies: req.getDependenciesList(),
    });
    return register.call(this, req, cb);
  };
  const invoke = proto.invoke;
  proto.invoke = function (req: any, cb: any) {
    current.invokes.push({ token: req.getTok(), inputs: {}, version: req.getVersion() });
    return invoke.call(this, req, cb);
  };
  proto.__shagramWrapped = true;
}

const SECRET_SIG = '4dabf18193072939515e22adb298388d';

/** Replaces the mock monitor's secret envelopes `{<sig>: <secret>, value}` with their values. */
export function unwrapSecrets(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(unwrapSecrets);
  if (v && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    if (o[SECRET_SIG] === '1b47061264138c4ac30d75fd1eb44270') return unwrapSecrets(o.value);
    return Object.fromEntries(Object.entries(o).map(([k, x]) => [k, unwrapSecrets(x)]));
  }
  return v;
}

/** True when the value (as the mock monitor received it) is a secret envelope. */
export function isSecretEnvelope(v: unknown): boolean {
  return !!v && typeof v === 'object' && (v as Record<string, unknown>)[SECRET_SIG] === '1b47061264138c4ac30d75fd1eb44270';
}

function computedState(type: string, name: string, inputs: Record<string, any>): Record<string, any> {
  switch (type) {
    case 'random:index/randomPassword:RandomPassword':
      return { ...inputs, result: `Mock${name.replace(/[^A-Za-z0-9]/g, '')}Aa11Bb22Cc33Dd44` };
    case 'yandex:index/vpcAddress:VpcAddress':
      return { ...inputs, externalIpv4Address: { ...inputs.externalIpv4Address, address: '203.0.113.10' } };
    case 'yandex:index/iamServiceAccountKey:IamServiceAccountKey':
      return { ...inputs, createdAt: '2026-12-05T10:00:00Z', publicKey: '-----BEGIN PUBLIC KEY-----\nmock\n-----END PUBLIC KEY-----\n', privateKey: 'PLEASE DO NOT REMOVE THIS LINE! Yandex.Cloud SA Key ID <mock>\n-----BEGIN PRIVATE KEY-----\nmock\n-----END PRIVATE KEY-----\n' };
    case 'yandex:index/iamServiceAccountStaticAccessKey:IamServiceAccountStaticAccessKey':
      return { ...inputs, accessKey: 'YCAJEmockaccesskey', secretKey: 'YCmocksecretkey' };
    case 'docker:index/image:Image':
      return { ...inputs, repoDigest: `${inputs.imageName}@sha256:${'0'.repeat(64)}` };
    default:
      return inputs;
  }
}

/** The mocks: record inputs, validate every Yandex registration and invoke against the schema (throwing on error). */
export function schemaCheckingMocks(rec: MockRun): pulumi.runtime.Mocks {
  return {
    newResource(args: pulumi.runtime.MockResourceArgs) {
      const r = rec.resources.find((x) => x.type === args.type && x.name === args.name);
      if (r) r.raw = args.inputs;
      if (r) r.inputs = unwrapSecrets(args.inputs) as Record<string, any>;
      if (args.type.startsWith('yandex:')) {
        const errors = validateResourceInputs(schema, args.type, unwrapSecrets(args.inputs) as Record<string, any>);
        if (errors.length) {
          rec.schemaErrors.push(...errors);
          throw new Error(`schema: ${errors.join('; ')}`);
        }
      }
      return { id: `${args.name}-id`, state: computedState(args.type, args.name, args.inputs) };
    },
    call(args: pulumi.runtime.MockCallArgs) {
      const inv = [...rec.invokes].reverse().find((x) => x.token === args.token);
      if (inv) inv.inputs = args.inputs;
      if (args.token.startsWith('yandex:')) {
        const errors = validateInvokeInputs(schema, args.token, args.inputs);
        if (errors.length) {
          rec.schemaErrors.push(...errors);
          throw new Error(`schema: ${errors.join('; ')}`);
        }
        return { id: 'fd8ubuntuimage', imageId: 'fd8ubuntuimage', family: args.inputs.family, minDiskSize: 8, folderId: 'standard-images' };
      }
      throw new Error(`unexpected invoke ${args.token}`);
    },
  };
}

/** Sets config and mocks, runs the program and waits until every resource is registered. */
export async function runMocked(
  config: Record<string, string>,
  secretKeys: string[],
  run: () => Platform,
): Promise<{ platform: Platform; run: MockRun }> {
  current = { resources: [], invokes: [], schemaErrors: [] };
  const rec = current;
  await pulumi.runtime.setMocks(schemaCheckingMocks(rec), 'shagram', 'test', false);
  pulumi.runtime.setAllConfig(config, secretKeys);
  const platform = run();
  await settle(platform);
  return { platform, run: rec };
}

function promise<T>(o: pulumi.Output<T>): Promise<T> {
  return new Promise((res) => o.apply((v) => res(v)));
}

/** Waits for the outputs and every stack's deploy, so every registration has happened. */
async function settle(p: Platform): Promise<void> {
  const outs: pulumi.Output<unknown>[] = [
    ...Object.values(p.outputs).filter((o): o is pulumi.Output<unknown> => o !== undefined),
    p.ready.wait.id,
    ...Object.values(p.stacks).flatMap((s) => [s.deploy.id, s.deploy.stdin, s.lifecycle.id, s.upload.id]),
  ];
  if (p.image) outs.push(p.image.image.id);
  if (p.vps) outs.push(p.vps.instance.id);
  if (p.githubWebhook) outs.push(p.githubWebhook.hook.id);
  await Promise.all(outs.map(promise));
  await new Promise((r) => setImmediate(r));
}

/** Sets config and mocks (stack `stack`), runs a program that returns outputs only, and waits for them. */
export async function runMockedOutputs<T extends { [K in keyof T]?: pulumi.Output<unknown> }>(
  config: Record<string, string>,
  secretKeys: string[],
  run: () => T,
  stack = 'bootstrap',
): Promise<{ outputs: T; run: MockRun }> {
  current = { resources: [], invokes: [], schemaErrors: [] };
  const rec = current;
  await pulumi.runtime.setMocks(schemaCheckingMocks(rec), 'shagram', stack, false);
  pulumi.runtime.setAllConfig(config, secretKeys);
  const outputs = run();
  await Promise.all(Object.values<pulumi.Output<unknown> | undefined>(outputs).filter((o): o is pulumi.Output<unknown> => o !== undefined).map(promise));
  await new Promise((r) => setImmediate(r));
  return { outputs, run: rec };
}

/**
 * Loads the entry module (`infra-code/index.ts`) afresh, as Pulumi's runtime requires it, and returns its export:
 * the stack outputs of the program `shagram:platform` chose. The VPS program bundles the fixture stack folders here,
 * which keeps the entry's tests independent of the real stacks' contents.
 */
export function requireEntry(): Record<string, pulumi.Output<unknown>> {
  let exported: Record<string, pulumi.Output<unknown>> = {};
  jest.isolateModules(() => {
    jest.doMock('../vps/program', () => {
      const real = jest.requireActual<typeof import('../vps/program')>('../vps/program');
      return { ...real, runVpsProgram: () => real.runVpsProgram({ bundleRoot: tmpBundleRoot(), stackDirs: fixtureStackDirs() }) };
    });
    exported = require('../index');
  });
  return exported;
}

/** Resolves an output's value (test helper). */
export function valueOf<T>(o: pulumi.Output<T>): Promise<T> {
  return promise(o);
}

/** A fresh temporary bundle folder. */
export function tmpBundleRoot(): string {
  return mkdtempSync(join(tmpdir(), 'shagram-bundles-'));
}

/** Prod (Yandex) configuration used by the tests. */
export function prodConfig(): Record<string, string> {
  return {
    'shagram:target': 'yandex',
    'yandex:folderId': 'b1gabcdefghijklmnopq',
    'yandex:zone': 'ru-central1-b',
    'shagram:adminCidrs': '["198.51.100.7/32","203.0.113.0/28"]',
    'shagram:vmCores': '4',
    'shagram:vmMemoryGb': '8',
    'shagram:vmCoreFraction': '50',
    'shagram:vmDiskGb': '60',
    'shagram:vmPreemptible': 'true',
    'shagram:sshPublicKey': 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAITestKeyOnly deploy@test',
    'shagram:sshPrivateKey': TEST_PRIVATE_KEY,
    'shagram:chatHost': 'chat.shagram.test',
    'shagram:jenkinsHost': 'jenkins.shagram.test',
    'shagram:registryHost': 'registry.shagram.test',
    'shagram:letsencryptEmail': 'ops@shagram.test',
    'shagram:githubRepoUrl': 'https://github.com/example/shagram.git',
    'shagram:pulumiBackendUrl': 's3://shagram-state?endpoint=storage.yandexcloud.net&region=ru-central1',
    'shagram:imageTag': '0123456789abcdef0123',
    'shagram:jwtSecret': 'jwt-secret-from-config-0123456789abcdef',
    'shagram:harborInstallerSha256': HARBOR_SHA256,
  };
}

/** A made-up installer digest (the tests never fetch Harbor). */
export const HARBOR_SHA256 = 'ab'.repeat(32);

/** Dev (existing host) configuration used by the tests. */
export function devConfig(): Record<string, string> {
  return {
    'shagram:target': 'existing',
    'shagram:host': '192.0.2.10',
    'shagram:sshPort': '2222',
    'shagram:sshUser': 'ops',
    'shagram:sshPrivateKey': TEST_PRIVATE_KEY,
    'shagram:chatHost': 'chat.dev.test',
    'shagram:jenkinsHost': 'jenkins.dev.test',
    'shagram:registryHost': 'registry.dev.test',
    'shagram:githubRepoUrl': 'git@github.com:example/shagram.git',
    'shagram:pulumiBackendUrl': 'file:///var/lib/pulumi-state',
    'shagram:imageTag': 'abcdef1',
    'shagram:pushImage': 'false',
    'shagram:harborInstallerSha256': HARBOR_SHA256,
  };
}
