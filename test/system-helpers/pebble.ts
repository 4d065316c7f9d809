import fs from 'node:fs';
import path from 'node:path';
import { startDaemon, waitForPorts } from './daemon';
import { run } from './exec';
import { freePort } from './ports';

/** A private ACME test CA: Debian's pebble, with pebble-challtestsrv as its DNS server. */
export interface AcmeTestCa {
  /** ACME directory URL (certbot's `--server`). */
  directoryUrl: string;
  /** PEM file that makes pebble's own HTTPS endpoint trusted (certbot: REQUESTS_CA_BUNDLE). */
  caBundle: string;
  stop(): Promise<void>;
}

/** pebble's configuration: its API on `acmePort`, HTTP-01 validation against port `httpPort` of each name. Pure. */
export function pebbleConfig(o: { acmePort: number; managementPort: number; httpPort: number; tlsPort: number; dir: string }): string {
  return `${JSON.stringify(
    {
      pebble: {
        listenAddress: `127.0.0.1:${o.acmePort}`,
        managementListenAddress: `127.0.0.1:${o.managementPort}`,
        certificate: path.join(o.dir, 'api-cert.pem'),
        privateKey: path.join(o.dir, 'api-key.pem'),
        httpPort: o.httpPort,
        tlsPort: o.tlsPort,
        ocspResponderURL: '',
        externalAccountBindingRequired: false,
      },
    },
    null,
    2,
  )}\n`;
}

/**
 * Starts pebble-challtestsrv (DNS only: every name resolves to 127.0.0.1) and pebble using it, with a fresh
 * self-signed certificate for pebble's API, and resolves once the ACME API accepts connections. HTTP-01
 * challenges are validated against 127.0.0.1:`httpPort` (the edge's plain-HTTP port). pebble's random
 * validation delays and nonce rejections are off, so a run does what certbot asks at once.
 * Needs scripts/setup.d/12-acme-test-ca.sh.
 */
export async function startAcmeTestCa(dir: string, httpPort: number, readyTimeoutMs = 15_000): Promise<AcmeTestCa> {
  fs.mkdirSync(dir, { recursive: true });
  await run('openssl', [
    'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '2',
    '-subj', '/CN=pebble API (test)', '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost',
    '-addext', 'basicConstraints=critical,CA:TRUE',
    '-keyout', path.join(dir, 'api-key.pem'), '-out', path.join(dir, 'api-cert.pem'),
  ]);
  const [acmePort, managementPort, tlsPort, dnsPort, challManagementPort] = [await freePort(), await freePort(), await freePort(), await freePort(), await freePort()];
  fs.writeFileSync(path.join(dir, 'pebble.json'), pebbleConfig({ acmePort, managementPort, httpPort, tlsPort, dir }));

  const dns = startDaemon(
    'pebble-challtestsrv',
    ['-defaultIPv4', '127.0.0.1', '-defaultIPv6', '', '-dns01', `127.0.0.1:${dnsPort}`, '-http01', '', '-https01', '', '-tlsalpn01', '', '-management', `127.0.0.1:${challManagementPort}`],
    process.env,
  );
  const pebble = startDaemon('pebble', ['-config', path.join(dir, 'pebble.json'), '-dnsserver', `127.0.0.1:${dnsPort}`], {
    ...process.env,
    PEBBLE_VA_NOSLEEP: '1',
    PEBBLE_WFE_NONCEREJECT: '0',
  });
  await waitForPorts('ACME test CA (pebble, pebble-challtestsrv)', [pebble, dns], [acmePort, challManagementPort], readyTimeoutMs);
  const stop = async () => {
    await pebble.stop();
    await dns.stop();
  };
  return { directoryUrl: `https://127.0.0.1:${acmePort}/dir`, caBundle: path.join(dir, 'api-cert.pem'), stop };
}
