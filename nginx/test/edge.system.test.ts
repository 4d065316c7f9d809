/**
 * Process lane: Debian's nginx with the real edge templates (rendered with the nginx image's envsubst
 * rules) in front of the built chat app, everything on loopback. Needs scripts/setup.d/10-nginx-tls-tools.sh.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import zlib from 'node:zlib';
import WebSocket from 'ws';
import { run } from '../../test/system-helpers/exec';
import { request } from './https-client';
import { startLoopbackEdge, type LoopbackEdge } from './loopback-edge';
import { freePort } from '../../test/system-helpers/ports';

const repo = path.join(__dirname, '..', '..');
const CHAT = 'chat.shagram.test';
const JENKINS = 'jenkins.shagram.test';
const REGISTRY = 'registry.shagram.test';

let dir: string;
let ca: Buffer;
let app: ChildProcess;
let appPort: number;
let edge: LoopbackEdge;
let registry: http.Server;
let registryHits: Array<{ headers: http.IncomingHttpHeaders; bytes: number }> = [];

async function waitFor(url: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => http.get(url, (res) => { res.resume(); resolve(res.statusCode === 200); }).on('error', () => resolve(false)));
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`${url} did not answer 200 within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'shagram-edge-'));
  fs.chmodSync(dir, 0o755); // nginx workers (nobody) read the ACME webroot below it
  // The built app: compiled into a private folder laid out like app/ (dist beside public and migrations).
  const build = path.join(dir, 'app');
  await run(path.join(repo, 'node_modules', '.bin', 'tsc'), ['-p', path.join(repo, 'app', 'tsconfig.json'), '--outDir', path.join(build, 'dist')]);
  fs.symlinkSync(path.join(repo, 'app', 'public'), path.join(build, 'public'));
  fs.symlinkSync(path.join(repo, 'app', 'migrations'), path.join(build, 'migrations'));
  fs.symlinkSync(path.join(repo, 'node_modules'), path.join(build, 'node_modules'));
  await run(path.join(repo, 'scripts', 'dev-certs'), ['--out', path.join(dir, 'tls'), '--host', CHAT, '--host', JENKINS, '--host', REGISTRY]);
  ca = fs.readFileSync(path.join(dir, 'tls', 'ca.pem'));

  registry = http.createServer((req, res) => {
    let bytes = 0;
    req.on('data', (chunk: Buffer) => (bytes += chunk.length));
    req.on('end', () => {
      registryHits.push({ headers: req.headers, bytes });
      res.end(JSON.stringify({ bytes }));
    });
  });
  await new Promise<void>((resolve) => registry.listen(0, '127.0.0.1', resolve));
  const registryPort = (registry.address() as { port: number }).port;
  const deadJenkinsPort = await freePort(); // nothing listens there: Jenkins is "down"

  appPort = await freePort();
  edge = await startLoopbackEdge(path.join(dir, 'edge'), { app: `127.0.0.1:${appPort}`, jenkins: `127.0.0.1:${deadJenkinsPort}`, registry: `127.0.0.1:${registryPort}` }, path.join(dir, 'tls'));
  app = spawn(process.execPath, [path.join(build, 'dist', 'main.js')], {
    env: {
      PATH: process.env.PATH, NODE_ENV: 'production', PORT: String(appPort), HOST: '127.0.0.1',
      DATABASE_PATH: path.join(dir, 'data', 'shagram.db'), JWT_SECRET: crypto.randomBytes(48).toString('base64'),
      WS_ALLOWED_ORIGINS: `https://${CHAT}:${edge.httpsPort}`, TRUST_PROXY: 'loopback', AUTH_RATE_LIMIT: '1000/60', LOG_LEVEL: 'warn',
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  await waitFor(`http://127.0.0.1:${appPort}/readyz`, 20_000);
}, 180_000);

afterAll(async () => {
  await edge?.stop();
  if (app && app.exitCode === null) {
    const done = new Promise((resolve) => app.once('exit', resolve));
    app.kill('SIGTERM');
    await done;
  }
  await new Promise((resolve) => registry?.close(resolve));
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

const chat = (p: string, extra: Partial<Parameters<typeof request>[1]> = {}) => request(p, { port: edge.httpsPort, host: CHAT, ca, ...extra });

describe('nginx edge on loopback', () => {
  it('serves the chat over HTTPS with a certificate the dev CA vouches for, with the security headers', async () => {
    const reply = await chat('/healthz');
    expect(reply.status).toBe(200);
    expect(JSON.parse(reply.body.toString())).toEqual({ status: 'ok' });
    expect(reply.headers['strict-transport-security']).toBe('max-age=63072000');
    expect(reply.headers['x-content-type-options']).toBe('nosniff');
    expect(reply.headers['x-frame-options']).toBe('DENY');
    expect(reply.headers.server).toBe('nginx');
    expect(reply.headers['x-powered-by']).toBeUndefined();
  });

  it('redirects HTTP to HTTPS but answers ACME challenges from the webroot', async () => {
    const redirect = await request('/rooms?x=1', { port: edge.httpPort, host: CHAT, tls: false });
    expect(redirect.status).toBe(301);
    expect(redirect.headers.location).toBe(`https://${CHAT}/rooms?x=1`);
    fs.writeFileSync(path.join(edge.env.EDGE_ACME_WEBROOT, '.well-known', 'acme-challenge', 'token-1'), 'token-1.thumbprint');
    const challenge = await request('/.well-known/acme-challenge/token-1', { port: edge.httpPort, host: CHAT, tls: false });
    expect(challenge.status).toBe(200);
    expect(challenge.body.toString()).toBe('token-1.thumbprint');
  });

  it('refuses /metrics at the edge although the app serves it', async () => {
    expect((await chat('/metrics')).status).toBe(403);
    const direct = await request('/metrics', { port: appPort, host: '127.0.0.1', tls: false });
    expect(direct.status).toBe(200);
  });

  it.each(['/METRICS', '/Metrics?x=1', '/mEtRiCs', '/metrics/', '/%4Detrics', '//metrics'])('refuses %s at the edge too', async (p) => {
    const reply = await chat(p);
    expect(reply.status).toBe(403);
    expect(reply.body.toString()).not.toContain('# HELP');
  });

  it('carries a WebSocket chat through the proxy, checks the Origin, and compresses JSON', async () => {
    const registered = await chat('/api/auth/register', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ username: 'alice', password: 'correct horse battery' }) });
    expect(registered.status).toBe(201);
    const token = (JSON.parse(registered.body.toString()) as { access_token: string }).access_token;
    const url = `wss://127.0.0.1:${edge.httpsPort}/ws/general?token=${token}`;
    const origin = `https://${CHAT}:${edge.httpsPort}`;
    const tlsOptions = { ca, servername: CHAT }; // passed through to https.request
    const socket = new WebSocket(url, { ...tlsOptions, headers: { Host: CHAT, Origin: origin } });
    await new Promise<void>((resolve, reject) => {
      socket.once('open', () => resolve());
      socket.once('error', reject);
    });
    const texts: string[] = [];
    const gotAll = new Promise<void>((resolve) => socket.on('message', (data) => { texts.push(String(data)); if (texts.length === 12) resolve(); }));
    for (let i = 0; i < 12; i++) socket.send(JSON.stringify({ text: `hello through nginx ${i} ${'x'.repeat(40)}` }));
    await gotAll;
    expect(texts[0]).toBe(`alice: hello through nginx 0 ${'x'.repeat(40)}`);
    socket.close();

    const refused = new WebSocket(url, { ...tlsOptions, headers: { Host: CHAT, Origin: 'https://evil.example' } });
    const status = await new Promise<number>((resolve) => {
      refused.once('unexpected-response', (_req: http.ClientRequest, res: http.IncomingMessage) => resolve(res.statusCode ?? 0));
      refused.once('error', () => resolve(-1));
    });
    expect(status).toBe(403);

    const history = await chat('/api/messages/general', { headers: { 'Accept-Encoding': 'gzip' } });
    expect(history.headers['content-encoding']).toBe('gzip');
    const messages = (JSON.parse(zlib.gunzipSync(history.body).toString()) as { messages: Array<{ user: string }> }).messages;
    expect(messages).toHaveLength(12);
    expect(messages[0]?.user).toBe('alice');
  });

  it('limits the request body size on the chat but not on the registry, and forwards client details', async () => {
    const big = Buffer.alloc(2 * 1024 * 1024, 1);
    expect((await chat('/api/rooms', { method: 'POST', body: big, headers: { 'Content-Type': 'application/json' } })).status).toBe(413);
    registryHits = [];
    const upload = await request('/v2/upload', { port: edge.httpsPort, host: REGISTRY, ca, method: 'PUT', body: big });
    expect(upload.status).toBe(200);
    expect(registryHits[0]?.bytes).toBe(big.length);
    expect(registryHits[0]?.headers).toMatchObject({ 'x-forwarded-proto': 'https', 'x-forwarded-host': REGISTRY, 'x-real-ip': '127.0.0.1', 'x-forwarded-for': '127.0.0.1' });
  });

  it('answers 502 for Jenkins while it is down, and refuses unknown server names', async () => {
    const jenkins = await request('/github-webhook/', { port: edge.httpsPort, host: JENKINS, ca, method: 'POST', body: '{}' });
    expect(jenkins.status).toBe(502);
    expect(jenkins.headers['strict-transport-security']).toBeDefined();
    const error = await new Promise<Error>((resolve) => {
      const socket = tls.connect({ host: '127.0.0.1', port: edge.httpsPort, servername: 'other.example', ca }, () => resolve(new Error('handshake succeeded')));
      socket.once('error', resolve);
    });
    expect(error.message).toMatch(/unrecognized name|alert/i);
  });

  it('rate-limits /api/auth/ at the edge', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 16; i++) {
      const reply = await chat('/api/auth/login', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ username: 'alice', password: 'wrong password!' }) });
      statuses.push(reply.status);
    }
    expect(statuses.slice(0, 5).every((s) => s === 401)).toBe(true);
    expect(statuses.at(-1)).toBe(429);
  });

  it('rate-limits /api/auth/ in any letter case (the same per-address budget, now spent)', async () => {
    for (const p of ['/API/AUTH/login', '/Api/Auth/register']) {
      const statuses: number[] = [];
      for (let i = 0; i < 4; i++) {
        const reply = await chat(p, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ username: 'alice', password: 'wrong password!' }) });
        statuses.push(reply.status);
      }
      // 10 r/m refills one request every 6 s: at most one of four may slip through to the app (which answers 404).
      expect(statuses.filter((s) => s === 429).length).toBeGreaterThanOrEqual(3);
      expect(statuses.every((s) => s === 429 || s === 404)).toBe(true);
    }
  });

  it('keeps access tokens out of the access log while still logging each request', async () => {
    const registered = await chat('/api/auth/register', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ username: 'logcheck', password: 'correct horse battery' }) });
    // The auth zone may be spent by the tests above: log in through the app directly then.
    const token = registered.status === 201
      ? (JSON.parse(registered.body.toString()) as { access_token: string }).access_token
      : (JSON.parse((await request('/api/auth/register', { port: appPort, host: '127.0.0.1', tls: false, method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ username: 'logcheck2', password: 'correct horse battery' }) })).body.toString()) as { access_token: string }).access_token;
    expect(token).toMatch(/^eyJ/);
    const socket = new WebSocket(`wss://127.0.0.1:${edge.httpsPort}/ws/general?token=${token}`, { ...{ ca, servername: CHAT }, headers: { Host: CHAT, Origin: `https://${CHAT}:${edge.httpsPort}` } });
    await new Promise<void>((resolve, reject) => {
      socket.once('open', () => resolve());
      socket.once('error', reject);
    });
    const closed = new Promise((resolve) => socket.once('close', resolve));
    socket.close();
    await closed;
    expect((await chat(`/api/messages/general?token=${token}&limit=1`)).status).toBe(200);
    expect((await chat(`/api/me?token=${token}`, { headers: { Referer: `https://${CHAT}/?token=${token}` } })).status).toBe(401);
    expect((await request(`/ws/general?token=${token}`, { port: edge.httpPort, host: CHAT, tls: false })).status).toBe(301);
    // nginx writes a WebSocket's line when the proxied connection ends: wait for it, bounded.
    const deadline = Date.now() + 10_000;
    let log = '';
    while (!/"GET \/ws\/general HTTP\/1\.1" 101 /.test(log)) {
      if (Date.now() > deadline) throw new Error(`no WebSocket line in the access log:\n${log}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
      log = fs.readFileSync(edge.accessLog, 'utf8');
    }
    expect(log).toContain('"GET /api/messages/general HTTP/1.1" 200 ');
    expect(log).toMatch(new RegExp(`"GET /api/me HTTP/1\\.1" 401 \\d+ "https://${CHAT.replace(/\./g, '\\.')}/"`));
    expect(log).toContain('"GET /ws/general HTTP/1.1" 301 ');
    expect(log).not.toContain(token);
    expect(log).not.toContain(token.split('.')[2] as string);
    expect(log).not.toContain('token=');
  });

  it('passes testssl.sh without a HIGH or CRITICAL finding', async () => {
    const json = path.join(dir, 'testssl.json');
    await run('testssl', ['--quiet', '--color', '0', '--warnings', 'off', '--openssl-timeout', '5', '--add-ca', path.join(dir, 'tls', 'ca.pem'), '--ip', '127.0.0.1', '--jsonfile', json, `${CHAT}:${edge.httpsPort}`], { allowFailure: true, timeoutMs: 480_000 });
    const findings = JSON.parse(fs.readFileSync(json, 'utf8')) as Array<{ id: string; severity: string; finding: string }>;
    expect(findings.length).toBeGreaterThan(20);
    fs.writeFileSync(path.join(os.tmpdir(), 'shagram-testssl-findings.json'), JSON.stringify(findings, null, 1));
    // cert_revocation ("neither CRL nor OCSP URI provided") describes the development CA's certificate, not
    // the edge: Let's Encrypt certificates carry a CRL URI. Every other HIGH/CRITICAL finding fails the test.
    const bad = findings
      .filter((f) => ['HIGH', 'CRITICAL'].includes(f.severity) && f.id !== 'cert_revocation')
      .map((f) => `${f.severity} ${f.id}: ${f.finding}`);
    expect(bad).toEqual([]);
    expect(findings.find((f) => f.id === 'TLS1_3')?.finding).toMatch(/offered/);
    expect(findings.find((f) => f.id === 'TLS1_1')?.finding).toMatch(/not offered/);
  }, 540_000);
});
