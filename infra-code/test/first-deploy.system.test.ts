/**
 * Deploy replay lane (root; needs `npm run setup:system`: podman, openssh-server, docker-registry, the stand-in
 * rootfs; uses the real /opt/shagram, host ports 80, 443, 8081 and 8085, and creates the deploy user — all removed
 * afterwards): the real Pulumi program runs under mocks (./harness.ts), and what it registers is executed in
 * dependency order against a loopback VPS as `pulumi up` with @pulumi/command 1.2.1 would
 * (test/system-helpers/replay-plan.ts, replay.ts, remote-command.ts). The VPS is set up from the program's own
 * cloud-init document (test/system-helpers/vps.ts). Three `up`s: the first on a clean host, a second with a new
 * image tag, a third with a release that never becomes healthy.
 *
 * Stand-ins (each behaves like what it stands for; docs/infra.md "Deploy replay lane" says what is not covered):
 * - Docker Hub: a loopback mirror (Debian's docker-registry) holding the stand-in base images under their official
 *   names; the VPS's podman uses it as docker.io's mirror (test/system-helpers/registry.ts).
 * - Harbor's offline installer: an archive of the same layout whose registry is docker-registry with basic auth
 *   and whose API answers the calls harbor/install makes (test/system-helpers/harbor-standin.ts). The installer
 *   wrapper downloads the archive unless it is already in the stack folder: it is put there before the Harbor
 *   deploy, as for a host that cannot reach github.com.
 * - Jenkins: a stand-in stack folder with the real stack's image policy (test/system-helpers/standin/jenkins-stack).
 * - `docker.Image` (the app image): `podman build` of app/Dockerfile from the repository root and a push with the
 *   program's registry credentials to https://<registryHost> — through the edge, over TLS.
 * - DNS and a publicly trusted certificate: the three names → 127.0.0.1 in /etc/hosts, and podman trusting exactly
 *   the edge's self-signed placeholder certificate for the registry host (what Let's Encrypt's chain is on a VPS).
 * - Docker's `host-gateway`: podman 4 lacks it; the SSH sessions carry HOST_GATEWAY (the host's address), which the
 *   edge's compose file reads in its place.
 * - The containers' open-files limit: this machine's hard limit is 20,000 per process, below the compose files'
 *   65,536; the SSH sessions carry CONTAINER_NOFILE (test/system-helpers/container-limits.ts).
 */
import { X509Certificate } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import { projectContainers, removeComposeProjects } from '../../test/system-helpers/compose-projects';
import { run } from '../../test/system-helpers/exec';
import { harborInstaller, type HarborInstaller } from '../../test/system-helpers/harbor-standin';
import { addHostsEntries, trustRegistryCertificate } from '../../test/system-helpers/host-names';
import { TEST_CONTAINER_NOFILE } from '../../test/system-helpers/container-limits';
import { canConnect } from '../../test/system-helpers/ports';
import { startHealthTicker, type HealthTicker } from '../../test/system-helpers/podman-health-ticker';
import { startHubMirror, type HubMirror } from '../../test/system-helpers/registry';
import { copyToRemote } from '../../test/system-helpers/remote-command';
import { replayUp, snapshotRun, type ReplayResult } from '../../test/system-helpers/replay';
import type { PlanStep, PlannedResource } from '../../test/system-helpers/replay-plan';
import { ensureStandinImages } from '../../test/system-helpers/standin-images';
import { startLoopbackVps, type LoopbackVps } from '../../test/system-helpers/vps';
import { request } from '../../nginx/test/https-client';
import { nextMessages, openChatSocket } from '../../nginx/test/ws-client';
import { extraCaCerts } from '../../nginx/test/compose-stack';
import { localPrebuildEnv, writeLocalPrebuild } from '../../test/system-helpers/better-sqlite3-prebuild';
import { runVpsProgram } from '../vps/program';
import { prodConfig, runMocked } from './harness';

