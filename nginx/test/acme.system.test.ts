/**
 * Process lane: the Let's Encrypt path for real, on loopback. A private ACME CA (Debian's pebble, by Let's Encrypt,
 * with pebble-challtestsrv answering every name with 127.0.0.1) issues the edge's certificate through the edge
 * itself: nginx/certbot/certbot-loop.sh runs Debian's certbot with the shared webroot, pebble fetches the HTTP-01
 * challenges from the edge's plain-HTTP port (the real templates, Debian's nginx), deploy-hook.sh installs the files,
 * and after a reload the edge presents the new certificate. Needs scripts/setup.d/10-nginx-tls-tools.sh and
 * 12-acme-test-ca.sh.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import { run, type RunResult } from '../../test/system-helpers/exec';
import { startAcmeTestCa, type AcmeTestCa } from '../../test/system-helpers/pebble';
import { freePort } from '../../test/system-helpers/ports';
import { startLoopbackEdge, type LoopbackEdge } from './loopback-edge';

const repo = path.join(__dirname, '..', '..');
const NAMES = ['chat.shagram.test', 'jenkins.shagram.test', 'registry.shagram.test'];

let dir: string;
let tlsDir: string;
let edge: LoopbackEdge;
let ca: AcmeTestCa;

/** One round of the certbot service's loop, as its container runs it, pointed at the test CA and private folders. */
function certbotRound(overrides: Record<string, string> = {}): Promise<RunResult> {
  return run('/bin/sh', [path.join(repo, 'nginx', 'certbot', 'certbot-loop.sh')], {
    allowFailure: true,
    timeoutMs: 120_000,
    env: {
      PATH: process.env.PATH,
      CHAT_HOST: NAMES[0],
      JENKINS_HOST: NAMES[1],
      REGISTRY_HOST: NAMES[2],
      LETSENCRYPT_EMAIL: 'ops@shagram.test',
      ACME_SERVER: ca.directoryUrl,
      REQUESTS_CA_BUNDLE: ca.caBundle,
      CERTBOT_WEBROOT: edge.env.EDGE_ACME_WEBROOT,
      CERTBOT_CONFIG_DIR: path.join(dir, 'letsencrypt', 'config'),
      CERTBOT_WORK_DIR: path.join(dir, 'letsencrypt', 'work'),
      CERTBOT_LOGS_DIR: path.join(dir, 'letsencrypt', 'logs'),
      TLS_OUT_DIR: tlsDir,
      CERTBOT_ONCE: '1',
      ...overrides,
    },
  });
}

/** The certificate the edge presents for `servername`. */
function presented(servername: string): Promise<tls.PeerCertificate> {
  return new Promise((resolve, reject) => {
    const socket = tls.connect({ host: '127.0.0.1', port: edge.httpsPort, servername, rejectUnauthorized: false }, () => {
      resolve(socket.getPeerCertificate());
      socket.end();
    });
    socket.on('error', reject);
  });
}

/** Reloads the edge's nginx, as the edge's certificate watcher (40-shagram-tls-reload.sh) does. */
async function reloadEdge(): Promise<void> {
  const edgeDir = path.join(dir, 'edge');
  await run('nginx', ['-t', '-q', '-p', edgeDir, '-c', path.join(edgeDir, 'nginx.conf'), '-e', path.join(edgeDir, 'error.log')]);
  await run('nginx', ['-s', 'reload', '-p', edgeDir, '-c', path.join(edgeDir, 'nginx.conf'), '-e', path.join(edgeDir, 'error.log')]);
}

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'shagram-acme-'));
  fs.chmodSync(dir, 0o755); // nginx workers (nobody) read the challenge files below it
  tlsDir = path.join(dir, 'tls');
  // The edge starts on a development certificate, as it starts on a placeholder before certbot's first run.
  await run(path.join(repo, 'scripts', 'dev-certs'), ['--out', tlsDir, ...NAMES.flatMap((name) => ['--host', name])]);
  const nowhere = `127.0.0.1:${await freePort()}`;
  edge = await startLoopbackEdge(path.join(dir, 'edge'), { app: nowhere, jenkins: nowhere, registry: nowhere }, tlsDir);
  ca = await startAcmeTestCa(path.join(dir, 'ca'), edge.httpPort);
}, 120_000);

