import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startDaemon, waitForPorts } from './daemon';
import { run, type RunResult } from './exec';
import { freePort } from './ports';
import { copyToRemote, type CopySource, type SshTarget } from './remote-command';

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
   * Copies a local file or folder to `remotePath` exactly as `remote.CopyToRemote` does (./remote-command.ts
   * `copyToRemote`, @pulumi/command 1.2.1 `sftpCopy`): a file to a missing path lands at that path, a folder without
   * a trailing slash lands in `<remotePath>/<basename>`, every file is created by SFTP with mode 0666 less the
   * session umask (no execute bits).
   */
  copy(source: CopySource, remotePath: string): Promise<void>;
  /** How `./remote-command.ts` reaches this server. */
  target: SshTarget;
  /** OpenSSH client options (key, strict host key) for this server. */
  clientOptions: readonly string[];
  stop(): Promise<void>;
}

/** Options of {@link startSshd}. */
export interface SshdOptions {
  /** Set in every session (`SetEnv`), e.g. `DOCKER_HOST`. */
  sessionEnv?: Record<string, string>;
  /** The login user (default: the current user). */
  user?: string;
  /**
   * `AcceptEnv` patterns; default Debian's and Ubuntu's stock sshd_config (`LANG LC_*`): any other name a client
   * asks to set is refused.
   */
  acceptEnv?: readonly string[];
  readyTimeoutMs?: number;
  /**
   * Put the client key in the login user's `~/.ssh/authorized_keys` (owned by the user, 0700/0600, as cloud-init's
   * `ssh_authorized_keys` leaves it) and have sshd read it from there with `StrictModes yes`; default: a key file in
   * the server's temp folder.
   */
  homeAuthorizedKeys?: boolean;
  /**
   * `UsePAM yes`, as Debian's and Ubuntu's stock sshd_config: the account checks are PAM's, so a user whose
   * password is locked (cloud-init's `lock_passwd`) still logs in with a key (with `UsePAM no` sshd refuses it).
   */
  usePam?: boolean;
}

/** The sshd_config of a test server. Pure. */
export function sshdConfig(o: { port: number; dir: string; sessionEnv: Record<string, string>; acceptEnv?: readonly string[]; homeAuthorizedKeys?: boolean; usePam?: boolean }): string {
  const acceptEnv = o.acceptEnv ?? ['LANG', 'LC_*'];
  const setEnv = Object.entries(o.sessionEnv).map(([name, value]) => `${name}=${value}`);
  return [
    `Port ${o.port}`,
    'ListenAddress 127.0.0.1',
    `HostKey ${o.dir}/host_ed25519`,
    `PidFile ${o.dir}/sshd.pid`,
    o.homeAuthorizedKeys ? 'AuthorizedKeysFile .ssh/authorized_keys' : `AuthorizedKeysFile ${o.dir}/authorized_keys`,
    'PubkeyAuthentication yes',
    'PasswordAuthentication no',
    'KbdInteractiveAuthentication no',
    'PermitRootLogin prohibit-password',
    o.usePam ? 'UsePAM yes' : 'UsePAM no',
    // the key files live in a temp folder owned by the test, not in ~/.ssh
    o.homeAuthorizedKeys ? 'StrictModes yes' : 'StrictModes no',
    // Debian's and Ubuntu's stock sftp server: an external program run by the user's shell, under the session umask
    'Subsystem sftp /usr/lib/openssh/sftp-server',
    ...(acceptEnv.length > 0 ? [`AcceptEnv ${acceptEnv.join(' ')}`] : []),
    ...(setEnv.length > 0 ? [`SetEnv ${setEnv.join(' ')}`] : []),
    '',
  ].join('\n');
}

/**
 * Starts Debian's sshd (`/usr/sbin/sshd -D -e`) on a free loopback port with a fresh host key and a fresh client
 * key for the login user, and resolves once the port accepts connections. Needs root and
 * scripts/setup.d/25-openssh-server.sh.
 */
export async function startSshd(options: SshdOptions = {}): Promise<SshServer> {
  const sessionEnv = options.sessionEnv ?? {};
  const readyTimeoutMs = options.readyTimeoutMs ?? 15_000;
  const acceptEnv = options.acceptEnv ?? ['LANG', 'LC_*'];
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'shagram-sshd-'));
  // the login user's sessions read the key files
  fs.chmodSync(dir, 0o755);
  const port = await freePort();
  const user = options.user ?? os.userInfo().username;
  await run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'test-host', '-f', path.join(dir, 'host_ed25519')]);
  await run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'test-client', '-f', path.join(dir, 'client_ed25519')]);
  fs.copyFileSync(path.join(dir, 'client_ed25519.pub'), path.join(dir, 'authorized_keys'));
  if (options.homeAuthorizedKeys) {
    const home = (await run('getent', ['passwd', user])).stdout.split(':')[5] ?? `/home/${user}`;
    await run('install', ['-d', '-m', '0700', '-o', user, '-g', user, path.join(home, '.ssh')]);
    await run('install', ['-m', '0600', '-o', user, '-g', user, path.join(dir, 'client_ed25519.pub'), path.join(home, '.ssh', 'authorized_keys')]);
  }
  // the client checks the server's key strictly, against exactly this host key
  const hostKey = fs.readFileSync(path.join(dir, 'host_ed25519.pub'), 'utf8').trim().split(' ').slice(0, 2).join(' ');
  fs.writeFileSync(path.join(dir, 'known_hosts'), `[127.0.0.1]:${port} ${hostKey}\n`);
  fs.writeFileSync(path.join(dir, 'sshd_config'), sshdConfig({ port, dir, sessionEnv, acceptEnv, homeAuthorizedKeys: options.homeAuthorizedKeys, usePam: options.usePam }));
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
  const target: SshTarget = { host: '127.0.0.1', port, user, sshOptions: clientOptions, acceptEnv };
  return {
    port,
    user,
    target,
    clientOptions,
    exec(command, input) {
      return run('ssh', [...clientOptions, '-p', String(port), `${user}@127.0.0.1`, command], { input, allowFailure: true, timeoutMs: 300_000 });
    },
    copy(source, remotePath) {
      return copyToRemote(target, source, remotePath);
    },
    async stop() {
      await sshd.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
