/**
 * Deploy replay lane (needs scripts/setup.d/20-podman.sh, 25-openssh-server.sh, 30-podman-config.sh; root; uses
 * the real /opt/shagram and creates the deploy user, both removed afterwards): the real Pulumi program runs under
 * mocks (./harness.ts), and the `remote.Command` / `remote.CopyToRemote` resources it registers are executed in
 * dependency order against a loopback VPS as @pulumi/command 1.2.1 executes them
 * (test/system-helpers/replay-plan.ts, replay.ts, remote-command.ts; pulumi-command v1.2.1
 * provider/pkg/provider/remote/). The VPS is set up from the program's own cloud-init document (the VM's
 * `user-data`): test/system-helpers/vps.ts.
 *
 * This file replays the first `up` up to the first stack deploy: the stacks' deploys need the registry and Harbor
 * stand-ins, which are not part of this lane yet.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { run } from '../../test/system-helpers/exec';
import { replayUp, snapshotRun, type ReplayResult } from '../../test/system-helpers/replay';
import type { PlannedResource } from '../../test/system-helpers/replay-plan';
import { startLoopbackVps, type LoopbackVps } from '../../test/system-helpers/vps';
import { runProgram } from '../program';
import { prodConfig, runMocked, tmpBundleRoot, type MockRun } from './harness';

const BASE = '/opt/shagram';
let vps: LoopbackVps;
let mock: MockRun;
let planned: PlannedResource[];
let keyDir: string;
let up1: ReplayResult;

beforeAll(async () => {
  keyDir = fs.mkdtempSync(path.join(os.tmpdir(), 'shagram-deploy-key-'));
  await run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'deploy@replay', '-f', path.join(keyDir, 'id')]);
  const cfg = {
    ...prodConfig(),
    'shagram:sshPublicKey': fs.readFileSync(path.join(keyDir, 'id.pub'), 'utf8').trim(),
    'shagram:sshPrivateKey': fs.readFileSync(path.join(keyDir, 'id'), 'utf8'),
  };
  ({ run: mock } = await runMocked(cfg, ['shagram:sshPrivateKey', 'shagram:jwtSecret'], () => runProgram({ bundleRoot: tmpBundleRoot() })));
  const vm = mock.resources.find((r) => r.type === 'yandex:index/computeInstance:ComputeInstance');
  const userData = vm?.inputs.metadata?.['user-data'];
  if (typeof userData !== 'string') throw new Error('the program registered no VM user-data');
  vps = await startLoopbackVps(userData, BASE);
  planned = await snapshotRun(mock.resources);
  up1 = await replayUp(planned, [], { target: (c) => vps.target(c), stopBefore: (s) => s.name.endsWith('-deploy') });
}, 300_000);

afterAll(async () => {
  await vps?.stop();
  if (keyDir) fs.rmSync(keyDir, { recursive: true, force: true });
}, 60_000);

test('run 1 (clean host), up to the first deploy: the host wait and the edge stack\'s lifecycle, stage and upload run, in that order, with no error', () => {
  expect(up1.error).toBeUndefined();
  expect(up1.executed.map((e) => e.step.name)).toEqual(['host-wait', 'edge-lifecycle', 'edge-stage', 'edge-upload']);
  expect(up1.executed.map((e) => e.step.op)).toEqual(['create', 'create', 'create', 'create']);
});

test('the host wait, run as the deploy user over SSH, reaches the Docker API through the docker group and finds compose', () => {
  const wait = up1.executed.find((e) => e.step.name === 'host-wait');
  expect(wait?.stdout).toContain('host-ready: ok');
});

test('the edge archive lands exactly at /opt/shagram/incoming/edge.tar.gz, owned by the deploy user, 0644, byte for byte', async () => {
  const upload = planned.find((r) => r.name === 'edge-upload');
  const source = upload?.inputs.source as { path: string };
  const dest = `${BASE}/incoming/edge.tar.gz`;
  expect(upload?.inputs.remotePath).toBe(dest);
  expect(fs.readFileSync(dest)).toEqual(fs.readFileSync(source.path));
  const st = await vps.exec(`stat -c '%U %a' ${dest} ${BASE}/stacks/edge`);
  expect(st.stdout.trim().split('\n')).toEqual([`${vps.user} 644`, `${vps.user} 755`]);
});

test('the same program again over the state the partial run left: the steps that ran are no-ops', async () => {
  const again = await replayUp(planned, up1.state, { target: (c) => vps.target(c), stopBefore: (s) => s.name.endsWith('-deploy') });
  expect(again.error).toBeUndefined();
  expect(again.executed).toEqual([]);
  expect(again.steps.filter((s) => ['host-wait', 'edge-lifecycle', 'edge-stage', 'edge-upload'].includes(s.name)).map((s) => s.op)).toEqual(['same', 'same', 'same', 'same']);
});
