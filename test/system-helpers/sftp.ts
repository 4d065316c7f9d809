/**
 * A minimal SFTP version 3 client (draft-ietf-secsh-filexfer-02) speaking to the server's `sftp` subsystem through
 * the OpenSSH client (`ssh -s … sftp`): OpenSSH does the transport and the key login, this module sends exactly the
 * requests github.com/pkg/sftp v1.13.6 (the SFTP library of @pulumi/command 1.2.1) sends for the calls the copy uses:
 *
 * - `stat(path)`: SSH_FXP_STAT; "no such file" answers `undefined` (client.go `Stat`, `normaliseError`).
 * - `mkdir(path)`: SSH_FXP_MKDIR with empty attributes (client.go `Mkdir`): the server picks the mode
 *   (OpenSSH sftp-server: 0777 less the session umask).
 * - `mkdirAll(path)`: client.go `MkdirAll`: stat; an existing folder is fine, an existing file is ENOTDIR; else
 *   `mkdirAll(parent)` then `mkdir`, and a failed `mkdir` is fine when `lstat` then shows a folder.
 * - `create(path, data)`: client.go `Create` = SSH_FXP_OPEN with READ|WRITE|CREAT|TRUNC and empty attributes
 *   (OpenSSH sftp-server opens with 0666 less the session umask and never chmods an existing file), then
 *   SSH_FXP_WRITE of 32 KiB chunks (the library's default max packet), then SSH_FXP_CLOSE.
 */
import { spawn, type ChildProcess } from 'node:child_process';

const FXP_INIT = 1;
const FXP_VERSION = 2;
const FXP_OPEN = 3;
const FXP_CLOSE = 4;
const FXP_WRITE = 6;
const FXP_LSTAT = 7;
const FXP_MKDIR = 14;
const FXP_STAT = 17;
const FXP_STATUS = 101;
const FXP_HANDLE = 102;
const FXP_ATTRS = 105;

const FXF_READ = 0x1;
const FXF_WRITE = 0x2;
const FXF_CREAT = 0x8;
const FXF_TRUNC = 0x10;

const FX_OK = 0;
const FX_NO_SUCH_FILE = 2;

const ATTR_SIZE = 0x1;
const ATTR_UIDGID = 0x2;
const ATTR_PERMISSIONS = 0x4;

/** pkg/sftp's default max data per write request. */
const MAX_PACKET = 32 * 1024;

/** What a stat answers. */
export interface RemoteStat {
  isDir: boolean;
  /** Permission bits (`mode & 0o7777`). */
  mode: number;
  size: number;
}

/** An SFTP protocol failure (SSH_FXP_STATUS other than OK). */
export class SftpStatusError extends Error {
  constructor(
    readonly op: string,
    readonly path: string,
    readonly code: number,
    message: string,
  ) {
    super(`sftp: ${op} ${path}: ${message} (status ${code})`);
  }
}

/** An open SFTP session. */
export interface SftpClient {
  stat(path: string): Promise<RemoteStat | undefined>;
  lstat(path: string): Promise<RemoteStat | undefined>;
  mkdir(path: string): Promise<void>;
  mkdirAll(path: string): Promise<void>;
  create(path: string, data: Buffer): Promise<void>;
  close(): Promise<void>;
}

function u32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n >>> 0);
  return b;
}

function u64(n: number): Buffer {
  const b = Buffer.alloc(8);
  b.writeBigUInt64BE(BigInt(n));
  return b;
}

function str(s: string | Buffer): Buffer {
  const b = typeof s === 'string' ? Buffer.from(s, 'utf8') : s;
  return Buffer.concat([u32(b.length), b]);
}

/** One packet: uint32 length, byte type, payload. Pure. */
export function encodePacket(type: number, ...parts: Buffer[]): Buffer {
  const body = Buffer.concat([Buffer.from([type]), ...parts]);
  return Buffer.concat([u32(body.length), body]);
}

/** Reads ATTRS (draft-02 section 5). Pure. */
export function decodeAttrs(b: Buffer, at: number): RemoteStat {
  const flags = b.readUInt32BE(at);
  let o = at + 4;
  let size = 0;
  let perm = 0;
  if (flags & ATTR_SIZE) {
    size = Number(b.readBigUInt64BE(o));
    o += 8;
  }
  if (flags & ATTR_UIDGID) o += 8;
  // ATTR_ACMODTIME (atime, mtime) and extended attributes follow the permissions; nothing here reads them
  if (flags & ATTR_PERMISSIONS) perm = b.readUInt32BE(o);
  return { isDir: (perm & 0o170000) === 0o040000, mode: perm & 0o7777, size };
}

/**
 * Opens an SFTP session: `ssh <sshArgs…> -s <destination> sftp`. `sshArgs` carry the key, port and host-key
 * options of the caller.
 */
