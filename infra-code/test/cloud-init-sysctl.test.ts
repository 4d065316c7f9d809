// The VM's kernel settings for the chat's sized users, as cloud-init writes and applies them.
import fs from 'node:fs';
import { parse } from 'yaml';
import { cloudInitDocument, SYSCTL_DROP_IN, SYSCTL_SETTINGS, sysctlDropIn } from '../plan/cloud-init';

/** Users one app process is sized for (docs/bench.md#sizing). */
const SIZED_USERS = 15000;
const doc = parse(cloudInitDocument({ deployUser: 'deploy', sshPublicKey: 'ssh-ed25519 AAAAkey me@host', baseDir: '/opt/shagram' }));

/** The drop-in as sysctl reads it: key → value, and which keys may be missing ('-' prefix). */
function readDropIn(text: string): { values: Record<string, string>; optional: string[] } {
  const values: Record<string, string> = {};
  const optional: string[] = [];
  for (const line of text.split('\n')) {
    if (line.trim() === '' || line.startsWith('#')) continue;
    const found = /^(-?)([a-z0-9_][a-z0-9_.-]*) = (.+)$/.exec(line);
    if (!found) throw new Error(`not a sysctl line: ${line}`);
    values[found[2]!] = found[3]!;
    if (found[1] === '-') optional.push(found[2]!);
  }
  return { values, optional };
}

test('cloud-init writes the drop-in and applies it with sysctl --system before Docker starts', () => {
  const file = doc.write_files.find((f: { path: string }) => f.path === SYSCTL_DROP_IN);
  expect(file).toEqual({ path: '/etc/sysctl.d/60-shagram.conf', permissions: '0644', content: sysctlDropIn() });
  const run: string[] = doc.runcmd;
  expect(run).toContain('sysctl --system');
  expect(run.indexOf('sysctl --system')).toBeLessThan(run.indexOf('systemctl enable --now docker'));
});

test('the settings are sized for the users of one app process behind the edge', () => {
  const { values } = readDropIn(sysctlDropIn());
  // a user is three files on the host: the client's socket and the upstream in nginx, the app's end
  expect(Number(values['fs.file-max'])).toBeGreaterThanOrEqual(3 * SIZED_USERS * 4);
  expect(Number(values['net.core.somaxconn'])).toBeGreaterThanOrEqual(4096);
  expect(Number(values['net.ipv4.tcp_max_syn_backlog'])).toBeGreaterThanOrEqual(Number(values['net.core.somaxconn']));
  // every upstream connection from the edge to the app takes a local port
  const [low, high] = values['net.ipv4.ip_local_port_range']!.split(/\s+/).map(Number) as [number, number];
  // above the ports the host's services listen on (Jenkins 8081, Harbor 8085)
  expect(low).toBeGreaterThan(8085);
  expect(high).toBeLessThanOrEqual(65535);
  expect(high - low + 1).toBeGreaterThanOrEqual(2 * SIZED_USERS);
  expect(Number(values['net.netfilter.nf_conntrack_max'])).toBeGreaterThanOrEqual(2 * SIZED_USERS);
});

test('every key is a real kernel setting; only the netfilter one (present once its module loads) may be missing', () => {
  const { values, optional } = readDropIn(sysctlDropIn());
  expect(Object.keys(values).sort()).toEqual(Object.keys(SYSCTL_SETTINGS).sort());
  expect(optional).toEqual(['net.netfilter.nf_conntrack_max']);
  for (const key of Object.keys(values).filter((k) => !optional.includes(k))) {
    expect([key, fs.existsSync(`/proc/sys/${key.replace(/\./g, '/')}`)]).toEqual([key, true]);
  }
});
