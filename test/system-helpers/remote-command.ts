/**
 * Stand-in for @pulumi/command 1.2.1's remote provider (github.com/pulumi/pulumi-command, tag v1.2.1,
 * provider/pkg/provider/remote/): what `remote.CopyToRemote` and `remote.Command` do on the host, over a real
 * SSH connection (the OpenSSH client) to a real sshd.
 *
 * - {@link copyToRemote}: copyController.go `copyToRemote` → `sftpCopy` / `copyFile` / `copyDir` /
 *   `copyTextContent`, over SFTP with the requests of github.com/pkg/sftp (./sftp.ts).
 * - {@link runCommand}: commandOutputs.go `(*CommandOutputs).run`: one SSH session, `Setenv` per `environment`
 *   entry (a refusal fails the command before it runs), `PULUMI_COMMAND_STDOUT`/`_STDERR` set optimistically
 *   (a refusal only warns), `stdin` written when non-empty, the command string as one exec request (run by the
 *   user's shell on the server, no pty), outputs with one trailing newline trimmed, and on a non-zero exit the
 *   error `Process exited with status N: running "<cmd>":\n<stdout+stderr>`.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { openSftp, type SftpClient } from './sftp';

/** Where and how to reach the host. */
export interface SshTarget {
  host: string;
  port: number;
  user: string;
  /** OpenSSH client options: identity, host-key checking (e.g. from ./sshd.ts). */
  sshOptions: readonly string[];
  /**
   * The server's `AcceptEnv` patterns (`sshd -T`): an `env` request for any other name is refused, as OpenSSH's
   * session.c `session_env_req` refuses it, and Go's `Session.Setenv` (want-reply) then fails.
   */
  acceptEnv: readonly string[];
}

/** `remote.CopyToRemote`'s `source`: a path-based FileAsset/FileArchive or a StringAsset. */
export type CopySource = { kind: 'asset'; path: string } | { kind: 'archive'; path: string } | { kind: 'text'; text: string };

/** The posix `path` module, as Go's `filepath` on the (Unix) machine running the provider. */
const p = path.posix;

/**
 * copyController.go `copyToRemote`: dials, opens SFTP and copies. A text asset goes through `copyTextContent`
 * (a folder at `remotePath` is an error; parents are created; the file is created/truncated); a path goes through
 * `sftpCopy`.
 */
export async function copyToRemote(target: SshTarget, source: CopySource, remotePath: string): Promise<void> {
  const sftp = await openSftp([...target.sshOptions, '-p', String(target.port)], `${target.user}@${target.host}`).catch((e: Error) => {
    throw new Error(`dial ${target.host}:${target.port}: ${e.message}`);
  });
  try {
    if (source.kind === 'text') {
      const st = await sftp.stat(remotePath);
      if (st?.isDir) throw new Error(`remote path ${remotePath} is a directory; when using a text asset, remotePath must be a file path`);
      await sftp.mkdirAll(p.dirname(remotePath));
      await sftp.create(remotePath, Buffer.from(source.text, 'utf8'));
    } else {
      await sftpCopy(sftp, source.path, remotePath);
    }
  } finally {
    await sftp.close();
  }
}

/**
 * copyController.go `sftpCopy`: the path table of the provider (its comment, verbatim):
 *
 * ```
 * source | dest - exists as dir | dest - does not exist | dest - exists as file
 * -------|----------------------|-----------------------|-----------------------
 * dir    | dest/dir             | dest/dir              | error
 * dir/   | dest/x for x in dir  | dest/dir              | error
 * file   | dest/file            | dest                  | dest (overwritten)
 * ```
 *
 * What the code does for a folder source: a missing `dest` is made with `MkdirAll`; then without a trailing slash
 * the copy goes into `dest/<basename>` (made with `Mkdir` when missing; a file there is an error); `copyDir` walks
 * the folder (`fs.WalkDir`, lexical order), making each missing folder with `Mkdir` and each file with
 * `copyFile`. Note the "dir/ + dest missing" cell: the code copies the contents into the new `dest` (the table's
 * "dest/dir" is only true when dest's basename is the folder's). For a file source: an existing folder means
 * `dest/<basename>`; a missing dest gets its parents (`MkdirAll(filepath.Dir(dest))`); then `copyFile`:
 * `sftp.Create` (mode 0666 less the server session's umask for a new file, an existing file keeps its mode; never
 * a chmod: execute bits are not carried) and the bytes written.
 */
export async function sftpCopy(sftp: SftpClient, sourcePath: string, destPath: string): Promise<void> {
  const srcInfo = fs.statSync(sourcePath);
  const destStat = await sftp.stat(destPath);
  let dest = destPath;
  if (srcInfo.isDirectory()) {
    if (!destStat) await sftp.mkdirAll(dest);
    if (!sourcePath.endsWith('/')) {
      dest = p.join(dest, p.basename(sourcePath));
      const inner = await sftp.stat(dest);
      if (inner && !inner.isDir) throw new Error(`remote path ${dest} exists but is not a directory`);
      if (!inner) await sftp.mkdir(dest);
    }
    await copyDir(sftp, sourcePath, dest);
  } else {
    if (destStat?.isDir) dest = p.join(dest, p.basename(sourcePath));
    else if (!destStat) await sftp.mkdirAll(p.dirname(dest));
    await sftp.create(dest, fs.readFileSync(sourcePath));
  }
}

