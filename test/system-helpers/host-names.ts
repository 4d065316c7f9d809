/**
 * Host-wide name and trust settings a test needs for its duration, each undone by the function it returns:
 * - {@link addHostsEntries}: names → 127.0.0.1 in /etc/hosts (the DNS records an operator creates for the VPS),
 *   each line marked, so removal takes exactly those lines back out whatever else changed in the file meanwhile;
 * - {@link trustRegistryCertificate}: a certificate trusted for one registry host by podman
 *   (containers-certs.d(5): `/etc/containers/certs.d/<host>/ca.crt`), the way Docker Engine trusts
 *   `/etc/docker/certs.d/<host>/ca.crt`.
 */
import fs from 'node:fs';
import path from 'node:path';

const HOSTS = '/etc/hosts';

/** Appends `127.0.0.1 <name> # <marker>` per name; the returned function removes those lines. */
export function addHostsEntries(names: readonly string[], marker: string): () => void {
  const tag = `# ${marker}`;
  const before = fs.readFileSync(HOSTS, 'utf8');
  const lines = names.map((n) => `127.0.0.1 ${n} ${tag}\n`).join('');
  // Written in place: /etc/hosts is often a bind mount that cannot be replaced by a rename.
  fs.writeFileSync(HOSTS, `${before}${before.endsWith('\n') || before === '' ? '' : '\n'}${lines}`);
  return () => {
    const now = fs.readFileSync(HOSTS, 'utf8');
    fs.writeFileSync(HOSTS, now.split('\n').filter((l) => !l.endsWith(tag)).join('\n'));
  };
}

/** Trusts `pem` for TLS to `host` in podman; the returned function removes the folder it made. */
export function trustRegistryCertificate(host: string, pem: string, base = '/etc/containers/certs.d'): () => void {
  const dir = path.join(base, host);
  if (fs.existsSync(dir)) throw new Error(`${dir} exists already: another trust setting for ${host}`);
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'ca.crt'), pem);
  return () => fs.rmSync(dir, { recursive: true, force: true });
}
