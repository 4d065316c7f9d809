import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startDaemon, waitForPorts } from './daemon';
import { run, type RunResult } from './exec';
import { freePort } from './ports';

/** A private OpenSSH server on loopback with key-only login for the current user. */
export interface SshServer {
  port: number;
  user: string;
  /**
   * Runs `command` the way `@pulumi/command`'s `remote.Command` does: the whole string is the SSH exec
   * request, run by the user's login shell on the server; `input` is written to its stdin.
   */
  exec(command: string, input?: string): Promise<RunResult>;
  /**
   * Copies a local folder to `remotePath` over SFTP (`scp -r`), the way `remote.CopyToRemote` copies a
   * `FileArchive`: when `remotePath` does not exist yet, it becomes a copy of the folder.
   */
  copyDir(localDir: string, remotePath: string): Promise<void>;
  stop(): Promise<void>;
}

/** The sshd_config of a test server. Pure. */
export function sshdConfig(o: { port: number; dir: string; sessionEnv: Record<string, string> }): string {
  const setEnv = Object.entries(o.sessionEnv).map(([name, value]) => `${name}=${value}`);
  return [
    `Port ${o.port}`,
    'ListenAddress 127.0.0.1',
    `HostKey ${o.dir}/host_ed25519`,
    `PidFile ${o.dir}/sshd.pid`,
    `AuthorizedKeysFile ${o.dir}/authorized_keys`,
    'PubkeyAuthentication yes',
    'PasswordAuthentication no',
    'KbdInteractiveAuthentication no',
    'PermitRootLogin prohibit-password',
    'UsePAM no',
    // the key files live in a temp folder owned by the test, not in ~/.ssh
    'StrictModes no',
    'Subsystem sftp internal-sftp',
    ...(setEnv.length > 0 ? [`SetEnv ${setEnv.join(' ')}`] : []),
    '',
  ].join('\n');
}

/**
 * Starts Debian's sshd (`/usr/sbin/sshd -D -e`) on a free loopback port with a fresh host key and a fresh client
 * key for the current user, and resolves once the port accepts connections. `sessionEnv` is set in every
 * session (`SetEnv`), e.g. `DOCKER_HOST` pointing at a podman API socket. Needs root and
 * scripts/setup.d/25-openssh-server.sh.
 */
export async function startSshd(sessionEnv: Record<string, string> = {}, readyTimeoutMs = 15_000): Promise<SshServer> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'shagram-sshd-'));
  const port = await freePort();
  const user = os.userInfo().username;
  await run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'test-host', '-f', path.join(dir, 'host_ed25519')]);
  await run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'test-client', '-f', path.join(dir, 'client_ed25519')]);
  fs.copyFileSync(path.join(dir, 'client_ed25519.pub'), path.join(dir, 'authorized_keys'));
  // the client checks the server's key strictly, against exactly this host key
  const hostKey = fs.readFileSync(path.join(dir, 'host_ed25519.pub'), 'utf8').trim().split(' ').slice(0, 2).join(' ');
  fs.writeFileSync(path.join(dir, 'known_hosts'), `[127.0.0.1]:${port} ${hostKey}\n`);
  fs.writeFileSync(path.join(dir, 'sshd_config'), sshdConfig({ port, dir, sessionEnv }));
  fs.mkdirSync('/run/sshd', { recursive: true, mode: 0o755 });

  const sshd = startDaemon('/usr/sbin/sshd', ['-D', '-e', '-f', path.join(dir, 'sshd_config')]);
  try {
    await waitForPorts(`sshd on 127.0.0.1:${port}`, [sshd], [port], readyTimeoutMs);
  } catch (error) {
    fs.rmSync(dir, { recursive: true, force: true });
    throw error;
  }

  const clientOptions = [
    '-i', path.join(dir, 'client_ed25519'),
    '-o', 'IdentitiesOnly=yes',
    '-o', 'BatchMode=yes',
    '-o', 'StrictHostKeyChecking=yes',
    '-o', `UserKnownHostsFile=${path.join(dir, 'known_hosts')}`,
    '-o', 'LogLevel=ERROR',
  ];
  return {
    port,
    user,
    exec(command, input) {
      return run('ssh', [...clientOptions, '-p', String(port), `${user}@127.0.0.1`, command], { input, allowFailure: true, timeoutMs: 300_000 });
    },
    async copyDir(localDir, remotePath) {
      await run('scp', [...clientOptions, '-q', '-r', '-P', String(port), localDir, `${user}@127.0.0.1:${remotePath}`]);
    },
    async stop() {
      await sshd.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
