/* eslint-disable @typescript-eslint/no-require-imports -- the SDK's untyped mock monitor needs require() */
/**
 * `HostTools` under Pulumi mocks: one upload of the archive file to the incoming path and one install command,
 * both keyed on the archive's sha256, the install after the upload, the upload after what the caller names.
 */
import * as pulumi from '@pulumi/pulumi';
import { remote } from '@pulumi/command';
import { HostTools } from '../vps/components/host-tools';
import { installHostToolsScript } from '../plan/host-tools';

interface Seen {
  type: string;
  name: string;
  urn: string;
  inputs: Record<string, any>;
  dependencies: string[];
}

const seen: Seen[] = [];
const mocksModule = require('@pulumi/pulumi/runtime/mocks') as { MockMonitor: { prototype: any } };
const proto = mocksModule.MockMonitor.prototype;
const register = proto.registerResource;
proto.registerResource = function (req: any, cb: any) {
  seen.push({ type: req.getType(), name: req.getName(), urn: this.newUrn(req.getParent(), req.getType(), req.getName()), inputs: {}, dependencies: req.getDependenciesList() });
  return register.call(this, req, cb);
};

const SHA = 'c0ffee'.padEnd(64, '0');

beforeAll(async () => {
  await pulumi.runtime.setMocks(
    {
      newResource(args) {
        const entry = [...seen].reverse().find((s) => s.name === args.name && s.type === args.type);
        if (entry) entry.inputs = args.inputs;
        return { id: `${args.name}-id`, state: args.inputs };
      },
      call: (args) => args.inputs,
    },
    'shagram',
    'test',
    false,
  );
  const connection = { host: '203.0.113.10', user: 'deploy', privateKey: 'not-a-key' };
  const ready = new remote.Command('host-wait', { connection, create: 'true' });
  const tools = new HostTools('host-tools', { connection, archive: { file: '/tmp/host-tools.tar.gz', sha256: SHA } }, { dependsOn: [ready] });
  await new Promise<void>((resolve) => tools.install.id.apply(() => resolve()));
});

test('uploads the archive file to the incoming path, re-run when its hash changes', async () => {
  const upload = seen.find((s) => s.name === 'host-tools-upload') as Seen;
  expect(upload.type).toBe('command:remote:CopyToRemote');
  expect(upload.inputs.remotePath).toBe('/opt/shagram/incoming/host-tools.tar.gz');
  expect(upload.inputs.source).toBeInstanceOf(pulumi.asset.FileAsset);
  expect(await upload.inputs.source.path).toBe('/tmp/host-tools.tar.gz');
  expect(upload.inputs.triggers).toEqual([SHA]);
  expect(upload.dependencies).toContain(seen.find((s) => s.name === 'host-wait')?.urn);
});

test('installs with the generated script after the upload, re-run when the hash changes', () => {
  const install = seen.find((s) => s.name === 'host-tools-install') as Seen;
  expect(install.type).toBe('command:remote:Command');
  expect(install.inputs.create).toBe(installHostToolsScript({ archiveSha256: SHA }));
  expect(install.inputs.triggers).toEqual([SHA]);
  expect(install.inputs.addPreviousOutputInEnv).toBe(false);
  expect(install.dependencies).toEqual([seen.find((s) => s.name === 'host-tools-upload')?.urn]);
});
