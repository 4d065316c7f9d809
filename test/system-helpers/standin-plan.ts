import crypto from 'node:crypto';
import path from 'node:path';

/** Folder with the debootstrap tarballs written by scripts/setup.d/40-standin-rootfs.sh. */
export const DEFAULT_STANDIN_CACHE = '/var/cache/shagram-standins';

/** Label on every stand-in image: the hash of everything it was built from (cache key). */
export const STANDIN_HASH_LABEL = 'org.shagram.standin.hash';

/** A file or folder copied into a stand-in's build context. */
export interface ContextEntry {
  /** Absolute path on this machine. */
  from: string;
  /** Name inside the build context. */
  to: string;
}

/** Everything needed to build one stand-in base image. */
export interface StandinSpec {
  /** Final image reference, e.g. `localhost/shagram-standin/node:20-bookworm-slim`. */
  image: string;
  /** The official image it replaces. */
  replaces: string;
  /** Root filesystem tarball imported as the FROM image. */
  rootfsTar: string;
  /** Image the tarball is imported as. */
  baseImage: string;
  /** Containerfile of the final build (takes ARG BASE). */
  containerfile: string;
  /** Files and folders copied into the build context. */
  context: ContextEntry[];
}

/** Facts about this machine the plan depends on. */
export interface StandinInputs {
  /** Folder holding bookworm-minbase.tar and bookworm-nginx.tar. */
  cacheDir: string;
  /** Absolute path of this machine's node binary (`which node`, symlinks resolved). */
  nodeBinary: string;
  /** Folder with Node's C++ headers (`<prefix>/include/node`). */
  nodeHeaders: string;
  /** Folder of the npm package (`<prefix>/lib/node_modules/npm`). */
  npmDir: string;
  /** Folder of this helper's stand-in definitions (test/system-helpers/standin). */
  standinDir: string;
}

/** The image names the tests pass to the Dockerfile and compose file. */
export const STANDIN_IMAGES = {
  node: 'localhost/shagram-standin/node:20-bookworm-slim',
  nginx: 'localhost/shagram-standin/nginx:bookworm',
} as const;

/**
 * Plans the two stand-in base images: Node (replaces node:20-bookworm-slim) and nginx (replaces the official
 * nginx image, with its templates/envsubst entrypoint behaviour). Pure.
 */
export function planStandins(inputs: StandinInputs): StandinSpec[] {
  const nodeDir = path.join(inputs.standinDir, 'node');
  const nginxDir = path.join(inputs.standinDir, 'nginx');
  return [
    {
      image: STANDIN_IMAGES.node,
      replaces: 'node:20-bookworm-slim',
      rootfsTar: path.join(inputs.cacheDir, 'bookworm-minbase.tar'),
      baseImage: 'localhost/shagram-standin/bookworm-minbase:latest',
      containerfile: path.join(nodeDir, 'Containerfile'),
      context: [
        { from: inputs.nodeBinary, to: 'node' },
        { from: inputs.nodeHeaders, to: 'include-node' },
        { from: inputs.npmDir, to: 'npm' },
      ],
    },
    {
      image: STANDIN_IMAGES.nginx,
      replaces: 'nginx:1.27-bookworm',
      rootfsTar: path.join(inputs.cacheDir, 'bookworm-nginx.tar'),
      baseImage: 'localhost/shagram-standin/bookworm-nginx:latest',
      containerfile: path.join(nginxDir, 'Containerfile'),
      context: ['nginx.conf', 'default.conf', 'docker-entrypoint.sh', 'docker-entrypoint.d'].map((name) => ({
        from: path.join(nginxDir, name),
        to: name,
      })),
    },
  ];
}

/** Something that identifies a file's content cheaply: its path, size and modification time. */
export interface FileStamp {
  path: string;
  size: number;
  mtimeMs: number;
}

/**
 * Cache key of a stand-in: a hash over its spec, the stamps of every input file and the contents of its
 * small definition files. Any change rebuilds the image. Pure.
 */
export function standinHash(spec: StandinSpec, stamps: readonly FileStamp[], definitions: readonly string[]): string {
  const hash = crypto.createHash('sha256');
  hash.update(JSON.stringify({ spec, stamps: [...stamps].sort((a, b) => a.path.localeCompare(b.path)) }));
  for (const text of definitions) hash.update('\0').update(text);
  return hash.digest('hex').slice(0, 32);
}

/** The podman commands that (re)build one stand-in in `contextDir` (already filled). Pure. */
export function standinBuildCommands(spec: StandinSpec, hash: string, contextDir: string): string[][] {
  return [
    ['podman', 'import', '--change', 'CMD ["/bin/bash"]', spec.rootfsTar, spec.baseImage],
    [
      'podman', 'build', '--runtime', 'runc', '--pull=never', '--build-arg', `BASE=${spec.baseImage}`,
      '--label', `${STANDIN_HASH_LABEL}=${hash}`, '--label', `org.shagram.standin.replaces=${spec.replaces}`,
      '-f', path.join(contextDir, 'Containerfile'), '-t', spec.image, contextDir,
    ],
  ];
}
