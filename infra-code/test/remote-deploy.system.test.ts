/**
 * Container lane (needs scripts/setup.d/25-openssh-server.sh and 26-cloud-init.sh): the shell scripts the HostReady
 * and ComposeStack components generate, run for real the way
 * `@pulumi/command` runs them — over SSH (Debian's sshd on loopback, key login, host key checked) into a "host"
 * whose Docker is podman's Docker-compatible API and whose compose is Debian's `docker-compose` (Compose v1, the
 * scripts' fallback: there is no compose plugin here). The stack is a one-service stand-in (the Shagram, Jenkins
 * and Harbor images cannot be pulled here); the bundle is made by the same code as for `pulumi up`, and its archive
 * is copied as `remote.CopyToRemote` copies it (SFTP, test/system-helpers/remote-command.ts).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { projectContainers, projectLabel, removeComposeProjects } from '../../test/system-helpers/compose-projects';
import { run } from '../../test/system-helpers/exec';
import { startHealthTicker, type HealthTicker } from '../../test/system-helpers/podman-health-ticker';
import { startPodmanService, type PodmanService } from '../../test/system-helpers/podman-service';
import { startSshd, type SshServer } from '../../test/system-helpers/sshd';
import { ensureStandinImages } from '../../test/system-helpers/standin-images';
import { deployScript, downScript, prepareScript, stageScript, waitReadyScript, type DeployOptions } from '../plan/remote-scripts';
import { buildStackBundle } from '../plan/stack-bundle';
import { stackDeployOptions } from '../plan/stacks';

const BASE = 'localhost/shagram-standin/bookworm-minbase:latest';
const GOOD = 'localhost/shagram-deploy-test/app:v1';
/** The next release, whose health check never passes. */
const BROKEN = 'localhost/shagram-deploy-test/app:v2';
const PROJECT = `rd${process.pid}`;

let podman: PodmanService;
let ssh: SshServer;
let ticker: HealthTicker;
let host: string;
let options: DeployOptions;

/** The `.env` a deploy receives on stdin. */
const envFor = (image: string) => `COMPOSE_PROJECT_NAME=${PROJECT}\nAPP_IMAGE=${image}\n`;

/** docker inspect of the project's containers, through the same API the scripts use. */
const containers = (): Promise<any[]> => projectContainers(PROJECT, podman.env);

beforeAll(async () => {
  podman = await startPodmanService();
  await ensureStandinImages();
  await run('podman', [
    'build', '--runtime', 'runc', '--pull=never', '--format', 'docker', '--build-arg', `BASE=${BASE}`, '-t', GOOD,
    path.join(__dirname, '..', '..', 'scripts', 'test', 'fixtures', 'stand-in-service'),
  ]);
  const broken = fs.mkdtempSync(path.join(os.tmpdir(), 'shagram-broken-image-'));
  fs.writeFileSync(path.join(broken, 'Containerfile'), `FROM ${GOOD}\nHEALTHCHECK --interval=2s --timeout=5s --start-period=1s --retries=2 CMD ["false"]\n`);
  await run('podman', ['build', '--runtime', 'runc', '--pull=never', '--format', 'docker', '-t', BROKEN, broken]);
  fs.rmSync(broken, { recursive: true, force: true });

  ssh = await startSshd({ sessionEnv: { DOCKER_HOST: podman.dockerHost, DOCKER_BUILDKIT: '0', CONTAINER_NOFILE: process.env.CONTAINER_NOFILE ?? '16384' } });
  ticker = startHealthTicker(() => [PROJECT]);
  host = fs.mkdtempSync(path.join(os.tmpdir(), 'shagram-host-'));
  // The Shagram stack's real options (pull, bound), with the host folders under a temp folder; pull stays on:
  // podman answers a pull of an image it holds locally.
  // The Shagram stack's real options, but no registry login: this stand-in image is local (the deploy replay lane,
  // first-deploy.system.test.ts, covers the login and the pull from the registry).
  options = {
    ...stackDeployOptions('shagram'),
    registryLogin: false,
    stackDir: path.join(host, 'opt/shagram/stacks/shagram'),
    incomingArchive: path.join(host, 'opt/shagram/incoming/shagram.tar.gz'),
    waitTimeoutSeconds: 90,
  };
}, 300_000);

afterAll(async () => {
  await ticker?.stop();
  await removeComposeProjects([PROJECT]);
  await ssh?.stop();
  await podman?.stop();
  if (host) fs.rmSync(host, { recursive: true, force: true });
}, 120_000);