afterAll(async () => {
  await ca?.stop();
  await edge?.stop();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

test('certbot obtains the certificate for the three names through the edge; after a reload the edge presents it', async () => {
  const before = await presented(NAMES[0]!);
  expect(before.issuer.CN).not.toMatch(/Pebble/);

  const first = await certbotRound();
  expect({ code: first.code, stderr: first.stderr.split('\n').filter((l) => /error|fail/i.test(l)) }).toEqual({ code: 0, stderr: [] });
  expect(first.stdout).toContain(`deploy-hook: installed the certificate from ${path.join(dir, 'letsencrypt', 'config', 'live', 'shagram')} into ${tlsDir}`);
  const installed = new crypto.X509Certificate(fs.readFileSync(path.join(tlsDir, 'fullchain.pem')));
  expect(installed.issuer).toMatch(/Pebble Intermediate CA/);
  expect(installed.subjectAltName?.split(', ').sort()).toEqual(NAMES.map((name) => `DNS:${name}`).sort());
  expect(fs.statSync(path.join(tlsDir, 'privkey.pem')).mode & 0o077).toBe(0);
  // the challenge files were served from the shared webroot and cleaned up by certbot
  expect(fs.readdirSync(path.join(edge.env.EDGE_ACME_WEBROOT, '.well-known', 'acme-challenge'))).toEqual([]);
  expect(fs.readFileSync(path.join(dir, 'edge', 'access.log'), 'utf8')).toMatch(/GET \/\.well-known\/acme-challenge\/\S+ HTTP\/1\.1" 200/);

  await reloadEdge();
  // `nginx -s reload` only signals the master; new workers take over a moment later (no event tells when)
  const deadline = Date.now() + 10_000;
  while ((await presented(NAMES[0]!)).fingerprint256 !== installed.fingerprint256 && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  for (const name of NAMES) {
    const now = await presented(name);
    expect(now.issuer.CN).toMatch(/Pebble Intermediate CA/);
    expect(now.fingerprint256).toBe(installed.fingerprint256);
  }
}, 180_000);

test('the next round keeps a certificate that is not due and installs nothing', async () => {
  const before = fs.readFileSync(path.join(tlsDir, 'fullchain.pem'), 'utf8');
  const again = await certbotRound();
  expect(again.code).toBe(0);
  expect(again.stdout).toMatch(/not yet due for renewal/i);
  expect(again.stdout).not.toContain('deploy-hook: installed');
  expect(fs.readFileSync(path.join(tlsDir, 'fullchain.pem'), 'utf8')).toBe(before);
}, 120_000);

test('a challenge the edge cannot serve fails the round with one line, and the installed files stay as they were', async () => {
  const before = fs.readFileSync(path.join(tlsDir, 'fullchain.pem'), 'utf8');
  // a fourth name forces a new order; the challenges go to a webroot the edge does not serve
  fs.mkdirSync(path.join(dir, 'elsewhere'));
  const failed = await certbotRound({ CHAT_HOST: 'new.shagram.test', CERTBOT_WEBROOT: path.join(dir, 'elsewhere') });
  expect(failed.code).not.toBe(0);
  // the CA fetched the challenge through the edge and got a 404: the files were not in the edge's webroot
  expect(failed.stdout).toMatch(/Domain: new\.shagram\.test\s+Type:\s+unauthorized\s+Detail: .* returned 404/);
  expect(failed.stderr).toContain('Some challenges have failed.');
  expect(failed.stderr).toMatch(/certbot-loop: certbot failed \(exit \d+\)\n$/);
  expect(fs.readFileSync(path.join(tlsDir, 'fullchain.pem'), 'utf8')).toBe(before);
}, 180_000);
