/**
 * Container lane: the host scripts against the REAL edge and shagram stacks (nginx/ and chat/ copied into a
 * temporary stacks root as `edge/` and `shagram/`, joined by a network of this run's own; the app image built from
 * app/Dockerfile on the stand-in bases, nginx on its stand-in): restart-stacks brings both up in order and waits for
 * health, status shows them, backup takes an online backup, restore refuses a damaged backup without touching the
 * app and swaps a good one in (app stopped and started in the shagram stack, nginx restarted in the edge stack).
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { STACK_DIRS, chatOrigin, extraCaCerts, stackEnvFile, stackNames, until, type StackSettings } from '../../nginx/test/compose-stack';
import { request } from '../../nginx/test/https-client';
import { freePort } from '../../test/system-helpers/ports';
import { nextMessages, openChatSocket } from '../../nginx/test/ws-client';
import { run, type RunResult } from '../../test/system-helpers/exec';
import { startPodmanService, type PodmanService } from '../../test/system-helpers/podman-service';
import { ensureStandinImages } from '../../test/system-helpers/standin-images';
import { startHealthTicker, type HealthTicker } from '../../test/system-helpers/podman-health-ticker';
import { removeComposeProjects } from '../../test/system-helpers/compose-projects';
import { keepTranscript } from './transcript';

const REPO = path.join(__dirname, '../..');
const APP_IMAGE = 'localhost/shagram/shagram:stack-test'; // the same tag as nginx/test/stack.system.test.ts: one build serves both
const ROOM = 'ops';

let podman: PodmanService;
let ticker: HealthTicker | undefined;
let root: string;
let backups: string;
let settings: StackSettings;
let ca: Buffer;

async function script(name: string, args: string[]): Promise<RunResult> {
  const result = await run(path.join(REPO, 'scripts', name), args, { env: podman.env, allowFailure: true, timeoutMs: 400_000 });
  keepTranscript('shagram', name, args, result);
  return result;
}
const out = (r: RunResult) => `exit ${r.code}\n--- stdout\n${r.stdout}\n--- stderr\n${r.stderr}`;
const chat = (p: string, extra: Partial<Parameters<typeof request>[1]> = {}) => request(p, { port: settings.httpsPort, host: settings.chatHost, ca, ...extra });

async function appContainer(): Promise<any> {
  const ps = await run('docker', ['ps', '-a', '-q', '--filter', `label=com.docker.compose.project=${settings.projects.shagram}`, '--filter', 'label=com.docker.compose.service=app'], { env: podman.env });
  const ids = ps.stdout.split('\n').filter(Boolean);
  expect(ids).toHaveLength(1);
  return JSON.parse((await run('docker', ['inspect', ids[0]!], { env: podman.env })).stdout)[0];
}

/** Message texts of the room, asked of the app itself inside its container (newest first). */
async function roomTexts(): Promise<string[]> {
  const app = await appContainer();
  const result = await run('podman', [
    'exec', app.Id, 'node', '-e',
    `fetch('http://127.0.0.1:8080/api/messages/${ROOM}').then(r=>r.json()).then(b=>console.log(JSON.stringify(b.messages.map(m=>m.text))))`,
  ]);
  return JSON.parse(result.stdout);
}

async function say(token: string, texts: string[]): Promise<void> {
  // Rooms are made with POST /api/rooms (joining one that does not exist is refused); 409: there already.
  const made = await chat('/api/rooms', { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify({ name: ROOM }) });
  expect([201, 409]).toContain(made.status);
  const socket = await openChatSocket({ port: settings.httpsPort, host: settings.chatHost, ca, origin: chatOrigin(settings), room: ROOM, token });
  try {
    const echoes = nextMessages(socket, texts.length);
    for (const text of texts) socket.send(JSON.stringify({ text }));
    expect(await echoes).toEqual(texts.map((text) => `alice: ${text}`));
  } finally {
    socket.close();
  }
}

