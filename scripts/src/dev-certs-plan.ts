import { ScriptError, parseFlags } from '../lib/cli';
import type { Command } from '../lib/command';

/** Options of `scripts/dev-certs`. */
export interface DevCertOptions {
  /** Folder to write ca.pem, ca-key.pem, fullchain.pem and privkey.pem into. */
  outDir: string;
  /** DNS names for the certificate (the first is the subject). localhost and 127.0.0.1 are always added. */
  hosts: string[];
  /** Lifetime of the server certificate in days. */
  days: number;
  /** Make a new development CA even if one exists. */
  newCa: boolean;
}

/** One step of the plan: an openssl command, a file to write, or a temporary file to remove. */
export type DevCertStep =
  | { kind: 'openssl'; command: Command }
  | { kind: 'write'; file: string; content: string; mode: number }
  | { kind: 'remove'; file: string };

const HOST = /^(?=.{1,253}$)(\*\.)?([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/i;

/** Parses the command line (`--out DIR --host NAME… --days N --new-ca`) with defaults from `env`. Pure. */
export function parseDevCertArgs(argv: readonly string[], env: Readonly<Record<string, string | undefined>>): DevCertOptions | 'help' {
  const flags = parseFlags(argv, { out: 'string', host: 'list', days: 'integer', 'new-ca': 'boolean' });
  if (flags === 'help') return 'help';
  const days = flags.days ?? 90;
  if (days < 1 || days > 397) throw new ScriptError('--days must be a whole number from 1 to 397');
  const options: DevCertOptions = { outDir: flags.out ?? 'nginx/tls', hosts: flags.host, days, newCa: flags['new-ca'] };
  if (options.hosts.length === 0) {
    options.hosts = ['CHAT_HOST', 'JENKINS_HOST', 'REGISTRY_HOST'].map((name) => env[name]).filter((v): v is string => !!v);
  }
  options.hosts = [...new Set([...options.hosts, 'localhost'])];
  for (const host of options.hosts) if (!HOST.test(host)) throw new ScriptError(`"${host}" is not a DNS name`);
  return options;
}

/** The subjectAltName / usage extensions of the server certificate. Pure. */
export function serverExtensions(hosts: readonly string[]): string {
  const names = [...hosts.map((host) => `DNS:${host}`), 'IP:127.0.0.1', 'IP:::1'];
  return [
    `subjectAltName=${names.join(',')}`,
    'basicConstraints=critical,CA:FALSE',
    'keyUsage=critical,digitalSignature',
    'extendedKeyUsage=serverAuth',
    'subjectKeyIdentifier=hash',
    'authorityKeyIdentifier=keyid',
    '',
  ].join('\n');
}

/**
 * Plans the certificates: a development CA (kept across runs unless `newCa` or missing, so a browser
 * that trusts it keeps working) and an ECDSA P-256 server certificate for `hosts` signed by it. Pure:
 * `caExists` says whether ca.pem and ca-key.pem are already there; `serial` is a random hex serial.
 */
export function planDevCerts(options: DevCertOptions, caExists: boolean, serial: string): DevCertStep[] {
  const file = (name: string) => `${options.outDir}/${name}`;
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  const openssl = (...args: string[]): DevCertStep => ({ kind: 'openssl', command: { argv: ['openssl', ...args] } });
  const steps: DevCertStep[] = [];
  if (options.newCa || !caExists) {
    steps.push(
      openssl('req', '-x509', ...ec, '-days', '825', '-subj', '/CN=Shagram development CA',
        '-addext', 'basicConstraints=critical,CA:TRUE,pathlen:0', '-addext', 'keyUsage=critical,keyCertSign,cRLSign',
        '-keyout', file('ca-key.pem'), '-out', file('ca.pem')),
    );
  }
  steps.push(
    { kind: 'write', file: file('server.ext'), content: serverExtensions(options.hosts), mode: 0o644 },
    openssl('req', '-new', ...ec, '-subj', `/CN=${options.hosts[0]}`, '-keyout', file('privkey.pem'), '-out', file('server.csr')),
    openssl('x509', '-req', '-in', file('server.csr'), '-CA', file('ca.pem'), '-CAkey', file('ca-key.pem'),
      '-set_serial', `0x${serial}`, '-days', String(options.days), '-sha256', '-extfile', file('server.ext'), '-out', file('fullchain.pem')),
    { kind: 'remove', file: file('server.csr') },
    { kind: 'remove', file: file('server.ext') },
  );
  return steps;
}

/** Text of `scripts/dev-certs --help`. */
export const DEV_CERTS_HELP = `usage: scripts/dev-certs [--out DIR] [--host NAME]... [--days N] [--new-ca]

Makes TLS material for development and tests: a local development CA (ca.pem, ca-key.pem; kept across
runs) and a server certificate signed by it (fullchain.pem, privkey.pem) for the given names plus
localhost, 127.0.0.1 and ::1. Names default to $CHAT_HOST, $JENKINS_HOST and $REGISTRY_HOST.

  --out DIR    folder to write into (default nginx/tls; compose uses it with TLS_DIR=./tls)
  --host NAME  a DNS name for the certificate (repeatable)
  --days N     server certificate lifetime, 1..397 days (default 90)
  --new-ca     replace the development CA too

Trust ca.pem in your browser or pass it to clients (curl --cacert DIR/ca.pem). Never use it in production.`;