const BASE = '/opt/shagram';
const REPO = path.resolve(__dirname, '..', '..');
const PROJECTS = ['edge', 'harbor', 'jenkins', 'shagram'];
const TAGS = { first: 'a1a1a1a1a1a1', second: 'b2b2b2b2b2b2', broken: 'c3c3c3c3c3c3' };
const ROBOT = 'robot$shagram+ci';
const base = prodConfig();
const HOSTS = { chat: base['shagram:chatHost'] as string, jenkins: base['shagram:jenkinsHost'] as string, registry: base['shagram:registryHost'] as string };
const ref = (tag: string) => `${HOSTS.registry}/shagram/shagram:${tag}`;

let work: string;
let keyDir: string;
let vps: LoopbackVps | undefined;
let mirror: HubMirror | undefined;
let installer: HarborInstaller;
let ticker: HealthTicker | undefined;
let edgeCert = '';
const undo: (() => unknown)[] = [];
let hostIp: string;

const runs: { planned: PlannedResource[]; result: ReplayResult }[] = [];
let imageInStoreBeforeDeploy: boolean | undefined;
const pushes: string[] = [];

/** The program under mocks for one image tag: its registrations, ready for the planner. */
async function program(tag: string): Promise<{ planned: PlannedResource[]; userData: string }> {
  const cfg: Record<string, string> = {
    ...base,
    'shagram:sshPublicKey': fs.readFileSync(path.join(keyDir, 'id.pub'), 'utf8').trim(),
    'shagram:sshPrivateKey': fs.readFileSync(path.join(keyDir, 'id'), 'utf8'),
    'shagram:harborInstallerSha256': installer.sha256,
    'shagram:imageTag': tag,
  };
  // No Let's Encrypt here: the edge runs on its self-signed placeholder (no certbot service).
  delete cfg['shagram:letsencryptEmail'];
  const { run: mock } = await runMocked(cfg, ['shagram:sshPrivateKey', 'shagram:jwtSecret'], () =>
    runVpsProgram({ bundleRoot: path.join(work, `bundles-${tag}`), stackDirs: { jenkins: path.join(REPO, 'test', 'system-helpers', 'standin', 'jenkins-stack') } }),
  );
  const vm = mock.resources.find((r) => r.type === 'yandex:index/computeInstance:ComputeInstance');
  const userData = vm?.inputs.metadata?.['user-data'];
  if (typeof userData !== 'string') throw new Error('the program registered no VM user-data');
  return { planned: await snapshotRun(mock.resources), userData };
}

/**
 * Stand-in for @pulumi/docker's `docker.Image` (build + push with `registry` credentials): `podman build` of the
 * registered Dockerfile and context for the registered platform (base images from Docker Hub = the mirror), then a
 * push to the registered image name with the registered username/password over TLS. The local copy is removed, so
 * the host can only get the image from the registry. The broken release is the real image whose server never
 * starts listening (what a release that cannot start looks like to the health check).
 */
async function imageStep(step: PlanStep): Promise<boolean> {
  if (step.type !== 'docker:index/image:Image') return false;
  const i = step.resource?.inputs as { imageName: string; build: { context: string; dockerfile: string; platform: string }; registry: { server: string; username: string; password: string } };
  const env = { ...process.env, CONTAINERS_REGISTRIES_CONF: mirror?.registriesConf };
  const tag = i.imageName.split(':').pop() as string;
  const built = tag === TAGS.broken ? `localhost/shagram-replay/app-good:${TAGS.broken}` : i.imageName;
  await run('podman', ['build', '--runtime', 'runc', '--platform', i.build.platform, '-f', i.build.dockerfile, '--build-arg', `EXTRA_CA_CERTS=${extraCaCerts('/usr/local/share/ca-certificates')}`, '-t', built, i.build.context], { env, timeoutMs: 900_000 });
  if (tag === TAGS.broken) {
    const ctx = path.join(work, 'broken');
    fs.mkdirSync(ctx, { recursive: true });
    fs.writeFileSync(path.join(ctx, 'Containerfile'), `FROM ${built}\nCMD ["node", "-e", "setInterval(() => {}, 1 << 30)"]\n`);
    await run('podman', ['build', '--runtime', 'runc', '--pull=never', '-t', i.imageName, ctx], { env });
    await run('podman', ['rmi', built]);
  }
  await run('podman', ['push', '--quiet', '--creds', `${i.registry.username}:${i.registry.password}`, i.imageName], { env, timeoutMs: 600_000 });
  pushes.push(i.imageName);
  await run('podman', ['rmi', i.imageName]);
  return true;
}

