/**
 * A stand-in for Harbor's offline installer archive (`harbor-offline-installer-<version>.tgz`, what
 * harbor/installer.json pins), with the layout harbor/src/install.ts relies on: one top folder `harbor/` holding
 * `install.sh`, `prepare` and the images as `harbor.<version>.tar.gz` (a `docker save`, gzipped), unpacked with
 * `--strip-components=1` into the stack folder, then `./install.sh` run there after `harbor.yml` is written.
 *
 * Its parts (test/system-helpers/standin/harbor/):
 * - `installer/install.sh`: Harbor's install.sh steps (check Docker and Compose, `docker load`, `./prepare`,
 *   compose `up -d`);
 * - `installer/prepare`: renders `docker-compose.yml` and `common/config/core/env` from `harbor.yml`;
 * - `image/`: one image, `goharbor/harbor-standin:<version>`, running Debian's docker-registry (distribution v2.8,
 *   basic auth from an htpasswd file) behind a Node front on 8080 that passes `/v2/` to it and answers the
 *   Harbor API v2.0 calls harbor/install makes (`harbor-standin.cjs`, written from Harbor's swagger); robots it
 *   creates get a registry login.
 *
 * The archive and the digest are cached in the stand-in cache folder under a hash of their inputs (a rerun takes no
 * time); the image is removed from podman's store once saved, so the installer's `docker load` really loads it.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { run } from './exec';
import { DEFAULT_STANDIN_CACHE, STANDIN_IMAGES } from './standin-plan';

/** The version the archive claims (harbor/installer.json's). */
export interface HarborInstaller {
  version: string;
  /** The `.tgz` on this machine. */
  archive: string;
  sha256: string;
  /** The image the archive carries. */
  image: string;
}

const STANDIN_DIR = path.join(__dirname, 'standin', 'harbor');

/** Shared libraries of a binary other than libc and the loader (`ldd`), resolved to files. */
async function libraries(binary: string): Promise<string[]> {
  const out = (await run('ldd', [binary])).stdout;
  return [...out.matchAll(/=> (\/\S+)/g)].map((m) => m[1] as string).filter((lib) => !/\/(libc|ld-linux[^/]*)\.so/.test(lib));
}

function filesUnder(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? filesUnder(path.join(dir, e.name)) : [path.join(dir, e.name)])).sort();
}

/** Builds (or reuses) the installer archive for `version`. Needs the Node stand-in image (ensureStandinImages). */
export async function harborInstaller(version: string, cacheDir = process.env.SHAGRAM_STANDIN_CACHE ?? DEFAULT_STANDIN_CACHE): Promise<HarborInstaller> {
  const binaries = ['/usr/bin/docker-registry', '/usr/bin/htpasswd'];
  const libs = [...new Set((await Promise.all(binaries.map(libraries))).flat())];
  const baseId = (await run('podman', ['image', 'inspect', '--format', '{{.Id}}', STANDIN_IMAGES.node])).stdout.trim();
  const h = createHash('sha256').update(`${version}\0${baseId}\0`);
  for (const f of [...filesUnder(STANDIN_DIR), ...binaries, ...libs]) h.update(`${f}\0`).update(fs.readFileSync(f));
  const key = h.digest('hex').slice(0, 24);
  const image = `docker.io/goharbor/harbor-standin:${version}`;
  const archive = path.join(cacheDir, `harbor-offline-installer-${version}-standin-${key}.tgz`);
  if (!fs.existsSync(archive)) {
    const work = fs.mkdtempSync(path.join(os.tmpdir(), 'shagram-harbor-standin-'));
    try {
      const ctx = path.join(work, 'image');
      fs.cpSync(path.join(STANDIN_DIR, 'image'), ctx, { recursive: true });
      for (const b of binaries) fs.copyFileSync(b, path.join(ctx, path.basename(b)));
      fs.mkdirSync(path.join(ctx, 'lib'));
      for (const lib of libs) fs.copyFileSync(lib, path.join(ctx, 'lib', path.basename(lib)));
      await run('podman', ['build', '--runtime', 'runc', '--pull=never', '--build-arg', `BASE=${STANDIN_IMAGES.node}`, '-f', path.join(ctx, 'Containerfile'), '-t', image, ctx], { timeoutMs: 300_000 });
      const top = path.join(work, 'pack', 'harbor');
      fs.mkdirSync(top, { recursive: true });
      for (const f of ['install.sh', 'prepare']) fs.copyFileSync(path.join(STANDIN_DIR, 'installer', f), path.join(top, f));
      for (const f of ['install.sh', 'prepare']) fs.chmodSync(path.join(top, f), 0o755);
      fs.writeFileSync(path.join(top, 'VERSION'), `${version}\n`);
      const saved = path.join(work, 'images.tar');
      await run('podman', ['save', '--format', 'docker-archive', '-o', saved, image], { timeoutMs: 300_000 });
      await run('sh', ['-c', `gzip -1 -c "$1" > "$2"`, 'sh', saved, path.join(top, `harbor.${version}.tar.gz`)], { timeoutMs: 300_000 });
      fs.mkdirSync(cacheDir, { recursive: true });
      await run('tar', ['-czf', `${archive}.part`, '-C', path.join(work, 'pack'), 'harbor']);
      fs.renameSync(`${archive}.part`, archive);
      // Older stand-in archives (other inputs) are of no further use.
      for (const old of fs.readdirSync(cacheDir)) {
        if (old.startsWith(`harbor-offline-installer-${version}-standin-`) && path.join(cacheDir, old) !== archive) fs.rmSync(path.join(cacheDir, old), { force: true });
      }
    } finally {
      fs.rmSync(work, { recursive: true, force: true });
    }
  }
  // The installer's `docker load` must really load it: nothing of that name in the store before.
  await run('podman', ['rmi', '-f', image], { allowFailure: true });
  const sha256 = createHash('sha256').update(fs.readFileSync(archive)).digest('hex');
  return { version, archive, sha256, image };
}
