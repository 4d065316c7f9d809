/**
 * The encrypted backup format, version 1 (AES-256-GCM, node:crypto). One object is:
 *
 *   offset  size  field
 *   0       8     magic, ASCII "SHGBAKUP"
 *   8       1     format version: 1
 *   9       1     algorithm: 1 = AES-256-GCM
 *   10      12    nonce (random for every object; never reused with a key)
 *   22      1     n = length of the target name
 *   23      n     target name, ASCII (chat, jenkins, harbor)
 *   23+n    …     ciphertext of the tar.gz archive
 *   end-16  16    GCM authentication tag
 *
 * The whole header (bytes 0 to 23+n) is the GCM additional authenticated data: changing the version, the nonce or
 * the target name fails authentication like changing a ciphertext byte does. Decryption writes the plaintext to a
 * private file and keeps it only when the tag verifies; a wrong key, a flipped byte or a truncated object all
 * end in one error and no plaintext.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { ScriptError } from '../../lib/cli';

export const MAGIC = Buffer.from('SHGBAKUP', 'ascii');
export const FORMAT_VERSION = 1;
export const ALGORITHM_AES_256_GCM = 1;
export const NONCE_BYTES = 12;
export const TAG_BYTES = 16;
/** The value of the object's `format` metadata. */
export const FORMAT_NAME = 'shagram-backup-v1';

/** The header of an encrypted object. */
export interface BackupHeader {
  version: number;
  nonce: Buffer;
  target: string;
}

/** The header's bytes. Pure. */
export function encodeHeader(header: BackupHeader): Buffer {
  const target = Buffer.from(header.target, 'ascii');
  if (target.length === 0 || target.length > 255 || !/^[a-z][a-z0-9-]*$/.test(header.target)) throw new Error(`bad target name ${JSON.stringify(header.target)}`);
  if (header.nonce.length !== NONCE_BYTES) throw new Error('the nonce must be 12 bytes');
  return Buffer.concat([MAGIC, Buffer.from([header.version, ALGORITHM_AES_256_GCM]), header.nonce, Buffer.from([target.length]), target]);
}

/** Reads the header at the start of `bytes` (at least its first 23 + 255 bytes, or the whole object); throws one line. Pure. */
export function decodeHeader(bytes: Buffer): BackupHeader & { length: number } {
  if (bytes.length < MAGIC.length + 4 + NONCE_BYTES || !bytes.subarray(0, MAGIC.length).equals(MAGIC)) throw new ScriptError('not a Shagram backup (no SHGBAKUP header)');
  const version = bytes[8] as number;
  if (version !== FORMAT_VERSION) throw new ScriptError(`backup format version ${version} is not supported (this tool reads version ${FORMAT_VERSION})`);
  if (bytes[9] !== ALGORITHM_AES_256_GCM) throw new ScriptError(`backup algorithm ${bytes[9]} is not supported (1 = AES-256-GCM)`);
  const nonce = Buffer.from(bytes.subarray(10, 10 + NONCE_BYTES));
  const n = bytes[22] as number;
  if (bytes.length < 23 + n) throw new ScriptError('the backup is truncated (its header is incomplete)');
  return { version, nonce, target: bytes.subarray(23, 23 + n).toString('ascii'), length: 23 + n };
}

/** Size and SHA-256 (hex) of a written object. */
export interface WrittenObject {
  bytes: number;
  sha256: string;
}

/**
 * Encrypts `source` (the tar.gz stream) into `file` (created, mode 0600; must not exist) in format version 1 and
 * answers the file's size and SHA-256. On failure the partial file is removed.
 */
export async function encryptToFile(source: Readable, file: string, key: Buffer, target: string): Promise<WrittenObject> {
  if (key.length !== 32) throw new ScriptError('the encryption key must be 32 bytes');
  const nonce = crypto.randomBytes(NONCE_BYTES);
  const header = encodeHeader({ version: FORMAT_VERSION, nonce, target });
  const cipher = crypto.createCipheriv('aes-256-gcm', key, nonce);
  cipher.setAAD(header);
  const hash = crypto.createHash('sha256');
  let bytes = 0;
  const tap = (chunk: Buffer): Buffer => {
    hash.update(chunk);
    bytes += chunk.length;
    return chunk;
  };
  try {
    await pipeline(
      source,
      async function* (input: AsyncIterable<Buffer>) {
        yield tap(header);
        for await (const chunk of input) {
          const out = cipher.update(chunk);
          if (out.length > 0) yield tap(out);
        }
        const last = cipher.final();
        if (last.length > 0) yield tap(last);
        yield tap(cipher.getAuthTag());
      },
      fs.createWriteStream(file, { mode: 0o600, flags: 'wx' }),
    );
  } catch (error) {
    fs.rmSync(file, { force: true });
    throw error;
  }
  return { bytes, sha256: hash.digest('hex') };
}

/** SHA-256 (hex) and size of a file. */
export async function hashFile(file: string): Promise<WrittenObject> {
  const hash = crypto.createHash('sha256');
  let bytes = 0;
  for await (const chunk of fs.createReadStream(file)) {
    hash.update(chunk as Buffer);
    bytes += (chunk as Buffer).length;
  }
  return { bytes, sha256: hash.digest('hex') };
}

/**
 * Decrypts the object `file` into `out` (mode 0600) after checking its header names `expectedTarget`. The tag is
 * checked at the end; when it does not verify (wrong key, altered or truncated object) `out` is removed and a
 * one-line {@link ScriptError} is thrown.
 */
export async function decryptFile(file: string, out: string, key: Buffer, expectedTarget: string): Promise<void> {
  const size = fs.statSync(file).size;
  const fd = fs.openSync(file, 'r');
  const head = Buffer.alloc(Math.min(size, 23 + 255));
  try {
    fs.readSync(fd, head, 0, head.length, 0);
  } finally {
    fs.closeSync(fd);
  }
  const header = decodeHeader(head);
  if (header.target !== expectedTarget) throw new ScriptError(`the object holds a ${header.target} backup, not ${expectedTarget}`);
  if (size < header.length + TAG_BYTES) throw new ScriptError('the backup is truncated (no room for its authentication tag)');
  const tag = Buffer.alloc(TAG_BYTES);
  const tfd = fs.openSync(file, 'r');
  try {
    fs.readSync(tfd, tag, 0, TAG_BYTES, size - TAG_BYTES);
  } finally {
    fs.closeSync(tfd);
  }
  const decipher = crypto.createDecipheriv('aes-256-gcm', key, header.nonce);
  decipher.setAAD(head.subarray(0, header.length));
  decipher.setAuthTag(tag);
  try {
    await pipeline(
      size === header.length + TAG_BYTES ? Readable.from([]) : fs.createReadStream(file, { start: header.length, end: size - TAG_BYTES - 1 }),
      async function* (input: AsyncIterable<Buffer>) {
        for await (const chunk of input) {
          const plain = decipher.update(chunk);
          if (plain.length > 0) yield plain;
        }
        const last = decipher.final(); // throws when the tag does not verify
        if (last.length > 0) yield last;
      },
      fs.createWriteStream(out, { mode: 0o600, flags: 'wx' }),
    );
  } catch (error) {
    fs.rmSync(out, { force: true });
    if (/unable to authenticate|auth/i.test((error as Error).message)) {
      throw new ScriptError('authentication failed: the object was altered or truncated, or the encryption key is not the one it was made with');
    }
    throw error;
  }
}
