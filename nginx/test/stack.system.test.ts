/**
 * Container lane: the two compose stacks of the Shagram host for real, under podman — the edge (nginx/compose.yaml,
 * project "edge") deployed FIRST and alone, then the shagram stack (chat/compose.yaml: the app, built from
 * app/Dockerfile on the local stand-in base images), which joins the edge's network as "shagram-app". The shagram
 * stack refuses to start before the edge exists; the edge starts healthy with no app (the chat answers 502) and
 * follows the app once it appears, without a restart. Then: chat through nginx over TLS, both stacks recreated
 * with the history surviving in the named volume, the app recreated alone (new address) and followed, the app as a
 * non-root user on a read-only root, SIGTERM drains, and the edge stays up once the app is gone.
 * docker-compose runs against a private podman API socket. Needs root and `npm run setup:system`.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { run, type RunOptions } from '../../test/system-helpers/exec';
import { removeComposeProjects } from '../../test/system-helpers/compose-projects';
import { startPodmanService, type PodmanService } from '../../test/system-helpers/podman-service';
import { ensureStandinImages } from '../../test/system-helpers/standin-images';
import { request } from './https-client';
import { freePort } from '../../test/system-helpers/ports';
import {
  STACK_DIRS,
  background,
  chatOrigin,
  composeArgs,
  extraCaCerts,
  serviceContainer,
  serviceContainers,
  stackEnvFile,
  stackNames,
  until,
  waitHealthy,
  type StackPart,
  type StackSettings,
} from './compose-stack';
import { closed, nextMessages, openChatSocket } from './ws-client';

const repo = path.join(__dirname, '..', '..');
const stackDir = (part: StackPart) => path.join(repo, STACK_DIRS[part]);
const ROOM = 'containers';
const PASSWORD = 'correct horse battery';

let podman: PodmanService | undefined;
let dir: string | undefined;
let env: NodeJS.ProcessEnv;
let settings: StackSettings;
let ca: Buffer;
let appId: string;
let nginxId: string;
let history: Array<{ id: number; user: string; text: string }> = [];

const envFile = (part: StackPart) => path.join(dir as string, `${part}.env`);
const argsOf = (part: StackPart, command: string[]) =>
  composeArgs(path.join(stackDir(part), 'compose.yaml'), envFile(part), settings.projects[part], command);
const compose = (part: StackPart, command: string[], options: RunOptions = {}) =>
  run('docker-compose', argsOf(part, command), { cwd: stackDir(part), env, timeoutMs: 180_000, ...options });
const podmanOut = async (args: string[]) => (await run('podman', args)).stdout.trim();
const chat = (p: string, extra: Partial<Parameters<typeof request>[1]> = {}) =>
  request(p, { port: settings.httpsPort, host: settings.chatHost, ca, ...extra });
const postJson = (p: string, body: unknown) =>
  chat(p, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
const tokenOf = (reply: { body: Buffer }) => (JSON.parse(reply.body.toString()) as { access_token: string }).access_token;
const messagesOf = async (room: string) =>
  (JSON.parse((await chat(`/api/messages/${room}`)).body.toString()) as { messages: Array<{ id: number; user: string; text: string }> }).messages;
const edgeAnswers = () => until('the edge answering /readyz', 90_000, async () => (await chat('/readyz')).status === 200);
const networksOf = async (id: string) =>
  (await podmanOut(['inspect', '--format', '{{range $name, $n := .NetworkSettings.Networks}}{{$name}} {{end}}', id])).split(' ').filter(Boolean);
const addressOf = (id: string) => podmanOut(['inspect', '--format', '{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}', id]);
const startedAt = (id: string) => podmanOut(['inspect', '--format', '{{.State.StartedAt}}', id]);

/**
 * Runs `docker-compose up -d …` for one stack while driving `service`'s healthcheck (podman runs none by itself);
 * `replaced` are the containers of `service` that the command replaces. Returns the id of the one it leaves running.
 */
