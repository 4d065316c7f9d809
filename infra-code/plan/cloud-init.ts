/** The VPS's first-boot document (cloud-init `#cloud-config`). */
import { stringify } from 'yaml';

/** What the cloud-init document needs. */
export interface CloudInitInput {
  deployUser: string;
  sshPublicKey: string;
  /** Folder that holds the stacks' folders on the host (created for the deploy user). */
  baseDir: string;
}

/** sshd drop-in: keys only, no root login. */
export const SSHD_HARDENING = 'PasswordAuthentication no\nKbdInteractiveAuthentication no\nPermitRootLogin no\n';

/** APT periodic settings that make unattended-upgrades install security updates daily. */
export const AUTO_UPGRADES = 'APT::Periodic::Update-Package-Lists "1";\nAPT::Periodic::Unattended-Upgrade "1";\n';

/** Node.js major line installed from NodeSource's apt repository (the host scripts and Harbor's installer need 20+). */
export const NODE_MAJOR = 20;

/** Where NodeSource's signing key is stored (dearmored) and the apt source line that trusts only it. */
export const NODESOURCE_KEYRING = '/etc/apt/keyrings/nodesource.gpg';
export const NODESOURCE_LIST = `deb [signed-by=${NODESOURCE_KEYRING}] https://deb.nodesource.com/node_${NODE_MAJOR}.x nodistro main`;

/**
 * The cloud-config document: installs Docker Engine with the compose plugin from Docker's apt repository and
 * Node.js 20 (package `nodejs`: /usr/bin/node and npm) from NodeSource's, plus `build-essential` and `python3` so a
 * native module (better-sqlite3 for the host scripts) compiles when no prebuilt binary downloads; creates the
 * deploy user (SSH key only, member of `docker`), disables password SSH and enables unattended security upgrades. Pure; returns the text with its `#cloud-config` header.
 */
export function cloudInitDocument(input: CloudInitInput): string {
  const { deployUser, sshPublicKey, baseDir } = input;
  const doc = {
    package_update: true,
    package_upgrade: true,
    packages: ['ca-certificates', 'curl', 'gnupg', 'unattended-upgrades', 'build-essential', 'python3'],
    groups: ['docker'],
    users: [
      {
        name: deployUser,
        groups: ['docker'],
        shell: '/bin/bash',
        sudo: 'ALL=(ALL) NOPASSWD:ALL',
        lock_passwd: true,
        ssh_authorized_keys: [sshPublicKey.trim()],
      },
    ],
    ssh_pwauth: false,
    disable_root: true,
    write_files: [
      { path: '/etc/ssh/sshd_config.d/60-shagram.conf', permissions: '0644', content: SSHD_HARDENING },
      { path: '/etc/apt/apt.conf.d/20auto-upgrades', permissions: '0644', content: AUTO_UPGRADES },
      { path: '/etc/docker/daemon.json', permissions: '0644', content: '{"log-driver": "local"}\n' },
    ],
    runcmd: [
      'install -m 0755 -d /etc/apt/keyrings',
      'curl -fsSL https://download.docker.com/linux/ubuntu/gpg -o /etc/apt/keyrings/docker.asc',
      'chmod a+r /etc/apt/keyrings/docker.asc',
      'echo "deb [arch=$(dpkg --print-architecture) signed-by=/etc/apt/keyrings/docker.asc] https://download.docker.com/linux/ubuntu $(. /etc/os-release && echo "$VERSION_CODENAME") stable" > /etc/apt/sources.list.d/docker.list',
      `curl -fsSL https://deb.nodesource.com/gpgkey/nodesource-repo.gpg.key | gpg --dearmor --yes -o ${NODESOURCE_KEYRING}`,
      `chmod a+r ${NODESOURCE_KEYRING}`,
      `echo "${NODESOURCE_LIST}" > /etc/apt/sources.list.d/nodesource.list`,
      'apt-get update',
      'DEBIAN_FRONTEND=noninteractive apt-get install -y docker-ce docker-ce-cli containerd.io docker-buildx-plugin docker-compose-plugin',
      'DEBIAN_FRONTEND=noninteractive apt-get install -y nodejs',
      'systemctl enable --now docker',
      'systemctl enable --now unattended-upgrades',
      `install -d -o ${deployUser} -g ${deployUser} -m 0755 ${baseDir} ${baseDir}/stacks ${baseDir}/incoming`,
      'systemctl reload ssh || systemctl reload sshd',
    ],
  };
  return `#cloud-config\n${stringify(doc, { lineWidth: 0 })}`;
}