/** Go's `fs.WalkDir` order: the root, then each entry in lexical order, folders depth-first. */
function walk(root: string, rel = '.'): { rel: string; dir: boolean }[] {
  const out: { rel: string; dir: boolean }[] = [{ rel, dir: true }];
  const entries = fs.readdirSync(path.join(root, rel), { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const e of entries) {
    const child = rel === '.' ? e.name : `${rel}/${e.name}`;
    if (e.isDirectory()) out.push(...walk(root, child));
    else out.push({ rel: child, dir: false });
  }
  return out;
}

/** copyController.go `copyDir`. */
async function copyDir(sftp: SftpClient, src: string, dst: string): Promise<void> {
  for (const entry of walk(src)) {
    const remotePath = p.join(dst, entry.rel);
    if (!entry.dir) {
      await sftp.create(remotePath, fs.readFileSync(path.join(src, entry.rel)));
      continue;
    }
    const info = await sftp.stat(remotePath);
    if (!info) await sftp.mkdir(remotePath);
    else if (!info.isDir) throw new Error(`remote path ${remotePath} exists but is not a directory`);
  }
}

/** Glob match of an `AcceptEnv` pattern (`*`, `?`), as OpenSSH's `match_pattern`. Pure. */
export function acceptsEnv(patterns: readonly string[], name: string): boolean {
  return patterns.some((pattern) => {
    const re = new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`);
    return re.test(name);
  });
}

/** What a command run gave. */
export interface CommandResult {
  stdout: string;
  stderr: string;
  /** Warnings the provider logs (e.g. a refused `PULUMI_COMMAND_STDOUT`). */
  warnings: string[];
}

/** Inputs of one run of a `remote.Command` script. */
export interface CommandRun {
  stdin?: string;
  environment?: Record<string, string>;
  /** Default true (command.go `AddPreviousOutputInEnv`). */
  addPreviousOutputInEnv?: boolean;
  /** The resource's stdout/stderr from its previous create/update (for update and delete). */
  previous?: { stdout: string; stderr: string };
}

/** The provider's Setenv failure text (commandOutputs.go `logAndWrapSetenvErr`, x/crypto/ssh `Session.Setenv`). */
export function setenvError(name: string): string {
  return `could not set environment variable "${name}": ssh: setenv failed`;
}

/** commandOutputs.go `(*CommandOutputs).run`. Rejects with the provider's error text. */
export async function runCommand(target: SshTarget, cmd: string, options: CommandRun = {}): Promise<CommandResult> {
  const warnings: string[] = [];
  const env: Record<string, string> = {};
  // Go ranges over the map in random order and stops at the first refusal: report the first in name order.
  for (const [name, value] of Object.entries(options.environment ?? {}).sort(([a], [b]) => (a < b ? -1 : 1))) {
    if (!acceptsEnv(target.acceptEnv, name)) throw new Error(setenvError(name));
    env[name] = value;
  }
  if (options.addPreviousOutputInEnv ?? true) {
    for (const [name, value] of [
      ['PULUMI_COMMAND_STDOUT', options.previous?.stdout ?? ''],
      ['PULUMI_COMMAND_STDERR', options.previous?.stderr ?? ''],
    ] as const) {
      if (value === '') continue;
      if (acceptsEnv(target.acceptEnv, name)) env[name] = value;
      else warnings.push(`Unable to set '${name}'. This only works if your SSH server is configured to accept these variables via AcceptEnv.`);
    }
  }
  // The accepted names travel as `env` requests: OpenSSH's SendEnv sends them from the client's environment.
  const sendEnv = Object.keys(env).flatMap((name) => ['-o', `SendEnv=${name}`]);
  const child = spawn('ssh', [...target.sshOptions, '-p', String(target.port), ...sendEnv, '-T', `${target.user}@${target.host}`, cmd], {
    env: { ...process.env, ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  let combined = '';
  child.stdout.on('data', (c: Buffer) => ((stdout += c.toString()), (combined += c.toString())));
  child.stderr.on('data', (c: Buffer) => ((stderr += c.toString()), (combined += c.toString())));
  child.stdin.on('error', () => undefined);
  // x/crypto/ssh: a nil Stdin is an empty reader (EOF at once); the provider sets it only for a non-empty stdin.
  child.stdin.end(options.stdin && options.stdin.length > 0 ? options.stdin : undefined);
  const code = await new Promise<number>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (c, signal) => resolve(c ?? (signal ? 255 : 1)));
  });
  if (code === 255 && /^(ssh|kex_exchange_identification|Connection)/m.test(stderr)) {
    throw new Error(`dial ${target.host}:${target.port}: ${stderr.trim()}`);
  }
  if (code !== 0) throw new Error(`Process exited with status ${code}: running ${JSON.stringify(cmd)}:\n${combined}`);
  return { stdout: stdout.replace(/\n$/, ''), stderr: stderr.replace(/\n$/, ''), warnings };
}
