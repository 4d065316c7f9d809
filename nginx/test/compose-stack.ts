/**
 * Container-lane helpers: plan and drive the two compose stacks of the Shagram host — the edge (nginx/compose.yaml,
 * nginx + certbot) and the shagram stack (chat/compose.yaml, the app), which meet on the edge's network — with
 * docker-compose against a podman API socket. The planning functions are pure; the rest run commands.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { run, type RunResult } from '../../test/system-helpers/exec';

/** The two stacks: the edge (deployed first) and the shagram stack (the chat app). */
export type StackPart = 'edge' | 'shagram';

/** Repository folder of each stack (its compose.yaml and .env.example). */
export const STACK_DIRS: Record<StackPart, string> = { edge: 'nginx', shagram: 'chat' };

/** Everything a test decides about one instance of the two stacks. */
export interface StackSettings {
  /** Compose project names (lower-case letters and digits: docker-compose v1 strips anything else). */
  projects: Record<StackPart, string>;
  /** Name of the edge's network (EDGE_NETWORK), which the app joins: one per test run, so runs never meet. */
  edgeNetwork: string;
  appImage: string;
  nodeImage: string;
  nginxImage: string;
  chatHost: string;
  jenkinsHost: string;
  registryHost: string;
  /** Host ports the edge publishes, bound to 127.0.0.1 only. */
  httpPort: number;
  httpsPort: number;
  /** Folder holding fullchain.pem + privkey.pem (scripts/dev-certs). */
  tlsDir: string;
  jwtSecret: string;
  /** Address written for host.docker.internal (podman 4 has no "host-gateway"). */
  hostGateway: string;
}

/**
 * Project and network names of one test run from a unique `prefix` (lower-case letters and digits): the projects
 * `<prefix>edge` and `<prefix>shagram`, the network `<prefix>-edge`. Pure.
 */
export function stackNames(prefix: string): Pick<StackSettings, 'projects' | 'edgeNetwork'> {
  if (!/^[a-z0-9]+$/.test(prefix)) throw new Error(`stack name prefix "${prefix}": use lower-case letters and digits only`);
  return { projects: { edge: `${prefix}edge`, shagram: `${prefix}shagram` }, edgeNetwork: `${prefix}-edge` };
}

/**
 * The .env file of one of the test's stacks: every variable of that stack's .env.example that it reads, with the
 * test's values. The edge publishes `127.0.0.1:<port>`, so it never listens beyond loopback. Pure.
 */
export function stackEnvFile(part: StackPart, settings: StackSettings): string {
  const values: Record<string, string> =
    part === 'edge'
      ? {
          COMPOSE_PROJECT_NAME: settings.projects.edge,
          EDGE_NETWORK: settings.edgeNetwork,
          NGINX_IMAGE: settings.nginxImage,
          CHAT_HOST: settings.chatHost,
          JENKINS_HOST: settings.jenkinsHost,
          REGISTRY_HOST: settings.registryHost,
          HTTP_PORT: `127.0.0.1:${settings.httpPort}`,
          HTTPS_PORT: `127.0.0.1:${settings.httpsPort}`,
          HOST_GATEWAY: settings.hostGateway,
          TLS_DIR: settings.tlsDir,
          TLS_RELOAD_INTERVAL: '0',
          COMPOSE_PROFILES: '',
        }
      : {
          COMPOSE_PROJECT_NAME: settings.projects.shagram,
          EDGE_NETWORK: settings.edgeNetwork,
          APP_IMAGE: settings.appImage,
          NODE_BUILD_IMAGE: settings.nodeImage,
          NODE_RUNTIME_IMAGE: settings.nodeImage,
          JWT_SECRET: settings.jwtSecret,
          JWT_TTL: '1h',
          WS_ALLOWED_ORIGINS: chatOrigin(settings),
          LOG_LEVEL: 'info',
          MESSAGE_RATE_LIMIT: '20/10',
          AUTH_RATE_LIMIT: '1000/60',
        };
  return Object.entries(values).map(([key, value]) => `${key}=${value}`).join('\n') + '\n';
}

