/**
 * Debian's `docker-registry` (github.com/distribution/distribution v2.8, the reference OCI distribution registry
 * Docker Hub and Harbor's registry component run) on a free loopback port, and the loopback "Docker Hub mirror"
 * built on it.
 *
 * - {@link startRegistry}: `docker-registry serve <config.yml>` with filesystem storage in a private folder, plain
 *   HTTP on 127.0.0.1, optionally htpasswd basic auth (distribution's `auth.htpasswd`, bcrypt entries only), and
 *   its access log kept, so a test can read which requests (and which user) it served.
 * - {@link startHubMirror}: such a registry holding the stand-in images under the official Docker Hub names the
 *   stacks use (`library/nginx:1.27-bookworm`, `library/node:20-bookworm-slim`), and a podman `registries.conf`
 *   (containers-registries.conf(5)) that makes it the mirror of `docker.io`. The file is test-private: a podman
 *   service started with `CONTAINERS_REGISTRIES_CONF=<file>` uses it, no other podman on the machine does. A pull of
 *   `nginx:1.27-bookworm` through that service is then a real pull over the registry protocol (manifest, blobs).
 */
import fs from 'node:fs';
import path from 'node:path';
import { startDaemon, waitForPorts, type Daemon } from './daemon';
import { run } from './exec';
import { freePort } from './ports';

/** A running registry. */
export interface Registry {
  /** `127.0.0.1:<port>` (the registry's host for image references). */
  address: string;
  port: number;
  daemon: Daemon;
  /** Every access-log and log line so far (distribution logs `auth.user.name` and the request per line). */
  log(): string;
  stop(): Promise<void>;
}

/** The config.yml of a registry (distribution's configuration format, version 0.1). Pure. */
export function registryConfig(o: { port: number; storage: string; htpasswd?: string; realm?: string }): string {
  return [
    'version: 0.1',
    'log:',
    '  level: info',
    '  formatter: text',
    '  accesslog:',
    '    disabled: false',
    'storage:',
    '  filesystem:',
    `    rootdirectory: ${o.storage}`,
    '  delete:',
    '    enabled: true',
    'http:',
    `  addr: 127.0.0.1:${o.port}`,
    ...(o.htpasswd ? ['auth:', '  htpasswd:', `    realm: ${o.realm ?? 'registry'}`, `    path: ${o.htpasswd}`] : []),
    '',
  ].join('\n');
}

/** Starts `docker-registry serve` in `dir` (storage and config), resolved once it accepts connections. */
export async function startRegistry(dir: string, options: { htpasswd?: string } = {}): Promise<Registry> {
  fs.mkdirSync(path.join(dir, 'storage'), { recursive: true });
  const port = await freePort();
  const config = path.join(dir, 'config.yml');
  fs.writeFileSync(config, registryConfig({ port, storage: path.join(dir, 'storage'), htpasswd: options.htpasswd }));
  let log = '';
  const daemon = startDaemon('docker-registry', ['serve', config]);
  daemon.child.stdout?.on('data', (c: Buffer) => (log += c.toString()));
  daemon.child.stderr?.on('data', (c: Buffer) => (log += c.toString()));
  await waitForPorts('docker-registry', [daemon], [port], 20_000);
  return { address: `127.0.0.1:${port}`, port, daemon, log: () => log, stop: () => daemon.stop() };
}

/** An image pushed to the mirror: where it comes from locally and the Docker Hub name it is served under. */
export interface MirroredImage {
  /** Local image (podman's store). */
  local: string;
  /** Docker Hub repository and tag, e.g. `library/nginx:1.27-bookworm`. */
  hubName: string;
}

/** The registries.conf making `mirror` the (plain HTTP, loopback) mirror of docker.io; nothing else changes. Pure. */
export function mirrorRegistriesConf(mirror: string): string {
  return [
    '# Test-private (CONTAINERS_REGISTRIES_CONF of one podman service): docker.io is served by a loopback mirror.',
    'unqualified-search-registries = ["docker.io"]',
    'short-name-mode = "permissive"',
    '',
    '[[registry]]',
    'prefix = "docker.io"',
    'location = "registry-1.docker.io"',
    '',
    '[[registry.mirror]]',
    `location = "${mirror}"`,
    'insecure = true',
    '',
  ].join('\n');
}

/** The running mirror. */
export interface HubMirror {
  registry: Registry;
  /** The registries.conf file for `CONTAINERS_REGISTRIES_CONF`. */
  registriesConf: string;
  images: readonly MirroredImage[];
  stop(): Promise<void>;
}

/** Starts the mirror in `dir` and pushes `images` into it under their Docker Hub names. */
export async function startHubMirror(dir: string, images: readonly MirroredImage[]): Promise<HubMirror> {
  const registry = await startRegistry(path.join(dir, 'registry'));
  try {
    for (const image of images) {
      await run('podman', ['push', '--tls-verify=false', '--quiet', image.local, `docker://${registry.address}/${image.hubName}`], { timeoutMs: 300_000 });
    }
    const registriesConf = path.join(dir, 'registries.conf');
    fs.writeFileSync(registriesConf, mirrorRegistriesConf(registry.address));
    return { registry, registriesConf, images, stop: () => registry.stop() };
  } catch (e) {
    await registry.stop();
    throw e;
  }
}