export async function openSftp(sshArgs: readonly string[], destination: string): Promise<SftpClient> {
  const child: ChildProcess = spawn('ssh', [...sshArgs, '-s', destination, 'sftp'], { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (c: Buffer) => (stderr += c.toString()));
  let buffered = Buffer.alloc(0);
  const waiting = new Map<number, (type: number, body: Buffer) => void>();
  let versionWaiter: ((ok: boolean) => void) | undefined;
  let exited: string | undefined;
  const failAll = (why: string): void => {
    exited = why;
    versionWaiter?.(false);
    for (const [, w] of waiting) w(-1, Buffer.from(why));
    waiting.clear();
  };
  child.on('error', (e) => failAll(`ssh: ${e.message}`));
  child.on('close', (code) => failAll(`ssh -s sftp exited ${code}: ${stderr.trim()}`));
  child.stdout?.on('data', (chunk: Buffer) => {
    buffered = Buffer.concat([buffered, chunk]);
    while (buffered.length >= 4) {
      const len = buffered.readUInt32BE(0);
      if (buffered.length < 4 + len) break;
      const type = buffered.readUInt8(4);
      const body = buffered.subarray(5, 4 + len);
      buffered = buffered.subarray(4 + len);
      if (type === FXP_VERSION) {
        versionWaiter?.(true);
        continue;
      }
      const id = body.readUInt32BE(0);
      const w = waiting.get(id);
      waiting.delete(id);
      w?.(type, body.subarray(4));
    }
  });
  child.stdin?.on('error', () => undefined);

  const version = new Promise<boolean>((resolve) => (versionWaiter = resolve));
  child.stdin?.write(encodePacket(FXP_INIT, u32(3)));
  if (!(await version)) throw new Error(exited ?? 'sftp: no version');

  let nextId = 0;
  const request = (type: number, ...parts: Buffer[]): Promise<{ type: number; body: Buffer }> => {
    if (exited) return Promise.reject(new Error(exited));
    const id = ++nextId;
    return new Promise((resolve, reject) => {
      waiting.set(id, (t, body) => (t < 0 ? reject(new Error(body.toString())) : resolve({ type: t, body })));
      child.stdin?.write(encodePacket(type, u32(id), ...parts));
    });
  };
  const status = (op: string, path: string, r: { type: number; body: Buffer }): void => {
    if (r.type !== FXP_STATUS) throw new Error(`sftp: ${op} ${path}: unexpected packet ${r.type}`);
    const code = r.body.readUInt32BE(0);
    if (code !== FX_OK) {
      const len = r.body.readUInt32BE(4);
      throw new SftpStatusError(op, path, code, r.body.subarray(8, 8 + len).toString());
    }
  };
  const statWith = async (type: number, path: string): Promise<RemoteStat | undefined> => {
    const r = await request(type, str(path));
    if (r.type === FXP_ATTRS) return decodeAttrs(r.body, 0);
    try {
      status('stat', path, r);
    } catch (e) {
      if (e instanceof SftpStatusError && e.code === FX_NO_SUCH_FILE) return undefined;
      throw e;
    }
    throw new Error(`sftp: stat ${path}: status OK without attributes`);
  };

  const client: SftpClient = {
    stat: (path) => statWith(FXP_STAT, path),
    lstat: (path) => statWith(FXP_LSTAT, path),
    async mkdir(path) {
      status('mkdir', path, await request(FXP_MKDIR, str(path), u32(0)));
    },
    async mkdirAll(path) {
      const st = await client.stat(path);
      if (st) {
        if (st.isDir) return;
        throw new Error(`mkdir ${path}: not a directory`);
      }
      let i = path.length;
      while (i > 0 && path[i - 1] === '/') i--;
      let j = i;
      while (j > 0 && path[j - 1] !== '/') j--;
      if (j > 1) await client.mkdirAll(path.slice(0, j - 1));
      try {
        await client.mkdir(path);
      } catch (e) {
        const again = await client.lstat(path);
        if (again?.isDir) return;
        throw e;
      }
    },
    async create(path, data) {
      const opened = await request(FXP_OPEN, str(path), u32(FXF_READ | FXF_WRITE | FXF_CREAT | FXF_TRUNC), u32(0));
      if (opened.type !== FXP_HANDLE) {
        status('open', path, opened);
        throw new Error(`sftp: open ${path}: no handle`);
      }
      const handle = opened.body.subarray(4, 4 + opened.body.readUInt32BE(0));
      const writes: Promise<void>[] = [];
      for (let off = 0; off < data.length; off += MAX_PACKET) {
        const piece = data.subarray(off, off + MAX_PACKET);
        writes.push(request(FXP_WRITE, str(handle), u64(off), str(piece)).then((r) => status('write', path, r)));
      }
      const results = await Promise.allSettled(writes);
      status('close', path, await request(FXP_CLOSE, str(handle)));
      const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
      if (failed) throw failed.reason;
    },
    close() {
      return new Promise((resolve) => {
        if (exited) return resolve();
        child.once('close', () => resolve());
        child.stdin?.end();
      });
    },
  };
  return client;
}
