import crypto from 'node:crypto';
import fs from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import { HarborInstallError } from './render';

/** SHA-256 of a file, hex, read as a stream (the installer is about 700 MB). */
export async function sha256File(file: string): Promise<string> {
  const hash = crypto.createHash('sha256');
  await pipeline(fs.createReadStream(file), hash);
  return hash.digest('hex');
}

/** True when `value` looks like a SHA-256 digest (64 hex digits). Pure. */
export function isSha256(value: unknown): value is string {
  return typeof value === 'string' && /^[0-9a-f]{64}$/i.test(value);
}

/** Resolves when the file's SHA-256 is `expected`; rejects naming both digests otherwise. */
export async function verifyChecksum(file: string, expected: string): Promise<void> {
  if (!isSha256(expected)) throw new HarborInstallError(`"${expected}" is not a SHA-256 digest`);
  const actual = await sha256File(file);
  if (actual !== expected.toLowerCase()) {
    throw new HarborInstallError(`checksum mismatch for ${file}: expected ${expected.toLowerCase()}, got ${actual}`);
  }
}

/** Downloads `url` to `dest` (via a .part file, renamed only when complete). */
export async function download(url: string, dest: string): Promise<void> {
  const res = await fetch(url, { redirect: 'follow' });
  if (!res.ok || !res.body) throw new HarborInstallError(`GET ${url} answered ${res.status}`);
  const part = `${dest}.part`;
  await pipeline(Readable.fromWeb(res.body as import('node:stream/web').ReadableStream), fs.createWriteStream(part));
  fs.renameSync(part, dest);
}
