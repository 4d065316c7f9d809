import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { run } from './exec';
import {
  DEFAULT_STANDIN_CACHE,
  STANDIN_HASH_LABEL,
  STANDIN_IMAGES,
  planStandins,
  standinBuildCommands,
  standinHash,
  type FileStamp,
  type StandinInputs,
  type StandinSpec,
} from './standin-plan';

export { STANDIN_IMAGES };

/** Collects this machine's facts for {@link planStandins}: the node binary, its headers and npm. */
export function localStandinInputs(cacheDir = process.env.SHAGRAM_STANDIN_CACHE ?? DEFAULT_STANDIN_CACHE): StandinInputs {
  const nodeBinary = fs.realpathSync(process.execPath);
  const prefix = path.dirname(path.dirname(nodeBinary));
  const candidates = (suffix: string) => [path.join(prefix, suffix), path.join('/usr/local', suffix), path.join('/usr', suffix)];
  const find = (suffix: string, what: string) => {
    const found = candidates(suffix).find((dir) => fs.existsSync(dir));
    if (!found) throw new Error(`stand-in images: cannot find ${what} (looked for ${candidates(suffix).join(', ')})`);
    return found;
  };
  return {
    cacheDir,
    nodeBinary,
    nodeHeaders: find('include/node', "Node's C++ headers"),
    npmDir: find('lib/node_modules/npm', 'npm'),
    standinDir: path.join(__dirname, 'standin'),
  };
}

function stamp(file: string): FileStamp {
  const stat = fs.statSync(file);
  return { path: file, size: stat.size, mtimeMs: Math.trunc(stat.mtimeMs) };
}

function hashOf(spec: StandinSpec): string {
  const definitions = [spec.containerfile, ...spec.context.map((entry) => entry.from)]
    .filter((file) => fs.statSync(file).isFile() && fs.statSync(file).size < 1_000_000)
    .map((file) => fs.readFileSync(file, 'utf8'));
  const stamps = [spec.rootfsTar, ...spec.context.map((entry) => entry.from)].map(stamp);
  return standinHash(spec, stamps, definitions);
}

async function currentHash(image: string): Promise<string | undefined> {
  const result = await run('podman', ['image', 'inspect', '--format', `{{index .Labels "${STANDIN_HASH_LABEL}"}}`, image], {
    allowFailure: true,
  });
  return result.code === 0 ? result.stdout.trim() : undefined;
}

/**
 * Makes sure the stand-in base images exist and are current; builds only what changed (the label
 * `org.shagram.standin.hash` is the cache key), so a rerun takes a second. Needs the tarballs from
 * scripts/setup.d/40-standin-rootfs.sh. Returns the image names to pass as NODE_*_IMAGE / NGINX_IMAGE.
 */
export async function ensureStandinImages(inputs: StandinInputs = localStandinInputs()): Promise<typeof STANDIN_IMAGES> {
  for (const spec of planStandins(inputs)) {
    if (!fs.existsSync(spec.rootfsTar)) {
      throw new Error(`stand-in images: ${spec.rootfsTar} is missing; run \`npm run setup:system\` first`);
    }
    const hash = hashOf(spec);
    if ((await currentHash(spec.image)) === hash) continue;
    const contextDir = fs.mkdtempSync(path.join(os.tmpdir(), 'shagram-standin-'));
    try {
      fs.copyFileSync(spec.containerfile, path.join(contextDir, 'Containerfile'));
      for (const entry of spec.context) {
        fs.cpSync(entry.from, path.join(contextDir, entry.to), { recursive: true, dereference: true });
      }
      for (const [command, ...args] of standinBuildCommands(spec, hash, contextDir)) {
        await run(command as string, args);
      }
    } finally {
      fs.rmSync(contextDir, { recursive: true, force: true });
    }
  }
  return STANDIN_IMAGES;
}
