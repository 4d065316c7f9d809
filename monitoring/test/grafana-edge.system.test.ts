/**
 * Grafana through the edge: Debian's nginx with the real edge templates and GRAFANA_HOST set, in front of a
 * stand-in for Grafana on loopback (an HTTP and WebSocket server that echoes what reached it). Its name is proxied
 * with the usual headers and Grafana Live's WebSocket upgrade passes; /metrics never reaches Grafana.
 * Needs scripts/setup.d/10-nginx-tls-tools.sh.
 */
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import WebSocket, { WebSocketServer } from 'ws';
import { request } from '../../nginx/test/https-client';
import { startLoopbackEdge, type LoopbackEdge } from '../../nginx/test/loopback-edge';
import { run } from '../../test/system-helpers/exec';
import { freePort } from '../../test/system-helpers/ports';

const repo = path.join(__dirname, '..', '..');
const GRAFANA = 'grafana.shagram.test';

let dir: string;
let ca: Buffer;
let edge: LoopbackEdge;
let grafana: http.Server;
const hits: Array<{ url: string; headers: http.IncomingHttpHeaders }> = [];

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'shagram-grafana-edge-'));
  fs.chmodSync(dir, 0o755);
  await run(path.join(repo, 'scripts', 'dev-certs'), ['--out', path.join(dir, 'tls'), '--host', 'chat.shagram.test', '--host', GRAFANA]);
  ca = fs.readFileSync(path.join(dir, 'tls', 'ca.pem'));
  grafana = http.createServer((req, res) => {
    hits.push({ url: req.url ?? '', headers: req.headers });
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ url: req.url, headers: req.headers }));
  });
  const live = new WebSocketServer({ server: grafana, path: '/api/live/ws' });
  live.on('connection', (socket) => socket.on('message', (data) => socket.send(`echo ${data.toString()}`)));
  await new Promise<void>((resolve) => grafana.listen(0, '127.0.0.1', resolve));
  const grafanaPort = (grafana.address() as { port: number }).port;
  const nothing = await freePort();
  edge = await startLoopbackEdge(path.join(dir, 'edge'), { app: `127.0.0.1:${nothing}`, jenkins: `127.0.0.1:${nothing}`, registry: `127.0.0.1:${nothing}`, grafana: `127.0.0.1:${grafanaPort}` }, path.join(dir, 'tls'));
}, 60_000);

afterAll(async () => {
  await edge?.stop();
  grafana?.closeAllConnections();
  await new Promise((resolve) => grafana?.close(resolve));
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

const get = (p: string) => request(p, { port: edge.httpsPort, host: GRAFANA, ca });

test('GRAFANA_HOST is proxied to Grafana with the forwarding headers, behind the edge security headers', async () => {
  const reply = await get('/login?redirect=%2F');
  expect(reply.status).toBe(200);
  const seen = JSON.parse(reply.body.toString()) as { url: string; headers: Record<string, string> };
  expect(seen.url).toBe('/login?redirect=%2F');
  expect(seen.headers).toMatchObject({ host: GRAFANA, 'x-forwarded-proto': 'https', 'x-forwarded-host': GRAFANA, 'x-real-ip': '127.0.0.1' });
  expect(reply.headers['strict-transport-security']).toMatch(/max-age=\d+/);
  expect(reply.headers['x-content-type-options']).toBe('nosniff');
});

test("Grafana's /metrics is refused in every spelling and never reaches Grafana", async () => {
  const before = hits.length;
  for (const p of ['/metrics', '/METRICS', '/Metrics/', '/metrics?x=1']) expect({ p, status: (await get(p)).status }).toEqual({ p, status: 403 });
  expect(hits.length).toBe(before);
});

test("Grafana Live's WebSocket upgrade passes through the edge", async () => {
  const tlsOptions = { ca, servername: GRAFANA };
  const socket = new WebSocket(`wss://127.0.0.1:${edge.httpsPort}/api/live/ws`, { ...tlsOptions, headers: { Host: GRAFANA } });
  await new Promise<void>((resolve, reject) => {
    socket.once('open', () => resolve());
    socket.once('error', reject);
  });
  const answer = new Promise<string>((resolve) => socket.once('message', (data) => resolve(data.toString())));
  socket.send('ping');
  expect(await answer).toBe('echo ping');
  socket.close();
});
