/**
 * What of a stack's repository folder goes to the host, and its content hash (the deploy trigger).
 * Local secrets and test material never leave the laptop: `.env`, `.env.*` (except `.env.example`), `tls/`,
 * `*.pem`, `*.key`, `test/`, `node_modules/`, `data/`.
 */
import { createHash } from 'node:crypto';
import { chmodSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, posix } from 'node:path';
import { packBundleArchive } from './bundle-archive';

/** True when a path (relative, `/`-separated) of a stack folder is shipped to the host. Pure. */
export function isShipped(relPath: string): boolean {
  const parts = relPath.split('/');
  const base = parts[parts.length - 1] ?? '';
  if (parts.some((p) => ['tls', 'test', 'node_modules', 'data', '.git'].includes(p))) return false;
  if (base === '.env' || (base.startsWith('.env.') && base !== '.env.example')) return false;
  if (/\.(pem|key)$/.test(base)) return false;
  return true;
}

/** One file of a bundle. */
export interface BundleFile {
  path: string;
  content: Buffer;
  executable: boolean;
}

/** sha256 over the sorted files' paths, executable bits and contents. Pure. */
export function hashBundle(files: readonly BundleFile[]): string {
  const h = createHash('sha256');
  for (const f of [...files].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))) {
    h.update(`${f.path}\0${f.executable ? 'x' : '-'}\0${f.content.length}\0`);
    h.update(f.content);
  }
  return h.digest('hex');
}

/** Reads the shipped files of a folder (recursively, sorted). Throws when the folder does not exist. */
export function readStackFiles(srcDir: string): BundleFile[] {
  const out: BundleFile[] = [];
  const walk = (rel: string): void => {
    for (const entry of readdirSync(join(srcDir, rel), { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const r = rel ? posix.join(rel, entry.name) : entry.name;
      if (!isShipped(r)) continue;
      if (entry.isDirectory()) walk(r);
      else if (entry.isFile()) {
        const abs = join(srcDir, r);
        out.push({ path: r, content: readFileSync(abs), executable: (statSync(abs).mode & 0o111) !== 0 });
      }
    }
  };
  if (!statSync(srcDir, { throwIfNoEntry: false })?.isDirectory()) throw new Error(`stack folder ${srcDir} does not exist`);
  walk('');
  return out;
}

/** A stack's bundle: the clean folder, the archive of it that is uploaded, and the content hash. */
export interface StackBundle {
  dir: string;
  /** `<outDir>.tar.gz`: what CopyToRemote uploads (bundle-archive.ts says why one file). */
  archive: string;
  hash: string;
  files: string[];
}

/** A file made for the host that is not in the repository folder (for example a bundled installer). */
export interface ExtraFile {
  path: string;
  content: Buffer;
  executable: boolean;
}

/**
 * Writes the shipped files of `srcDir` (plus `extras`) into a fresh `outDir`, packs them into `<outDir>.tar.gz`
 * (what CopyToRemote uploads) and hashes them.
 */
export function buildStackBundle(srcDir: string, outDir: string, extras: readonly ExtraFile[] = []): StackBundle {
  const files = [...readStackFiles(srcDir).filter((f) => !extras.some((e) => e.path === f.path)), ...extras];
  rmSync(outDir, { recursive: true, force: true });
  mkdirSync(outDir, { recursive: true });
  for (const f of files) {
    const target = join(outDir, f.path);
    mkdirSync(join(target, '..'), { recursive: true });
    writeFileSync(target, f.content);
    chmodSync(target, f.executable ? 0o755 : 0o644);
  }
  const paths = files.map((f) => f.path).sort();
  const archive = packBundleArchive(outDir, paths, `${outDir}.tar.gz`);
  return { dir: outDir, archive: archive.file, hash: hashBundle(files), files: paths };
}