async function peerCertificate(port: number, servername: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = tls.connect({ host: '127.0.0.1', port, servername, rejectUnauthorized: false }, () => {
      const raw = socket.getPeerCertificate().raw;
      socket.end();
      resolve(new X509Certificate(raw).toString());
    });
    socket.on('error', reject);
  });
}

const replayOptions = { target: (c: Parameters<LoopbackVps['target']>[0]) => (vps as LoopbackVps).target(c), other: imageStep };
const hostRun = (name: string, r: ReplayResult) => r.executed.find((e) => e.step.name === name);
const names = (r: ReplayResult) => r.executed.map((e) => e.step.name);
const harborLog = async () => {
  const logs = await run('podman', ['logs', 'harbor-standin'], { allowFailure: true });
  return `${logs.stdout}\n${logs.stderr}`;
};
const appImageRunning = async () => {
  const [app] = (await projectContainers('shagram', (vps as LoopbackVps).podman.env)).filter((c) => c.State?.Running);
  return app?.Config?.Image as string | undefined;
};
const edge = (p: string, host: string, extra: Partial<Parameters<typeof request>[1]> = {}) => request(p, { port: 443, host, ca: Buffer.from(edgeCert), ...extra });

/**
 * Replays one `up` of the program with `tag` over the last state. `pauses` run on the way, just before the step
 * they are named after (the `up` stops there and goes on over the state it left, as a second `up` would: what ran
 * is unchanged and runs nothing again).
 */
async function up(tag: string, pauses: Record<string, () => Promise<void>> = {}): Promise<ReplayResult> {
  const { planned } = await program(tag);
  let state = runs.at(-1)?.result.state ?? [];
  const executed: ReplayResult['executed'] = [];
  const pending = new Set(Object.keys(pauses));
  let result: ReplayResult;
  for (;;) {
    const part = await replayUp(planned, state, { ...replayOptions, stopBefore: (s) => pending.has(s.name) });
    executed.push(...part.executed);
    state = part.state;
    const stoppedAt = part.error ? undefined : part.steps.find((s) => pending.has(s.name));
    if (!stoppedAt) {
      result = { ...part, executed };
      break;
    }
    pending.delete(stoppedAt.name);
    await pauses[stoppedAt.name]?.();
  }
  runs.push({ planned, result });
  return result;
}

beforeAll(async () => {
  for (const port of [80, 443, 8081, 8085]) if (await canConnect(port)) throw new Error(`port ${port} is taken on this machine: the replay needs it free (the VPS publishes it)`);
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'shagram-replay-'));
  fs.chmodSync(work, 0o755);
  // The host tools' npm ci on the VPS gets better-sqlite3's release binary from prebuild-install's local source
  // instead of GitHub (the one thing of that install that would need the internet; see better-sqlite3-prebuild.ts).
  const prebuilds = path.join(work, 'prebuilds');
  writeLocalPrebuild(REPO, prebuilds);
  keyDir = path.join(work, 'key');
  fs.mkdirSync(keyDir);
  await run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'deploy@replay', '-f', path.join(keyDir, 'id')]);
  const images = await ensureStandinImages();
  mirror = await startHubMirror(path.join(work, 'hub'), [
    { local: images.nginx, hubName: 'library/nginx:1.27-bookworm' },
    { local: images.node, hubName: 'library/node:20-bookworm-slim' },
  ]);
  installer = await harborInstaller('v2.13.2');
  undo.push(addHostsEntries(Object.values(HOSTS), `shagram-replay-${process.pid}`));
  hostIp = (await run('sh', ['-c', "ip -4 -o route get 1.1.1.1 | sed -n 's/.* src \\([0-9.]*\\).*/\\1/p'"])).stdout.trim();
  const { userData } = await program(TAGS.first);
  vps = await startLoopbackVps(userData, BASE, {
    podmanEnv: { CONTAINERS_REGISTRIES_CONF: mirror.registriesConf },
    sessionEnv: { HOST_GATEWAY: hostIp, CONTAINER_NOFILE: TEST_CONTAINER_NOFILE, ...localPrebuildEnv(prebuilds) },
  });
  // Docker Engine (userland proxy, its default) lets a container on one bridge network reach another network's
  // published port at the host's address — the edge reaches Harbor and Jenkins that way. Podman 4's networks made
  // through its Docker API are isolated and netavark drops that forwarded traffic (containers/netavark#709); the
  // fix firewalld applies is to accept DNAT'ed connections, added here for the test's duration only.
  const rule = ['FORWARD', '-m', 'conntrack', '--ctstate', 'DNAT', '-m', 'comment', '--comment', `shagram-replay-${process.pid}`, '-j', 'ACCEPT'];
  await run('iptables', ['-I', ...rule]);
  undo.push(() => run('iptables', ['-D', ...rule], { allowFailure: true }));
  ticker = startHealthTicker(() => PROJECTS);
}, 600_000);

