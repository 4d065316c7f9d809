/**
 * A stack bundle as one deterministic `.tar.gz`: what `remote.CopyToRemote` uploads and the host unpacks.
 *
 * Why one archive file and not the folder: @pulumi/command 1.2.1 copies a folder source without a trailing slash to
 * `<remotePath>/<basename>` and creates every file with `sftp.Create` (mode 0666 less the server's umask, no chmod),
 * so execute bits are lost (provider/pkg/provider/remote/copyController.go, `sftpCopy` / `copyFile`). A single file
 * copied to a path that does not exist lands exactly at that path, and `tar` keeps the modes inside.
 *
 * Deterministic: sorted entries, mtime 0, no owner names or ids, so the same files give the same bytes (and Pulumi
 * sees no change in the asset when nothing changed).
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { dirname } from 'node:path';
import { create } from 'tar';

/** The archive written for a bundle folder. */
export interface BundleArchive {
  /** Local path of the `.tar.gz`. */
  file: string;
  /** sha256 of the archive bytes. */
  sha256: string;
}

/**
 * Packs `files` (paths relative to `dir`, `/`-separated) into `outFile`, replacing it. Modes come from the files
 * on disk (the bundle builder sets 0755 or 0644).
 */
export function packBundleArchive(dir: string, files: readonly string[], outFile: string): BundleArchive {
  rmSync(outFile, { force: true });
  mkdirSync(dirname(outFile), { recursive: true });
  const sorted = [...files].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  create({ cwd: dir, file: outFile, gzip: { level: 9 }, portable: true, mtime: new Date(0), sync: true, noDirRecurse: true }, sorted);
  return { file: outFile, sha256: createHash('sha256').update(readFileSync(outFile)).digest('hex') };
}