/** The browser origin of the chat as the test reaches it (scheme://host:port). Pure. */
export function chatOrigin(settings: Pick<StackSettings, 'chatHost' | 'httpsPort'>): string {
  return `https://${settings.chatHost}:${settings.httpsPort}`;
}

/** Arguments of `docker-compose` for one stack, followed by `command`. Pure. */
export function composeArgs(composeFile: string, envFile: string, project: string, command: readonly string[]): string[] {
  return ['--env-file', envFile, '-f', composeFile, '-p', project, ...command];
}

/** Concatenates the PEM certificates in `dir` (e.g. /usr/local/share/ca-certificates), '' when there are none. */
export function extraCaCerts(dir: string): string {
  if (!fs.existsSync(dir)) return '';
  return fs
    .readdirSync(dir)
    .filter((name) => name.endsWith('.crt') || name.endsWith('.pem'))
    .sort()
    .map((name) => fs.readFileSync(path.join(dir, name), 'utf8').trim())
    .join('\n');
}

/** A running `docker-compose` command whose output is kept for the error message. */
export interface Background {
  done: Promise<RunResult>;
  /** Exit code once finished, otherwise undefined. */
  exitCode(): number | undefined;
  output(): string;
}

/** Starts a command in the background (no shell), collecting its output. */
export function background(command: string, args: readonly string[], options: { cwd: string; env: NodeJS.ProcessEnv }): Background {
  const child = spawn(command, [...args], { cwd: options.cwd, env: options.env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let code: number | undefined;
  child.stdout.on('data', (chunk: Buffer) => (out = (out + chunk.toString()).slice(-20_000)));
  child.stderr.on('data', (chunk: Buffer) => (out = (out + chunk.toString()).slice(-20_000)));
  const done = new Promise<RunResult>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (exit, signal) => {
      code = exit ?? (signal ? 128 : 1);
      resolve({ stdout: out, stderr: '', code });
    });
  });
  return { done, exitCode: () => code, output: () => out };
}

/** Ids of the (running or stopped) containers of `service` in `project`, newest first. */
export async function serviceContainers(project: string, service: string): Promise<string[]> {
  const result = await run('podman', [
    'ps', '-a', '-q', '--no-trunc', '--sort', 'created',
    '--filter', `label=com.docker.compose.project=${project}`,
    '--filter', `label=com.docker.compose.service=${service}`,
  ]);
  return result.stdout.trim().split('\n').filter(Boolean).reverse();
}

/** Id of the newest container of `service` in `project`, or undefined. */
export async function serviceContainer(project: string, service: string): Promise<string | undefined> {
  return (await serviceContainers(project, service))[0];
}

/**
 * Waits until a container of `service` other than the `replaced` ones exists and passes its healthcheck.
 * Podman 4 without systemd never runs healthchecks on its own, so this runs `podman healthcheck run` (which
 * also records the state that docker-compose's `depends_on: service_healthy` waits for) until it passes.
 * Fails early when `watch` (the `docker-compose up` driving the stack) exits non-zero, and after `timeoutMs`.
 * @returns the container id
 */
export async function waitHealthy(
  project: string,
  service: string,
  timeoutMs: number,
  watch?: Background,
  replaced: readonly string[] = [],
): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  let last = 'no container yet';
  for (;;) {
    const code = watch?.exitCode();
    if (code !== undefined && code !== 0) throw new Error(`docker-compose exited ${code}: ${watch?.output().slice(-3000)}`);
    const id = (await serviceContainers(project, service)).find((candidate) => !replaced.includes(candidate));
    if (id) {
      const check = await run('podman', ['healthcheck', 'run', id], { allowFailure: true });
      if (check.code === 0) return id;
      last = `${check.stdout.trim()} ${check.stderr.trim()}`.trim();
    }
    if (Date.now() > deadline) {
      throw new Error(`${service} was not healthy within ${timeoutMs} ms (${last}); compose: ${watch?.output().slice(-3000) ?? ''}`);
    }
    await new Promise((resolve) => setTimeout(resolve, id ? 1000 : 2000));
  }
}

/** Polls `probe` until it resolves true, failing after `timeoutMs` with `what`. */
export async function until(what: string, timeoutMs: number, probe: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe().catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`${what} did not happen within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}