afterAll(async () => {
  await ticker?.stop();
  await removeComposeProjects(PROJECTS);
  await run('podman', ['network', 'rm', '-f', 'shagram-edge'], { allowFailure: true });
  const made = [...Object.values(TAGS).map(ref), 'localhost/shagram-jenkins-controller:local', 'localhost/shagram-jenkins-agent:local', installer?.image].filter(Boolean) as string[];
  await run('podman', ['rmi', '-f', ...made], { allowFailure: true });
  await vps?.stop();
  await mirror?.stop();
  for (const u of undo.reverse()) await Promise.resolve(u()).catch(() => undefined);
  if (work) fs.rmSync(work, { recursive: true, force: true });
}, 180_000);

describe('run 1: a clean host', () => {
  let r: ReplayResult;
  beforeAll(async () => {
    r = await up(TAGS.first, {
      // The archive harbor/install would otherwise download from github.com, copied into the stack folder as an
      // operator would scp it to a host without access (the wrapper uses a present archive after checking its digest).
      'harbor-deploy': async () => {
        const v = vps as LoopbackVps;
        await copyToRemote(v.target({ user: v.user, privateKey: fs.readFileSync(path.join(keyDir, 'id'), 'utf8') }), { kind: 'asset', path: installer.archive }, `${BASE}/stacks/harbor/harbor-offline-installer-${installer.version}.tgz`);
        // What the edge presents for the registry host: podman trusts exactly that (a public CA's chain on a VPS).
        edgeCert = await peerCertificate(443, HOSTS.registry);
        undo.push(trustRegistryCertificate(HOSTS.registry, edgeCert));
      },
      // Before the push: the registry must answer through the edge (a readable stop instead of a push's 504).
      'app-image': async () => {
        const v2 = await edge('/v2/', HOSTS.registry);
        if (v2.status !== 401) {
          const hosts = await run('podman', ['exec', 'edge_nginx_1', 'sh', '-c', 'grep host.docker.internal /etc/hosts; tail -n 5 /var/log/nginx/error.log 2>/dev/null'], { allowFailure: true });
          throw new Error(`the edge does not reach Harbor: GET /v2/ answered ${v2.status} ${v2.body.toString().slice(0, 200)}; edge: ${hosts.stdout} ${hosts.stderr}`);
        }
      },
      'shagram-deploy': async () => {
        imageInStoreBeforeDeploy = (await run('podman', ['image', 'exists', ref(TAGS.first)], { allowFailure: true })).code === 0;
      },
    });
  }, 1_500_000);

  test('every step runs in the stack table order and the up ends without an error', () => {
    expect(r.error).toBeUndefined();
    const stack = (n: string) => [`${n}-lifecycle`, `${n}-stage`, `${n}-upload`, `${n}-deploy`];
    // The host tools depend on the host wait only, so they run beside the stacks; the stacks follow the table.
    const ran = names(r);
    expect(ran.filter((n) => !n.startsWith('host-tools-'))).toEqual(['host-wait', ...stack('edge'), ...stack('harbor'), 'app-image', ...stack('jenkins'), ...stack('shagram')]);
    expect(ran.indexOf('host-wait')).toBeLessThan(ran.indexOf('host-tools-upload'));
    expect(ran.indexOf('host-tools-upload')).toBeLessThan(ran.indexOf('host-tools-install'));
  });

  test('each stack folder holds its files at their paths with their modes (one archive, unpacked on the host)', async () => {
    const st = await (vps as LoopbackVps).exec(
      `cd ${BASE} && stat -c '%n %a' stacks/edge/entrypoint.d/30-shagram-tls-bootstrap.sh stacks/edge/compose.yaml stacks/harbor/install stacks/harbor/install.cjs stacks/shagram/compose.yaml stacks/edge/.env && ls incoming`,
    );
    expect(st.stdout.trim().split('\n')).toEqual([
      'stacks/edge/entrypoint.d/30-shagram-tls-bootstrap.sh 755',
      'stacks/edge/compose.yaml 644',
      'stacks/harbor/install 755',
      'stacks/harbor/install.cjs 644',
      'stacks/shagram/compose.yaml 644',
      'stacks/edge/.env 600',
      'edge.tar.gz',
      'harbor.tar.gz',
      'host-tools.tar.gz',
      'jenkins.tar.gz',
      'shagram.tar.gz',
    ]);
  });

  test('all four stacks end healthy (or running without a health check)', async () => {
    for (const project of PROJECTS) {
      const states = (await projectContainers(project, (vps as LoopbackVps).podman.env)).map((c) => `${c.Name.replace(/^\//, '')} ${c.State.Status} ${c.State.Health?.Status ?? ''}`.trim());
      expect(states.length).toBeGreaterThan(0);
      for (const s of states) expect(s).toMatch(/ running( healthy)?$/);
    }
  });

  test('the edge pulled its image from Docker Hub (the mirror) over the registry protocol', () => {
    expect(mirror?.registry.log()).toMatch(/GET \/v2\/library\/nginx\/manifests\/1\.27-bookworm HTTP\/1\.1" 200/);
  });

  test('Harbor: the wrapper checked the archive, ran its install.sh, created the project and the robot', () => {
    const out = `${hostRun('harbor-deploy', r)?.stdout}\n${hostRun('harbor-deploy', r)?.stderr}`;
    expect(out).toContain(`checksum ok: harbor-offline-installer-${installer.version}.tgz`);
    expect(out).toContain('Harbor has been installed and started successfully');
    expect(out).toContain('project shagram: created');
    expect(out).toContain(`robot ${ROBOT}: created`);
  });

  test('the app image went to the registry through the edge as admin, and the host pulled it with the robot credential after logging in', async () => {
    expect(pushes).toEqual([ref(TAGS.first)]);
    expect(imageInStoreBeforeDeploy).toBe(false);
    // The registry's own log lines for this tag's manifest (on a mismatch, the diff shows them).
    // The stand-in's access log (like Harbor's proxy's): the push as admin, the pull as the robot, both arriving
    // through the edge (Host the registry's name, forwarded as https). On a mismatch the diff shows the lines.
    const manifestLines = (await harborLog()).split('\n').filter((l) => l.startsWith(`registry `) && l.includes(`/v2/shagram/shagram/manifests/${TAGS.first} `));
    const line = (method: string, tag: string, user: string) =>
      expect.stringMatching(new RegExp(`^registry ${method} /v2/shagram/shagram/manifests/${tag} user=${user.replace(/[$+]/g, '\\$&')} host=${HOSTS.registry.replace(/\./g, '\\.')} proto=https status=2\\d\\d$`));
    expect(manifestLines).toEqual(expect.arrayContaining([line('PUT', TAGS.first, 'admin')]));
    expect(manifestLines).toEqual(expect.arrayContaining([line('(GET|HEAD)', TAGS.first, ROBOT)]));
    const config = JSON.parse((await (vps as LoopbackVps).exec('cat ~/.docker/config.json')).stdout) as { auths: Record<string, { auth?: string }> };
    expect(Buffer.from(config.auths[HOSTS.registry]?.auth ?? '', 'base64').toString().split(':')[0]).toBe(ROBOT);
    expect(await appImageRunning()).toBe(ref(TAGS.first));
  });

  test('Jenkins: images built on the host under local-only names, never pulled; every secret variable present', async () => {
    const out = `${hostRun('jenkins-deploy', r)?.stdout}\n${hostRun('jenkins-deploy', r)?.stderr}`;
    expect(out).not.toMatch(/Pulling/);
    expect(mirror?.registry.log()).not.toMatch(/shagram-jenkins/);
    expect(mirror?.registry.log()).toMatch(/GET \/v2\/library\/node\/manifests\/20-bookworm-slim/);
    // On the host port the edge proxies to (podman 4's netavark drops the edge network's traffic to a port
    // published from another network, which Docker Engine passes; see docs/infra.md).
    expect((await (vps as LoopbackVps).exec('curl -fsS http://127.0.0.1:8081/login')).stdout).toContain('Jenkins');
    const secrets = JSON.parse((await (vps as LoopbackVps).exec(`curl -fsS http://127.0.0.1:8081/standin/secrets`)).stdout);
    expect(Object.keys(secrets).sort()).toEqual(['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'GITHUB_WEBHOOK_SECRET', 'HARBOR_ROBOT_SECRET', 'JENKINS_ADMIN_PASSWORD', 'PULUMI_ACCESS_TOKEN', 'PULUMI_CONFIG_PASSPHRASE', 'VPS_SSH_PRIVATE_KEY', 'YC_SA_KEY_JSON']);
  }, 180_000);

  test('through the edge over TLS: the chat answers, the registry asks for credentials', async () => {
    expect((await edge('/readyz', HOSTS.chat)).status).toBe(200);
    const v2 = await edge('/v2/', HOSTS.registry);
    expect(v2.status).toBe(401);
    expect(v2.headers['www-authenticate']).toMatch(/^Basic /);
  });
});

describe('run 2: a new image tag', () => {
  let r: ReplayResult;
  let token = '';
  const room = 'replay';
  beforeAll(async () => {
    const reg = await edge('/api/auth/register', HOSTS.chat, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'operator', password: 'correct horse battery' }) });
    if (reg.status !== 201) throw new Error(`register answered ${reg.status}: ${reg.body.toString()}`);
    token = (JSON.parse(reg.body.toString()) as { access_token: string }).access_token;
    const made = await edge('/api/rooms', HOSTS.chat, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify({ name: room }) });
    if (made.status !== 201) throw new Error(`POST /api/rooms answered ${made.status}: ${made.body.toString()}`);
    const socket = await openChatSocket({ port: 443, host: HOSTS.chat, ca: Buffer.from(edgeCert), origin: `https://${HOSTS.chat}`, token, room });
    const got = nextMessages(socket, 1);
    socket.send(JSON.stringify({ text: 'before the second up' }));
    await got;
    socket.close();
    r = await up(TAGS.second);
  }, 900_000);

  test('only what the new tag changes runs: the image push and the deploys whose triggers carry the tag', () => {
    expect(r.error).toBeUndefined();
    expect(r.executed.map((e) => `${e.step.name}:${e.step.op}`)).toEqual(['app-image:update', 'shagram-deploy:replace']);
  });

  test('the host pulled the new tag with the robot credential and runs it', async () => {
    const manifestLines = (await harborLog()).split('\n').filter((l) => l.startsWith(`registry `) && l.includes(`/v2/shagram/shagram/manifests/${TAGS.second} `));
    expect(manifestLines).toEqual(
      expect.arrayContaining([expect.stringMatching(new RegExp(`^registry (GET|HEAD) /v2/shagram/shagram/manifests/${TAGS.second} user=robot\\$shagram\\+ci host=\\S+ proto=https status=2\\d\\d$`))]),
    );
    expect(await appImageRunning()).toBe(ref(TAGS.second));
  });

  test('the chat history and the account survive the new release', async () => {
    const messages = JSON.parse((await edge(`/api/messages/${room}`, HOSTS.chat)).body.toString()) as { messages: { user: string; text: string }[] };
    expect(messages.messages.map((m) => `${m.user}: ${m.text}`)).toEqual(['operator: before the second up']);
    const login = await edge('/api/auth/login', HOSTS.chat, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'operator', password: 'correct horse battery' }) });
    expect(login.status).toBe(200);
  });
});

