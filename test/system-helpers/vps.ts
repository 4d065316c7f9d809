/**
 * A loopback "VPS": this machine, set up as the program's cloud-init document leaves a new VM
 * (infra-code/plan/cloud-init.ts `cloudInitDocument`), reached over a real sshd as the deploy user.
 *
 * From the document, applied as cloud-init's modules do:
 * - `groups` (cc_users_groups): each group created (`groupadd`).
 * - `users[0]` (cc_users_groups, distros `create_user`): `useradd -m` with its shell and supplementary groups, a
 *   primary group of its own name, the password locked (`lock_passwd`), `ssh_authorized_keys` written to
 *   `~/.ssh/authorized_keys` (owned by the user, 0700/0600; cc_ssh / ssh_util `setup_user_keys`).
 * - `runcmd` lines `install -d …` (the /opt/shagram folders with their owner and modes) run as root.
 * - `users[0].sudo` (distros `write_sudo_rules`): `/etc/sudoers.d/90-cloud-init-users`, mode 0440, holding
 *   `# User rules for <user>` and `<user> <rule>` (Debian's /etc/sudoers includes /etc/sudoers.d).
 * Not applied (this machine stands in for them): the Docker Engine packages and `systemctl` lines — Docker is
 * podman's Docker API on a socket group-owned by `docker` (0660, as dockerd's /run/docker.sock), reached through
 * `DOCKER_HOST` set by sshd (`SetEnv`) in every session; compose is Debian's docker-compose 1.29 (no plugin).
 * sudo resets the environment, so root would lose `DOCKER_HOST` and talk to /var/run/docker.sock, where dockerd
 * listens on a real host and nothing does here: one more sudoers file keeps the session's stand-in variables
 * (`env_keep`) for the deploy user — on a real host they are unset and root uses dockerd's socket.
 * `write_files` are not applied.
 *
 * The real paths are used (/opt/shagram, the user's home); `stop()` removes the user, the groups it created and
 * the folders the runcmd made. Refuses to start when the user or the base folder already exists.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parse } from 'yaml';
import { run } from './exec';
import { startPodmanService, type PodmanService } from './podman-service';
import type { SshTarget } from './remote-command';
import type { ConnectionInput } from './replay';
import { startSshd, type SshServer } from './sshd';

/** The running VPS. */
export interface LoopbackVps {
  user: string;
  ssh: SshServer;
  podman: PodmanService;
  /** The target for a resource's `connection`: its user must be the deploy user, its key is used as given. */
  target(connection: ConnectionInput): SshTarget;
  /** Runs a shell command on the VPS as the deploy user (for checks). */
  exec(command: string, input?: string): ReturnType<SshServer['exec']>;
  stop(): Promise<void>;
}

interface CloudConfig {
  groups?: string[];
  users?: { name: string; groups?: string[]; shell?: string; lock_passwd?: boolean; ssh_authorized_keys?: string[]; sudo?: string | string[] }[];
  runcmd?: string[];
}

/** The parts of a cloud-config document the VPS applies. Pure. */
export function vpsSetup(cloudInit: string): { groups: string[]; user: NonNullable<CloudConfig['users']>[number]; folders: string[] } {
  if (!cloudInit.startsWith('#cloud-config\n')) throw new Error('not a #cloud-config document');
  const doc = parse(cloudInit) as CloudConfig;
  const user = doc.users?.[0];
  if (!user) throw new Error('cloud-config has no users');
  return { groups: doc.groups ?? [], user, folders: (doc.runcmd ?? []).filter((c) => /^install (-[a-z] \S+ )*-d /.test(c) && c.includes(' -o ')) };
}

/** Where cloud-init writes its users' sudo rules (distros `ci_sudoers_fn`). */
export const CLOUD_INIT_SUDOERS = '/etc/sudoers.d/90-cloud-init-users';

/** The sudoers text cloud-init's `write_sudo_rules` writes for a user's `sudo` rule(s) (without its dated header). Pure. */
export function cloudInitSudoers(user: string, rules: string | string[]): string {
  return ['', `# User rules for ${user}`, ...[rules].flat().map((rule) => `${user} ${rule}`)].join('\n') + '\n';
}

const exists = async (cmd: string, args: string[]): Promise<boolean> => (await run(cmd, args, { allowFailure: true })).code === 0;

/** What the VPS's stand-ins need from the test (not from the cloud-init document). */
export interface VpsOptions {
  /** Added to the podman service's environment (e.g. `CONTAINERS_REGISTRIES_CONF`). */
  podmanEnv?: NodeJS.ProcessEnv;
  /** Added to every SSH session's environment (sshd `SetEnv`), beside `DOCKER_HOST`. */
  sessionEnv?: Record<string, string>;
}

