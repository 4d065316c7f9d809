/**
 * Peer 1 — the ceiling for Node: a bare `ws` broadcast server, as plain as ws's own broadcast
 * example, with rooms by path (`/ws/<room>`). No auth, no validation, no persistence: every
 * frame is relayed as received to everyone in the room, the sender included.
 *
 * Env: PORT (default 8090), HOST (default 127.0.0.1). `GET /healthz` answers 200.
 */
import http from 'node:http';
import { WebSocketServer, WebSocket } from 'ws';

const rooms = new Map<string, Set<WebSocket>>();

const server = http.createServer((req, res) => {
  if (req.url === '/healthz') {
    res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"ok"}');
    return;
  }
  res.writeHead(404).end();
});

const wss = new WebSocketServer({ server, perMessageDeflate: false, clientTracking: false });

wss.on('connection', (ws, req) => {
  const room = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname.replace(/^\/ws\//, ''));
  let peers = rooms.get(room);
  if (!peers) rooms.set(room, (peers = new Set()));
  peers.add(ws);
  ws.on('message', (data, isBinary) => {
    for (const client of peers) if (client.readyState === WebSocket.OPEN) client.send(data, { binary: isBinary });
  });
  ws.on('close', () => peers.delete(ws));
  ws.on('error', () => ws.terminate());
});

server.listen(Number(process.env.PORT ?? 8090), process.env.HOST ?? '127.0.0.1');
process.once('SIGTERM', () => process.exit(0));