/**
 * The operator's tools, as `pulumi up` left them (HostTools: bundles under /opt/shagram/tools, launchers in
 * /opt/shagram/bin, Node.js from cloud-init): run over SSH as the deploy user would type them, nothing installed by
 * hand. backup and restore read the app volume's mountpoint, which is root's: they run through the sudo rule the
 * cloud-init document gives the deploy user (docs/operating.md).
 */
describe('the operator on the provisioned host', () => {
  const sh = (command: string) => (vps as LoopbackVps).exec(command);
  const started = async (project: string) =>
    Object.fromEntries((await projectContainers(project, (vps as LoopbackVps).podman.env)).map((c) => [c.Name.replace(/^\//, ''), c.State.StartedAt as string]));
  const history = async () =>
    (JSON.parse((await edge('/api/messages/replay', HOSTS.chat)).body.toString()) as { messages: { user: string; text: string }[] }).messages.map((m) => `${m.user}: ${m.text}`);

  test('status: one line per stack of the table, every stack up and healthy', async () => {
    const r = await sh(`${BASE}/bin/status`);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const rows = r.stdout.split('\n').filter((l) => /^(edge|harbor|jenkins|shagram) {2,}\S/.test(l));
    expect(rows.map((l) => l.split(/\s+/)[0])).toEqual(expect.arrayContaining(PROJECTS));
    for (const row of rows.slice(0, PROJECTS.length)) expect(row).toMatch(/^\w+\s+\d+\/\d+ up/);
  });

  test('restart-stacks --only shagram: the app stack restarts and is healthy again, the other stacks are left alone', async () => {
    const edgeBefore = await started('edge');
    const appBefore = await started('shagram');
    const r = await sh(`${BASE}/bin/restart-stacks --only shagram`);
    expect(`${r.stdout}${r.stderr}`).toMatch(/restart-stacks: shagram in \/opt\/shagram\/stacks with /);
    expect(r.code).toBe(0);
    expect(await started('edge')).toEqual(edgeBefore);
    const appAfter = await started('shagram');
    for (const [name, at] of Object.entries(appBefore)) expect(appAfter[name]).not.toBe(at);
    expect((await edge('/readyz', HOSTS.chat)).status).toBe(200);
  }, 300_000);

  test('backup, then restore: the history comes back as it was at the backup, app and edge healthy again', async () => {
    const denied = await sh(`${BASE}/bin/backup`);
    expect(denied.code).not.toBe(0);
    const backup = await sh(`sudo ${BASE}/bin/backup`);
    expect(backup.stderr).toBe('');
    expect(backup.stdout).toMatch(/backup: ok in .*integrity ok, 1 messages, 1 users/);
    expect(backup.code).toBe(0);

    const login = await edge('/api/auth/login', HOSTS.chat, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'operator', password: 'correct horse battery' }) });
    const token = (JSON.parse(login.body.toString()) as { access_token: string }).access_token;
    const socket = await openChatSocket({ port: 443, host: HOSTS.chat, ca: Buffer.from(edgeCert), origin: `https://${HOSTS.chat}`, token, room: 'replay' });
    const got = nextMessages(socket, 1);
    socket.send(JSON.stringify({ text: 'after the backup' }));
    await got;
    socket.close();
    expect((await history()).sort()).toEqual(['operator: after the backup', 'operator: before the second up']);

    const restore = await sh(`sudo ${BASE}/bin/restore --latest`);
    expect(`${restore.stdout}${restore.stderr}`).toMatch(/restore: done/);
    expect(restore.code).toBe(0);
    expect(await history()).toEqual(['operator: before the second up']);
    expect((await edge('/readyz', HOSTS.chat)).status).toBe(200);
  }, 300_000);
});

describe('run 3: a release that never becomes healthy', () => {
  let r: ReplayResult;
  beforeAll(async () => {
    r = await up(TAGS.broken);
  }, 900_000);

  test('the up fails at the Shagram deploy, naming the container', () => {
    expect(r.error).toMatch(/^command:remote:Command shagram-deploy: Process exited with status 1/);
    expect(r.error).toMatch(/deploy shagram: not healthy: shagram_app_1 \(running, unhealthy\)/);
  });

  test('the previous tag runs again, from the previous .env', async () => {
    expect(await appImageRunning()).toBe(ref(TAGS.second));
    expect((await (vps as LoopbackVps).exec(`grep '^APP_IMAGE=' ${BASE}/stacks/shagram/.env`)).stdout.trim()).toBe(`APP_IMAGE='${ref(TAGS.second)}'`);
    expect((await edge('/readyz', HOSTS.chat)).status).toBe(200);
  });
});