async function upAndHealthy(part: StackPart, service: string, upCommand: string[], timeoutMs: number, replaced: string[] = []): Promise<string> {
  const up = background('docker-compose', argsOf(part, upCommand), { cwd: stackDir(part), env });
  const id = await waitHealthy(settings.projects[part], service, timeoutMs, up, replaced);
  const result = await up.done;
  if (result.code !== 0) throw new Error(`docker-compose ${upCommand.join(' ')} (${part}) exited ${result.code}: ${up.output().slice(-3000)}`);
  expect(await serviceContainers(settings.projects[part], service)).toEqual([id]);
  return id;
}

beforeAll(async () => {
  podman = await startPodmanService();
  const images = await ensureStandinImages();
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'shagram-stack-'));
  fs.chmodSync(dir, 0o755);
  const hosts = { chatHost: 'chat.shagram.test', jenkinsHost: 'jenkins.shagram.test', registryHost: 'registry.shagram.test' };
  const tlsDir = path.join(dir, 'tls');
  await run(path.join(repo, 'scripts', 'dev-certs'), ['--out', tlsDir, '--host', hosts.chatHost, '--host', hosts.jenkinsHost, '--host', hosts.registryHost]);
  ca = fs.readFileSync(path.join(tlsDir, 'ca.pem'));
  // podman 4 has no "host-gateway": the gateway of podman's default network stands for the host.
  const gateway = await podmanOut(['network', 'inspect', 'podman', '--format', '{{range .Subnets}}{{.Gateway}}{{end}}']);
  settings = {
    // Unique projects and network per run: another run (or the host's real stacks) never meets this one.
    ...stackNames(`shagramstack${process.pid}${crypto.randomBytes(3).toString('hex')}`),
    appImage: 'localhost/shagram/shagram:stack-test',
    nodeImage: images.node,
    nginxImage: images.nginx,
    ...hosts,
    httpPort: await freePort(),
    httpsPort: await freePort(),
    tlsDir,
    jwtSecret: crypto.randomBytes(48).toString('base64'),
    hostGateway: gateway || '10.88.0.1',
  };
  for (const part of ['edge', 'shagram'] as const) fs.writeFileSync(envFile(part), stackEnvFile(part, settings), { mode: 0o600 });
  // The egress proxy of this machine re-signs TLS: npm in the builder must trust its CA (PEM text; multi-line,
  // so it travels in the environment, which docker-compose prefers over the .env file).
  env = { ...podman.env, EXTRA_CA_CERTS: extraCaCerts('/usr/local/share/ca-certificates') };
}, 300_000);

afterAll(async () => {
  try {
    if (dir && settings) {
      // The app first: the edge's network cannot be removed while the app is attached to it.
      await compose('shagram', ['down', '-v', '--remove-orphans', '-t', '10'], { allowFailure: true });
      await compose('edge', ['down', '-v', '--remove-orphans', '-t', '10'], { allowFailure: true });
      await removeComposeProjects([settings.projects.shagram, settings.projects.edge]);
      await run('podman', ['network', 'rm', '-f', settings.edgeNetwork], { allowFailure: true });
    }
  } finally {
    await podman?.stop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  }
}, 180_000);