test('host readiness over SSH: cloud-init installed but never run is not waited for, docker answers, a compose works', async () => {
  // The lane installs Debian's cloud-init (for its schema validator); it has never run on this machine, and
  // `cloud-init status --wait` would never return here: the script must see that and go on.
  expect((await run('cloud-init', ['status'], { allowFailure: true })).stdout).toContain('status: not run');
  const ready = await ssh.exec(waitReadyScript({ dockerTimeoutSeconds: 20 }));
  expect({ code: ready.code, stderr: ready.stderr }).toEqual({ code: 0, stderr: '' });
  expect(ready.stdout).toContain('host-ready: cloud-init not run here, not waiting for it');
  expect(ready.stdout).toContain('host-ready: ok');
}, 60_000);

test('prepare, stage, upload and deploy over SSH: the stack comes up healthy with the tag from stdin; .env 0600', async () => {
  expect((await ssh.exec(prepareScript(options))).code).toBe(0);
  // The repository folder with local material that must never be shipped.
  const source = fs.mkdtempSync(path.join(os.tmpdir(), 'shagram-stack-src-'));
  fs.cpSync(path.join(__dirname, 'fixtures', 'deploy-stack'), source, { recursive: true });
  fs.writeFileSync(path.join(source, '.env'), 'APP_IMAGE=laptop-only\n');
  fs.mkdirSync(path.join(source, 'tls'));
  fs.writeFileSync(path.join(source, 'tls', 'privkey.pem'), 'not for the host\n');
  const bundle = buildStackBundle(source, path.join(host, 'bundle'));

  expect((await ssh.exec(stageScript(options))).code).toBe(0);
  // As remote.CopyToRemote copies the stack's one FileAsset (test/system-helpers/remote-command.ts, sftpCopy).
  await ssh.copy({ kind: 'asset', path: bundle.archive }, options.incomingArchive);
  const deployed = await ssh.exec(deployScript(options), envFor(GOOD));
  expect({ code: deployed.code, stderr: deployed.stderr }).toMatchObject({ code: 0 });
  expect(deployed.stdout).toContain('deploy shagram: healthy');

  expect(fs.readFileSync(path.join(options.stackDir, '.env'), 'utf8')).toBe(envFor(GOOD));
  expect(fs.statSync(path.join(options.stackDir, '.env')).mode & 0o777).toBe(0o600);
  expect(fs.existsSync(path.join(options.stackDir, 'tls'))).toBe(false);
  expect(fs.existsSync(path.join(options.stackDir, '.env.previous'))).toBe(false);
  const [app, ...others] = await containers();
  expect(others).toEqual([]);
  expect(app.Config.Image).toBe(GOOD);
  expect(app.State.Status).toBe('running');
  expect(app.State.Health.Status).toBe('healthy');
  fs.rmSync(source, { recursive: true, force: true });
}, 240_000);

test('a release that never becomes healthy fails the deploy, naming the container, and the previous tag runs again', async () => {
  const failed = await ssh.exec(deployScript(options), envFor(BROKEN));
  expect(failed.code).toBe(1);
  expect(failed.stderr).toMatch(new RegExp(`deploy shagram: not healthy: ${PROJECT}_app_1 \\(running, unhealthy\\)`));
  expect(failed.stderr).toContain('deploy shagram: services did not become healthy; restoring the previous .env (image tag)');
  expect(failed.stderr).not.toContain('not healthy either');
  expect(fs.readFileSync(path.join(options.stackDir, '.env'), 'utf8')).toBe(envFor(GOOD));
  const [app, ...others] = await containers();
  expect(others).toEqual([]);
  expect(app.Config.Image).toBe(GOOD);
  expect(app.State.Health.Status).toBe('healthy');
}, 240_000);

test('down over SSH removes the containers and keeps the volume; the next deploy finds the data', async () => {
  const [before] = await containers();
  await run('docker', ['exec', before.Id, 'sh', '-c', 'echo kept > /app/data/marker'], { env: podman.env });
  const down = await ssh.exec(downScript(options));
  expect({ code: down.code, stderr: down.stderr }).toMatchObject({ code: 0 });
  expect(await containers()).toEqual([]);
  const volumes = await run('docker', ['volume', 'ls', '-q', '--filter', projectLabel(PROJECT)], { env: podman.env });
  expect(volumes.stdout.trim()).toBe(`${PROJECT}_app-data`);

  const again = await ssh.exec(deployScript(options), envFor(GOOD));
  expect(again.code).toBe(0);
  const [after] = await containers();
  expect(after.Id).not.toBe(before.Id);
  expect((await run('docker', ['exec', after.Id, 'cat', '/app/data/marker'], { env: podman.env })).stdout).toBe('kept\n');
}, 240_000);
