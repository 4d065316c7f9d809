import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';

/** A running podman API service (Docker-compatible socket). */
export interface PodmanService {
  /** `unix:///…` address for DOCKER_HOST. */
  dockerHost: string;
  /** Path of the unix socket. */
  socketPath: string;
  /** Environment for docker / docker-compose clients: the caller's env plus DOCKER_HOST and DOCKER_BUILDKIT=0. */
  env: NodeJS.ProcessEnv;
  /** Stops the service (only if this call started it) and removes its socket. */
  stop(): Promise<void>;
}

/**
 * Plans the podman command line that serves the Docker-compatible API on `socketPath` with no idle timeout.
 * Pure; see {@link startPodmanService}.
 */
export function podmanServiceCommand(socketPath: string): { command: string; args: string[] } {
  return { command: 'podman', args: ['--runtime', 'runc', 'system', 'service', '--time=0', `unix://${socketPath}`] };
}

/** Answers true when a Docker-compatible API answers `GET /_ping` with OK on the socket. */
export function pingDockerApi(socketPath: string, timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    const request = http.get({ socketPath, path: '/_ping', timeout: timeoutMs }, (response) => {
      let body = '';
      response.on('data', (chunk: Buffer) => (body += chunk.toString()));
      response.on('end', () => resolve(response.statusCode === 200 && body.trim() === 'OK'));
    });
    request.on('error', () => resolve(false));
    request.on('timeout', () => {
      request.destroy();
      resolve(false);
    });
  });
}

/**
 * Starts `podman system service` on a private socket (default `/run/podman/shagram-<pid>.sock`, so tests
 * running side by side never share or stop each other's service) and waits until it answers `/_ping`.
 * Needs root and the packages from scripts/setup.d/20-podman.sh + 30-podman-config.sh. `serviceEnv` is added to the
 * service's own environment (e.g. `CONTAINERS_REGISTRIES_CONF` for a test-private registries.conf).
 * @throws when the service does not answer within `readyTimeoutMs`.
 */
export async function startPodmanService(
  socketPath = `/run/podman/shagram-${process.pid}.sock`,
  readyTimeoutMs = 30_000,
  serviceEnv: NodeJS.ProcessEnv = {},
): Promise<PodmanService> {
  fs.mkdirSync(path.dirname(socketPath), { recursive: true });
  const plan = podmanServiceCommand(socketPath);
  let child: ChildProcess | undefined;
  let exited: string | undefined;
  let stderr = '';
  if (!(await pingDockerApi(socketPath))) {
    fs.rmSync(socketPath, { force: true });
    child = spawn(plan.command, plan.args, { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, ...serviceEnv } });
    child.stderr?.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-2000)));
    child.on('exit', (code, signal) => (exited = `exited ${signal ?? code}`));
    child.on('error', (error) => (exited = `cannot start: ${error.message}`));
    const deadline = Date.now() + readyTimeoutMs;
    while (!(await pingDockerApi(socketPath))) {
      if (exited) throw new Error(`podman system service ${exited}: ${stderr.trim().split('\n').pop() ?? ''}`);
      if (Date.now() > deadline) {
        child.kill('SIGTERM');
        throw new Error(`podman system service did not answer on ${socketPath} within ${readyTimeoutMs} ms`);
      }
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
  const dockerHost = `unix://${socketPath}`;
  return {
    dockerHost,
    socketPath,
    env: { ...process.env, DOCKER_HOST: dockerHost, DOCKER_BUILDKIT: '0', COMPOSE_DOCKER_CLI_BUILD: '0' },
    async stop() {
      if (!child || exited) return;
      const done = new Promise<void>((resolve) => child?.once('exit', () => resolve()));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child?.kill('SIGKILL'), 10_000);
      await done;
      clearTimeout(timer);
      fs.rmSync(socketPath, { force: true });
    },
  };
}