describe('the edge and shagram compose stacks under podman', () => {
  test('the shagram stack refuses to start before the edge: the network it joins does not exist yet', async () => {
    const result = await compose('shagram', ['up', '-d', '--no-build'], { allowFailure: true });
    expect(result.code).not.toBe(0);
    expect(`${result.stdout}${result.stderr}`).toMatch(new RegExp(`Network ${settings.edgeNetwork} declared as external, but could not be found`));
    expect(await serviceContainers(settings.projects.shagram, 'app')).toEqual([]);
  }, 120_000);

  test('the edge starts first, alone: healthy with no app, the chat answers 502, its network is created under its name', async () => {
    nginxId = await upAndHealthy('edge', 'nginx', ['up', '-d'], 3 * 60_000);
    // Healthy: the waitHealthy above ran the image's healthcheck (GET /nginx-health) until it passed; once more:
    expect((await run('podman', ['healthcheck', 'run', nginxId], { allowFailure: true })).code).toBe(0);
    expect(await networksOf(nginxId)).toEqual([settings.edgeNetwork]);
    expect((await run('podman', ['network', 'exists', settings.edgeNetwork], { allowFailure: true })).code).toBe(0);
    expect(await podmanOut(['port', nginxId])).toContain(`127.0.0.1:${settings.httpsPort}`);
    // No app yet: "shagram-app" does not resolve, so every chat request is a 502 from the edge, which keeps running.
    for (const p of ['/readyz', '/api/rooms', '/']) {
      const reply = await chat(p);
      expect({ p, status: reply.status }).toEqual({ p, status: 502 });
      expect(reply.headers['strict-transport-security']).toBe('max-age=63072000');
    }
    const redirect = await request('/x', { port: settings.httpPort, host: settings.chatHost, tls: false });
    expect(redirect.status).toBe(301);
    const logs = await run('podman', ['logs', nginxId]);
    expect(`${logs.stdout}${logs.stderr}`).toMatch(/shagram-app could not be resolved/);
    expect(await podmanOut(['inspect', '--format', '{{.State.Running}} {{.RestartCount}}', nginxId])).toBe('true 0');
  }, 4 * 60_000);

  test('builds the app image, starts the shagram stack healthy, unpublished, on the edge network; the edge follows it without a restart', async () => {
    const nginxStarted = await startedAt(nginxId);
    appId = await upAndHealthy('shagram', 'app', ['up', '-d', '--build'], 13 * 60_000);
    const appeared = Date.now();
    await edgeAnswers();
    console.log(`the running edge answered through the new app after ${Date.now() - appeared} ms`);
    const health = await chat('/healthz');
    expect(health.status).toBe(200);
    expect(health.headers['strict-transport-security']).toBe('max-age=63072000');
    // Only the edge publishes ports; the app is on the edge's network alone.
    expect(await podmanOut(['port', appId])).toBe('');
    expect(await networksOf(appId)).toEqual([settings.edgeNetwork]);
    expect(await podmanOut(['image', 'inspect', '--format', '{{.Config.User}}', settings.appImage])).toBe('shagram:shagram');
    // The same nginx container, never restarted: it looked "shagram-app" up again by itself.
    expect(await serviceContainers(settings.projects.edge, 'nginx')).toEqual([nginxId]);
    expect(await startedAt(nginxId)).toBe(nginxStarted);
  }, 15 * 60_000);

  test('carries a WebSocket chat over TLS through nginx, checking the Origin', async () => {
    const alice = await postJson('/api/auth/register', { username: 'alice', password: PASSWORD });
    expect(alice.status).toBe(201);
    const bob = await postJson('/api/auth/register', { username: 'bob', password: PASSWORD });
    expect(bob.status).toBe(201);
    // Joining never creates a room: alice creates it first.
    const room = await chat('/api/rooms', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${tokenOf(alice)}` },
      body: JSON.stringify({ name: ROOM }),
    });
    expect(room.status).toBe(201);
    const common = { port: settings.httpsPort, host: settings.chatHost, ca, origin: chatOrigin(settings), room: ROOM };
    const aliceSocket = await openChatSocket({ ...common, token: tokenOf(alice) });
    const bobSocket = await openChatSocket({ ...common, token: tokenOf(bob) });
    try {
      const expected = ['alice: hello from a container', 'alice: через nginx и TLS', 'alice: third'];
      const bobGets = nextMessages(bobSocket, 3);
      const aliceGets = nextMessages(aliceSocket, 3);
      for (const text of ['hello from a container', 'через nginx и TLS', 'third']) aliceSocket.send(JSON.stringify({ text }));
      expect(await aliceGets).toEqual(expected);
      expect(await bobGets).toEqual(expected);
    } finally {
      aliceSocket.close();
      bobSocket.close();
    }
    await expect(openChatSocket({ ...common, token: tokenOf(alice), origin: 'https://evil.example' })).rejects.toThrow(/403/);
    history = await messagesOf(ROOM);
    expect(history.map((m) => m.text)).toEqual(['third', 'через nginx и TLS', 'hello from a container']);
  }, 60_000);

  test('recreated stacks keep the accounts and the history in the named volume', async () => {
    expect(history).toHaveLength(3);
    const nginxBefore = nginxId;
    nginxId = await upAndHealthy('edge', 'nginx', ['up', '-d', '--force-recreate'], 3 * 60_000, [nginxBefore]);
    expect(nginxId).not.toBe(nginxBefore);
    const before = appId;
    appId = await upAndHealthy('shagram', 'app', ['up', '-d', '--force-recreate'], 5 * 60_000, [before]);
    expect(appId).not.toBe(before);
    expect(await podmanOut(['volume', 'ls', '-q', '--filter', `name=${settings.projects.shagram}_app-data`])).toBe(`${settings.projects.shagram}_app-data`);
    await edgeAnswers();
    expect(await messagesOf(ROOM)).toEqual(history);
    const login = await postJson('/api/auth/login', { username: 'alice', password: PASSWORD });
    expect(login.status).toBe(200);
    const socket = await openChatSocket({ port: settings.httpsPort, host: settings.chatHost, ca, origin: chatOrigin(settings), room: ROOM, token: tokenOf(login) });
    try {
      const echo = nextMessages(socket, 1);
      socket.send(JSON.stringify({ text: 'after the recreate' }));
      expect(await echo).toEqual(['alice: after the recreate']);
    } finally {
      socket.close();
    }
    const after = await messagesOf(ROOM);
    expect(after).toHaveLength(4);
    expect(after[0]?.id).toBeGreaterThan(history[0]?.id ?? Infinity);
  }, 9 * 60_000);

  test('the running edge follows a recreated app container to its new address, without a restart', async () => {
    const nginxStarted = await startedAt(nginxId);
    const before = appId;
    const addressBefore = await addressOf(before);
    expect(addressBefore).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
    expect((await chat('/readyz')).status).toBe(200); // the edge has looked the app up and cached its address
    appId = await upAndHealthy('shagram', 'app', ['up', '-d', '--force-recreate'], 5 * 60_000, [before]);
    const addressAfter = await addressOf(appId);
    expect(addressAfter).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
    expect(addressAfter).not.toBe(addressBefore);
    const recreated = Date.now();
    await edgeAnswers();
    const followedMs = Date.now() - recreated;
    console.log(`app ${addressBefore} -> ${addressAfter}; the edge answered through the new address after ${followedMs} ms`);
    // The same nginx container, never restarted or recreated: it re-resolved the app by itself (resolver valid=10s).
    expect(await serviceContainers(settings.projects.edge, 'nginx')).toEqual([nginxId]);
    expect(await startedAt(nginxId)).toBe(nginxStarted);
    // Measured 39 s under podman 4.3 at a load average of 10 (requests to the old address first wait for the
    // connection to fail); the resolver's valid=10s bounds how long a stale answer is used.
    expect(followedMs).toBeLessThan(90_000);
    expect(await messagesOf(ROOM)).toHaveLength(4);
    // Every request now, not one in two: nginx asks only the network's DNS (a host nameserver would answer
    // "no such name" for the app and turn some requests into 502s).
    const statuses: number[] = [];
    for (let i = 0; i < 12; i++) statuses.push((await chat('/readyz')).status);
    expect(statuses).toEqual(Array(12).fill(200));
    const login = await postJson('/api/auth/login', { username: 'bob', password: PASSWORD });
    expect(login.status).toBe(200);
  }, 6 * 60_000);

  test('runs the app as the unprivileged user on a read-only root, writing only /app/data', async () => {
    expect(await podmanOut(['exec', appId, 'id', '-u'])).toBe('10001');
    // Every process in the container (the init and node itself), read from /proc inside it.
    const script = `const fs=require('fs');console.log(JSON.stringify(fs.readdirSync('/proc').filter(p=>/^\\d+$/.test(p)).map(p=>{try{return{cmd:fs.readFileSync('/proc/'+p+'/cmdline','utf8').split('\\0').join(' ').trim(),uid:/^Uid:\\s+(\\d+)\\s+(\\d+)/m.exec(fs.readFileSync('/proc/'+p+'/status','utf8')).slice(1).join(' ')}}catch{return null}}).filter(Boolean)))`;
    const processes = JSON.parse(await podmanOut(['exec', appId, 'node', '-e', script])) as Array<{ cmd: string; uid: string }>;
    const server = processes.find((p) => p.cmd.includes('dist/main.js'));
    expect(server?.uid).toBe('10001 10001');
    expect(processes.filter((p) => p.uid.split(' ').includes('0'))).toEqual([]);
    const rootWrite = await run('podman', ['exec', appId, 'touch', '/app/x'], { allowFailure: true });
    expect(rootWrite.code).not.toBe(0);
    expect(rootWrite.stderr).toMatch(/Read-only file system/);
    expect((await run('podman', ['exec', appId, 'ls', '/app/data'])).stdout).toMatch(/shagram\.db/);
  }, 60_000);

  test('a reconnect storm can queue: both containers listen with an accept queue of 8192 in their own network namespace', async () => {
    // A listening socket's Send-Q in `ss -ltn` is its backlog as the kernel applied it: the listen() call's value
    // capped at the namespace's net.core.somaxconn (which a container does not inherit from the host).
    const listening = async (id: string, port: number) => {
      const pid = await podmanOut(['inspect', '--format', '{{.State.Pid}}', id]);
      const { stdout } = await run('nsenter', ['-t', pid, '-n', 'ss', '-Hltn', `sport = :${port}`]);
      return stdout.trim().split('\n').map((line) => Number(line.trim().split(/\s+/)[2]));
    };
    expect(await listening(appId, 8080)).toEqual([8192]);
    expect(await listening(nginxId, 443)).toEqual([8192]);
    expect(await listening(nginxId, 80)).toEqual([8192]);
    expect(await podmanOut(['exec', nginxId, 'cat', '/proc/sys/net/ipv4/ip_local_port_range'])).toBe('10000\t65535');
  });

  test('drains on SIGTERM: WebSockets closed with 1001, "stopped" logged, exit code 0; the edge stays up without the app', async () => {
    const login = await postJson('/api/auth/login', { username: 'bob', password: PASSWORD });
    const socket = await openChatSocket({ port: settings.httpsPort, host: settings.chatHost, ca, origin: chatOrigin(settings), room: ROOM, token: tokenOf(login) });
    const closeCode = closed(socket);
    await compose('shagram', ['stop', '-t', '15', 'app']);
    expect(await closeCode).toBe(1001);
    expect(await podmanOut(['inspect', '--format', '{{.State.Running}} {{.State.ExitCode}}', appId])).toBe('false 0');
    const logs = await run('podman', ['logs', appId]);
    const lines = `${logs.stdout}\n${logs.stderr}`;
    expect(lines).toMatch(/"signal":"SIGTERM"/);
    expect(lines).toContain('"msg":"shutting down"');
    expect(lines).toContain('"msg":"stopped"');
    // The edge does not depend on the app: with the app gone it keeps running and healthy, and the chat is a 502
    // again once its cached address is dropped (valid=10s).
    await until('the chat answering 502 without the app', 60_000, async () => (await chat('/readyz')).status === 502);
    expect((await run('podman', ['healthcheck', 'run', nginxId], { allowFailure: true })).code).toBe(0);
    expect(await serviceContainer(settings.projects.edge, 'nginx')).toBe(nginxId);
  }, 2 * 60_000);
});
