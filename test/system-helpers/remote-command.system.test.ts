/**
 * System lane (needs scripts/setup.d/25-openssh-server.sh): the @pulumi/command 1.2.1 stand-in
 * (./remote-command.ts) against Debian's real sshd and sftp-server. Reference: github.com/pulumi/pulumi-command,
 * tag v1.2.1, provider/pkg/provider/remote/copyController.go (`sftpCopy`, `copyFile`, `copyDir`,
 * `copyTextContent`) and commandOutputs.go (`run`); github.com/pkg/sftp v1.13.6 client.go (`Create`, `Mkdir`,
 * `MkdirAll`); OpenSSH sftp-server.c (`process_open`: mode 0666 unless the client sends one; `process_mkdir`: 0777;
 * both less the umask) and session.c (`session_env_req`: only `AcceptEnv` names).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runCommand, setenvError } from './remote-command';
import { startSshd, type SshServer } from './sshd';

let ssh: SshServer;
let local: string;
let remote: string;
let umask: number;

const mode = (p: string): number => fs.statSync(p).mode & 0o777;
const tree = (root: string): string[] => {
  const out: string[] = [];
  const walk = (rel: string): void => {
    for (const e of fs.readdirSync(path.join(root, rel), { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      out.push(e.isDirectory() ? `${r}/` : r);
      if (e.isDirectory()) walk(r);
    }
  };
  walk('');
  return out;
};

beforeAll(async () => {
  ssh = await startSshd({ sessionEnv: { FROM_SETENV: 'server-side' } });
  local = fs.mkdtempSync(path.join(os.tmpdir(), 'shagram-copy-src-'));
  remote = fs.mkdtempSync(path.join(os.tmpdir(), 'shagram-copy-dst-'));
  // The source: a folder with an executable script, a nested folder and a plain file.
  fs.mkdirSync(path.join(local, 'bundle', 'entrypoint.d'), { recursive: true });
  fs.writeFileSync(path.join(local, 'bundle', 'install'), '#!/bin/sh\necho installed\n', { mode: 0o755 });
  fs.writeFileSync(path.join(local, 'bundle', 'compose.yaml'), 'services: {}\n', { mode: 0o644 });
  fs.writeFileSync(path.join(local, 'bundle', 'entrypoint.d', '10-run.sh'), '#!/bin/sh\n', { mode: 0o755 });
  fs.writeFileSync(path.join(local, 'stack.tar.gz'), Buffer.alloc(100_000, 7), { mode: 0o755 });
  const u = await ssh.exec('umask');
  umask = parseInt(u.stdout.trim(), 8);
}, 60_000);

afterAll(async () => {
  await ssh?.stop();
  fs.rmSync(local, { recursive: true, force: true });
  fs.rmSync(remote, { recursive: true, force: true });
});

describe('CopyToRemote path and mode table (copyController.go sftpCopy)', () => {
  test('the session umask is the usual 022 (the modes below are 0666/0777 less it)', () => {
    expect(umask).toBe(0o022);
  });

  test('file → missing path: parents made (MkdirAll), the file lands exactly there, created 0666 less umask: no execute bit', async () => {
    const dest = path.join(remote, 'a', 'incoming', 'stack.tar.gz');
    await ssh.copy({ kind: 'asset', path: path.join(local, 'stack.tar.gz') }, dest);
    expect(fs.readFileSync(dest)).toEqual(Buffer.alloc(100_000, 7));
    expect(mode(dest)).toBe(0o644);
    expect(mode(path.join(remote, 'a', 'incoming'))).toBe(0o755);
  });

  test('file → existing folder: dest/<basename>', async () => {
    const dest = path.join(remote, 'b');
    fs.mkdirSync(dest);
    await ssh.copy({ kind: 'asset', path: path.join(local, 'stack.tar.gz') }, dest);
    expect(tree(dest)).toEqual(['stack.tar.gz']);
  });

  test('file → existing file: overwritten (truncated), and it keeps its own mode (no chmod)', async () => {
    const dest = path.join(remote, 'c.tar.gz');
    fs.writeFileSync(dest, Buffer.alloc(300_000, 1), { mode: 0o600 });
    await ssh.copy({ kind: 'asset', path: path.join(local, 'stack.tar.gz') }, dest);
    expect(fs.readFileSync(dest)).toEqual(Buffer.alloc(100_000, 7));
    expect(mode(dest)).toBe(0o600);
  });

  test('folder without trailing slash → missing path: dest/<basename>/…, every file 0644 (execute bits lost), folders 0755', async () => {
    const dest = path.join(remote, 'd', 'incoming', 'harbor');
    await ssh.copy({ kind: 'archive', path: path.join(local, 'bundle') }, dest);
    expect(tree(dest)).toEqual(['bundle/', 'bundle/compose.yaml', 'bundle/entrypoint.d/', 'bundle/entrypoint.d/10-run.sh', 'bundle/install']);
    expect(mode(path.join(dest, 'bundle', 'install'))).toBe(0o644);
    expect(mode(path.join(dest, 'bundle', 'entrypoint.d', '10-run.sh'))).toBe(0o644);
    expect(mode(path.join(dest, 'bundle', 'entrypoint.d'))).toBe(0o755);
  });

  test('folder without trailing slash → existing folder: dest/<basename>/… (copied into it, existing files kept)', async () => {
    const dest = path.join(remote, 'e');
    fs.mkdirSync(path.join(dest, 'bundle'), { recursive: true });
    fs.writeFileSync(path.join(dest, 'bundle', 'old.txt'), 'old');
    await ssh.copy({ kind: 'archive', path: path.join(local, 'bundle') }, dest);
    expect(tree(dest)).toEqual(['bundle/', 'bundle/compose.yaml', 'bundle/entrypoint.d/', 'bundle/entrypoint.d/10-run.sh', 'bundle/install', 'bundle/old.txt']);
  });

  test('folder with trailing slash → existing folder: its contents in dest', async () => {
    const dest = path.join(remote, 'f');
    fs.mkdirSync(dest);
    await ssh.copy({ kind: 'archive', path: `${path.join(local, 'bundle')}/` }, dest);
    expect(tree(dest)).toEqual(['compose.yaml', 'entrypoint.d/', 'entrypoint.d/10-run.sh', 'install']);
  });

  test('folder with trailing slash → missing path: made, contents in it', async () => {
    const dest = path.join(remote, 'g', 'stack');
    await ssh.copy({ kind: 'archive', path: `${path.join(local, 'bundle')}/` }, dest);
    expect(tree(dest)).toEqual(['compose.yaml', 'entrypoint.d/', 'entrypoint.d/10-run.sh', 'install']);
  });

  test('folder → existing file: an error, with or without the trailing slash', async () => {
    const dest = path.join(remote, 'h');
    fs.writeFileSync(dest, 'a file');
    await expect(ssh.copy({ kind: 'archive', path: path.join(local, 'bundle') }, dest)).rejects.toThrow(/sftp: mkdir/);
    await expect(ssh.copy({ kind: 'archive', path: `${path.join(local, 'bundle')}/` }, dest)).rejects.toThrow(`remote path ${dest} exists but is not a directory`);
    expect(fs.readFileSync(dest, 'utf8')).toBe('a file');
  });

  test('text asset: parents made, written at the path; a folder there is an error', async () => {
    const dest = path.join(remote, 'i', 'note.txt');
    await ssh.copy({ kind: 'text', text: 'hello\n' }, dest);
    expect(fs.readFileSync(dest, 'utf8')).toBe('hello\n');
    await expect(ssh.copy({ kind: 'text', text: 'x' }, path.join(remote, 'i'))).rejects.toThrow('when using a text asset, remotePath must be a file path');
  });
});

describe('Command runs (commandOutputs.go run)', () => {
  test('one exec request run by the login user\'s shell: the string is shell text, stdin reaches it, SetEnv of the server is seen, outputs lose one trailing newline', async () => {
    const r = await runCommand(ssh.target, 'set -eu; read -r line; echo "got $line in $FROM_SETENV"; echo "warn" >&2', { stdin: 'hello\n' });
    expect(r).toEqual({ stdout: 'got hello in server-side', stderr: 'warn', warnings: [] });
  });

  test('no stdin: the command reads EOF at once', async () => {
    const r = await runCommand(ssh.target, 'cat; echo done');
    expect(r.stdout).toBe('done');
  });

  test('environment: a name the server accepts (AcceptEnv LANG LC_*) is set', async () => {
    const r = await runCommand(ssh.target, 'echo "$LC_SHAGRAM"', { environment: { LC_SHAGRAM: 'a value with spaces' } });
    expect(r.stdout).toBe('a value with spaces');
  });

  test('environment: a name the server refuses fails the command before it runs (Setenv wants a reply)', async () => {
    const marker = path.join(remote, 'should-not-exist');
    await expect(runCommand(ssh.target, `touch ${marker}`, { environment: { DEPLOY_MODE: 'x' } })).rejects.toThrow(setenvError('DEPLOY_MODE'));
    expect(fs.existsSync(marker)).toBe(false);
  });

  test('previous stdout in PULUMI_COMMAND_STDOUT: refused by the server, so only a warning and the command runs without it', async () => {
    const r = await runCommand(ssh.target, 'echo "[${PULUMI_COMMAND_STDOUT:-unset}]"', { previous: { stdout: 'before', stderr: '' } });
    expect(r.stdout).toBe('[unset]');
    expect(r.warnings).toEqual([expect.stringContaining("Unable to set 'PULUMI_COMMAND_STDOUT'")]);
  });

  test('a non-zero exit rejects with the provider\'s text: status, the command, stdout and stderr', async () => {
    await expect(runCommand(ssh.target, 'echo out; echo err >&2; exit 3')).rejects.toThrow('Process exited with status 3: running "echo out; echo err >&2; exit 3":\nout\nerr\n');
  });
});