beforeAll(async () => {
  podman = await startPodmanService();
  const images = await ensureStandinImages();
  if ((await run('podman', ['image', 'exists', APP_IMAGE], { allowFailure: true })).code !== 0) {
    await run('podman', [
      'build', '--runtime', 'runc', '--pull=never', '-f', path.join(REPO, 'app/Dockerfile'),
      '--build-arg', `NODE_BUILD_IMAGE=${images.node}`, '--build-arg', `NODE_RUNTIME_IMAGE=${images.node}`,
      '--build-arg', `EXTRA_CA_CERTS=${extraCaCerts('/usr/local/share/ca-certificates')}`, '-t', APP_IMAGE, REPO,
    ], { timeoutMs: 15 * 60_000 });
  }
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'shagram-ops-'));
  fs.chmodSync(root, 0o755);
  backups = path.join(root, 'backups');
  // The stack folders as a deploy lays them out: the edge (nginx/) and the shagram stack (chat/), without tests or .env.
  for (const [stack, source] of Object.entries(STACK_DIRS)) {
    const from = path.join(REPO, source);
    fs.cpSync(from, path.join(root, stack), { recursive: true, filter: (src) => !['test', '.env', 'tls'].includes(path.relative(from, src)) });
  }
  const hosts = { chatHost: 'chat.shagram.test', jenkinsHost: 'jenkins.shagram.test', registryHost: 'registry.shagram.test' };
  const tlsDir = path.join(root, 'edge', 'tls');
  await run(path.join(REPO, 'scripts', 'dev-certs'), ['--out', tlsDir, '--host', hosts.chatHost, '--host', hosts.jenkinsHost, '--host', hosts.registryHost]);
  ca = fs.readFileSync(path.join(tlsDir, 'ca.pem'));
  const gateway = (await run('podman', ['network', 'inspect', 'podman', '--format', '{{range .Subnets}}{{.Gateway}}{{end}}'])).stdout.trim();
  settings = {
    ...stackNames(`shagramops${process.pid}`),
    appImage: APP_IMAGE,
    nodeImage: images.node,
    nginxImage: images.nginx,
    ...hosts,
    httpPort: await freePort(),
    httpsPort: await freePort(),
    tlsDir,
    jwtSecret: crypto.randomBytes(48).toString('base64'),
    hostGateway: gateway || '10.88.0.1',
  };
  for (const stack of ['edge', 'shagram'] as const) fs.writeFileSync(path.join(root, stack, '.env'), stackEnvFile(stack, settings), { mode: 0o600 });
  ticker = startHealthTicker(() => [settings.projects.edge, settings.projects.shagram]);
}, 20 * 60_000);

afterAll(async () => {
  await ticker?.stop();
  if (root) {
    // The app first: the edge's network cannot be removed while the app is attached to it.
    for (const stack of ['shagram', 'edge']) {
      await run('docker-compose', ['down', '-v', '-t', '5'], { cwd: path.join(root, stack), env: podman?.env, allowFailure: true }).catch(() => undefined);
    }
    if (settings) {
      await removeComposeProjects([settings.projects.shagram, settings.projects.edge]);
      await run('podman', ['network', 'rm', '-f', settings.edgeNetwork], { allowFailure: true });
    }
    fs.rmSync(root, { recursive: true, force: true });
  }
  await podman?.stop();
}, 300_000);

test('restart-stacks --only edge,shagram --no-pull brings the real stacks up healthy, edge first; status shows them', async () => {
  const result = await script('restart-stacks', ['--stacks-root', root, '--only', 'shagram,edge', '--no-pull', '--timeout', '300']);
  expect({ code: result.code, out: out(result) }).toMatchObject({ code: 0 });
  expect(result.stdout).toMatch(/\nedge\s+ok\s+[\d.]+ s\s+1\/1 up, 1 healthy\nshagram\s+ok\s+[\d.]+ s\s+1\/1 up, 1 healthy\n?$/);
  await until('the edge answering /readyz', 60_000, async () => (await chat('/readyz')).status === 200);

  const status = await script('status', ['--stacks-root', root, '--only', 'edge,shagram']);
  expect({ code: status.code, out: out(status) }).toMatchObject({ code: 0 });
  const { edge, shagram } = settings.projects;
  expect(status.stdout).toMatch(new RegExp(`shagram\\s+app\\s+${shagram}_app_1\\s+running\\s+healthy\\s+localhost/shagram/shagram:stack-test`));
  expect(status.stdout).toMatch(new RegExp(`edge\\s+nginx\\s+${edge}_nginx_1\\s+running\\s+healthy\\s+localhost/shagram-standin/nginx:bookworm`));
  expect(status.stdout).toMatch(new RegExp(`shagram\\s+${shagram}_app-data\\s+\\d+(\\.\\d)? (KiB|MiB)\\s+/`));
}, 400_000);