/** Starts the VPS from a cloud-config document. Needs root, podman and openssh-server (scripts/setup.d). */
export async function startLoopbackVps(cloudInit: string, baseDir: string, options: VpsOptions = {}): Promise<LoopbackVps> {
  const setup = vpsSetup(cloudInit);
  const user = setup.user.name;
  if (await exists('id', [user])) throw new Error(`user ${user} exists already: not a clean host`);
  if (fs.existsSync(baseDir)) throw new Error(`${baseDir} exists already: not a clean host`);
  const createdGroups: string[] = [];
  const cleanups: (() => Promise<unknown>)[] = [];
  const stop = async (): Promise<void> => {
    for (const c of cleanups.reverse()) await c().catch(() => undefined);
    cleanups.length = 0;
  };
  try {
    for (const g of setup.groups) {
      if (await exists('getent', ['group', g])) continue;
      await run('groupadd', [g]);
      createdGroups.push(g);
    }
    cleanups.push(async () => {
      for (const g of createdGroups) await run('groupdel', [g], { allowFailure: true });
    });
    await run('useradd', ['-m', '-U', '-s', setup.user.shell ?? '/bin/sh', ...(setup.user.groups?.length ? ['-G', setup.user.groups.join(',')] : []), user]);
    cleanups.push(() => run('userdel', ['-r', '-f', user], { allowFailure: true }));
    if (setup.user.lock_passwd !== false) await run('passwd', ['-l', user]);
    for (const line of setup.folders) await run('sh', ['-c', line]);
    cleanups.push(async () => fs.rmSync(baseDir, { recursive: true, force: true }));
    if (setup.user.sudo) {
      const envFile = `/etc/sudoers.d/91-shagram-vps-${process.pid}`;
      if (fs.existsSync(CLOUD_INIT_SUDOERS)) throw new Error(`${CLOUD_INIT_SUDOERS} exists already: not a clean host`);
      cleanups.push(async () => fs.rmSync(CLOUD_INIT_SUDOERS, { force: true }));
      fs.writeFileSync(CLOUD_INIT_SUDOERS, `# Created by cloud-init (the loopback VPS)\n${cloudInitSudoers(user, setup.user.sudo)}`, { mode: 0o440 });
      const kept = ['DOCKER_HOST', 'DOCKER_BUILDKIT', 'COMPOSE_DOCKER_CLI_BUILD', ...Object.keys(options.sessionEnv ?? {})];
      cleanups.push(async () => fs.rmSync(envFile, { force: true }));
      fs.writeFileSync(envFile, `Defaults:${user} env_keep += "${kept.join(' ')}"\n`, { mode: 0o440 });
      const check = await run('visudo', ['-c'], { allowFailure: true });
      if (check.code !== 0) throw new Error(`visudo -c refused the sudoers files: ${check.stdout} ${check.stderr}`);
    }

    const podman = await startPodmanService(`/run/podman/shagram-vps-${process.pid}.sock`, 30_000, options.podmanEnv);
    cleanups.push(() => podman.stop());
    await run('chgrp', ['docker', podman.socketPath]);
    fs.chmodSync(podman.socketPath, 0o660);

    const ssh = await startSshd({
      user,
      homeAuthorizedKeys: true,
      usePam: true,
      sessionEnv: { ...options.sessionEnv, DOCKER_HOST: podman.dockerHost, DOCKER_BUILDKIT: '0', COMPOSE_DOCKER_CLI_BUILD: '0' },
    });
    cleanups.push(() => ssh.stop());
    // cloud-init's keys join the test's own key in ~/.ssh/authorized_keys
    const home = path.join('/home', user);
    fs.appendFileSync(path.join(home, '.ssh', 'authorized_keys'), (setup.user.ssh_authorized_keys ?? []).map((k) => `${k}\n`).join(''));

    const keyDir = fs.mkdtempSync(path.join(os.tmpdir(), 'shagram-vps-keys-'));
    cleanups.push(async () => fs.rmSync(keyDir, { recursive: true, force: true }));
    const keyFiles = new Map<string, string>();
    const withKey = (file: string): string[] => {
      const o = [...ssh.clientOptions];
      o[o.indexOf('-i') + 1] = file;
      return o;
    };
    return {
      user,
      ssh,
      podman,
      target(connection) {
        if (connection.user !== user) throw new Error(`connection user ${connection.user} is not the VPS's deploy user ${user}`);
        if (!connection.privateKey) throw new Error('connection has no privateKey');
        let file = keyFiles.get(connection.privateKey);
        if (!file) {
          file = path.join(keyDir, `key${keyFiles.size}`);
          fs.writeFileSync(file, connection.privateKey.endsWith('\n') ? connection.privateKey : `${connection.privateKey}\n`, { mode: 0o600 });
          keyFiles.set(connection.privateKey, file);
        }
        return { ...ssh.target, sshOptions: withKey(file) };
      },
      exec: (command, input) => ssh.exec(command, input),
      stop,
    };
  } catch (e) {
    await stop();
    throw e;
  }
}
