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

/** Where the kernel settings for the chat's connections are written (applied by `sysctl --system` at first boot). */
export const SYSCTL_DROP_IN = '/etc/sysctl.d/60-shagram.conf';

/**
 * Kernel settings sized for the users one app process holds (15,000, docs/bench.md#sizing), every one a WebSocket
 * that the edge (nginx) proxies: three files and two TCP connections per user on the host. Settings of the network
 * namespace apply only to the host's own one: the edge and app containers set theirs in their compose files.
 */
export const SYSCTL_SETTINGS: Readonly<Record<string, string>> = {
  // system-wide open files: clients + upstreams + the app's side, with room for everything else
  'fs.file-max': '1048576',
  // accept queues of the host's own listeners. The edge and app containers have network namespaces of their own,
  // which do not inherit this: their compose files set somaxconn (and the edge's port range) themselves.
  'net.core.somaxconn': '8192',
  'net.ipv4.tcp_max_syn_backlog': '8192',
  // outgoing connections of the host's own namespace (Docker's userland proxy, Jenkins, Harbor): ~55,000 local
  // ports instead of ~28,000, above the ports the host's services listen on (Jenkins 8081, Harbor 8085, …) so
  // none is ever taken by a connection (the edge container sets its own range for its upstreams)
  'net.ipv4.ip_local_port_range': '10000 65535',
  // connections Docker's port publishing tracks (NAT); '-' below: the key exists only once the module is loaded
  'net.netfilter.nf_conntrack_max': '262144',
};

/** The sysctl.d text of {@link SYSCTL_SETTINGS}. */
export function sysctlDropIn(settings: Readonly<Record<string, string>> = SYSCTL_SETTINGS): string {
  const lines = Object.entries(settings).map(([key, value]) => `${key.startsWith('net.netfilter.') ? '-' : ''}${key} = ${value}`);
  return `# Shagram: connection limits for the chat's sized users (written by cloud-init).\n${lines.join('\n')}\n`;
}

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
      { path: SYSCTL_DROP_IN, permissions: '0644', content: sysctlDropIn() },
    ],
    runcmd: [
      // the drop-in above, now (it is read again at every boot)
      'sysctl --system',
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