test('backup while the app runs; restore refuses a damaged backup untouched, then swaps a good one in', async () => {
  const register = await chat('/api/auth/register', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ username: 'alice', password: 'correct horse battery' }) });
  expect(register.status).toBe(201);
  const token = (JSON.parse(register.body.toString()) as { access_token: string }).access_token;
  await say(token, ['one', 'two', 'three']);

  const backup = await script('backup', ['--stacks-root', root, '--out', backups, '--keep', '2']);
  expect({ code: backup.code, out: out(backup) }).toMatchObject({ code: 0 });
  expect(backup.stdout).toMatch(/backup: ok in [\d.]+ s: [\d.]+ (B|KiB) gzip, integrity ok, 3 messages, 1 users, 4 rooms \(schema version 3\)/);
  const made = fs.readdirSync(backups);
  expect(made).toEqual([expect.stringMatching(/^shagram-\d{8}T\d{6}Z\.db\.gz$/)]);
  await say(token, ['after the backup']);
  expect(await roomTexts()).toEqual(['after the backup', 'three', 'two', 'one']);

  // A damaged backup: refused before anything stops; the app container keeps running, the data is unchanged.
  const before = await appContainer();
  const damaged = path.join(root, 'damaged.db.gz');
  fs.writeFileSync(damaged, zlib.gzipSync(Buffer.concat([Buffer.from('SQLite format 3\0'), crypto.randomBytes(8192)])));
  const refused = await script('restore', [damaged, '--stacks-root', root]);
  expect(refused.code).toBe(1);
  expect(refused.stderr).toMatch(/^restore: backup \S+damaged\.db\.gz is damaged: .+; refused, nothing was changed\n$/);
  const after = await appContainer();
  expect(after.State.StartedAt).toBe(before.State.StartedAt);
  expect(after.State.Status).toBe('running');
  expect(await roomTexts()).toEqual(['after the backup', 'three', 'two', 'one']);

  // The good backup: app stopped, database swapped (the old one kept), app started and healthy again.
  const restore = await script('restore', ['--latest', '--out', backups, '--stacks-root', root]);
  expect({ code: restore.code, out: out(restore) }).toMatchObject({ code: 0 });
  expect(restore.stdout).toMatch(/restore: \S+ verified: integrity ok, 3 messages, 1 users, 4 rooms\nrestore: stop app\nrestore: \S+\/shagram\.db replaced; the previous database is kept as \S+\/shagram\.db\.replaced-\d{8}T\d{6}Z\nrestore: start app\nrestore: restart nginx in the edge stack\n/);
  expect(restore.stdout).toMatch(/\nrestore: shagram: 1\/1 up, 1 healthy\n(restore: edge: .*\n)*restore: edge: 1\/1 up, 1 healthy\nrestore: done\n$/);
  const restarted = await appContainer();
  expect(restarted.State.StartedAt).not.toBe(before.State.StartedAt);
  expect(await roomTexts()).toEqual(['three', 'two', 'one']);
  const volume = restarted.Mounts.find((m: any) => m.Destination === '/app/data').Source as string;
  const kept = fs.readdirSync(volume).filter((name) => /^shagram\.db\.replaced-\d{8}T\d{6}Z$/.test(name));
  expect(kept).toHaveLength(1);
  // The restored file keeps the app user's ownership (uid 10001), so the app can write: a new message is stored.
  expect(fs.statSync(path.join(volume, 'shagram.db')).uid).toBe(fs.statSync(path.join(volume, kept[0]!)).uid);
  await until('the edge reaching the restarted app', 60_000, async () => (await chat('/readyz')).status === 200);
  await say(token, ['after the restore']);
  expect(await roomTexts()).toEqual(['after the restore', 'three', 'two', 'one']);

  // Retention: a third backup leaves the newest two.
  for (let i = 0; i < 2; i++) expect((await script('backup', ['--stacks-root', root, '--out', backups, '--keep', '2'])).code).toBe(0);
  expect(fs.readdirSync(backups)).toHaveLength(2);
}, 400_000);
