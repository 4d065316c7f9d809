import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { STATUS_CODES } from 'node:http';
import { WebSocketServer, type WebSocket } from 'ws';
import type { Config } from '../config/config';
import type { NewMessage, Store } from '../db/store';
import type { TokenService } from '../auth/tokens';
import type { Metrics } from '../metrics';
import type { Logger } from '../logger';
import { decideUpgrade } from './upgrade-policy';
import { errorEvent, JSON_SUBPROTOCOL, messageEvent, parseClientFrame, plainLine } from './frames';
import { Hub } from './hub';
import { MessageWriter } from './message-writer';
import { Peer } from './peer';
import { TokenBucket } from './rate-limiter';

/** Largest accepted client frame; a larger one closes the connection with 1009. */
export const MAX_FRAME_BYTES = 64 * 1024;
/** Messages replayed for `since` at most. */
export const MAX_REPLAY = 500;

export interface GatewayDeps {
  config: Config;
  store: Store;
  tokens: TokenService;
  metrics: Metrics;
  logger: Logger;
  isDraining: () => boolean;
  /** Called with each committed batch before it is broadcast. */
  onCommit?: (batch: readonly NewMessage[]) => void;
}

/** Answers a refused upgrade with a plain HTTP response and closes the socket. */
function refuse(socket: Duplex, status: number, message: string): void {
  const body = JSON.stringify({ error: message });
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nConnection: close\r\nContent-Type: application/json\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  );
}

/**
 * The WebSocket side of the chat: authorises upgrades on `/ws/:room`, joins peers to rooms,
 * replays `since`, turns frames into stored-then-broadcast messages, and keeps peers honest
 * (rate limit, frame cap, heartbeat, slow-consumer cut-off).
 */
export class ChatGateway {
  readonly hub = new Hub();
  readonly writer: MessageWriter;
  private readonly wss: WebSocketServer;
  private readonly allowedOrigins: ReadonlySet<string>;
  private readonly heartbeat: NodeJS.Timeout;

  constructor(private readonly deps: GatewayDeps) {
    this.allowedOrigins = new Set(deps.config.allowedOrigins);
    this.writer = new MessageWriter(deps.store, this.hub, deps.metrics, deps.logger, deps.onCommit);
    this.wss = new WebSocketServer({
      noServer: true,
      maxPayload: MAX_FRAME_BYTES,
      perMessageDeflate: false,
      clientTracking: false,
      handleProtocols: (protocols) => (protocols.has(JSON_SUBPROTOCOL) ? JSON_SUBPROTOCOL : false),
    });
    this.heartbeat = setInterval(() => this.ping(), deps.config.heartbeatMs);
    this.heartbeat.unref();
  }

  /** Takes over `upgrade` events of an HTTP server. */
  attach(server: Server): void {
    server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => this.upgrade(req, socket, head));
  }

  private upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    socket.on('error', () => socket.destroy());
    if (this.deps.isDraining()) return refuse(socket, 503, 'server is shutting down');
    const decision = decideUpgrade(req.url, req.headers.origin, this.deps.tokens, this.allowedOrigins);
    if (!decision.ok) return refuse(socket, decision.status, decision.message);
    this.wss.handleUpgrade(req, socket, head, (ws) => {
      try {
        this.connect(ws, decision.room, decision.user, decision.since);
      } catch (error) {
        this.deps.logger.error({ err: error, room: decision.room }, 'could not set up connection');
        ws.close(1011, 'internal error');
      }
    });
  }

  private connect(ws: WebSocket, room: string, user: string, since: number | undefined): void {
    const { config, store, metrics, logger } = this.deps;
    if (!store.roomExists(room)) store.createRoom(room); // a valid room that does not exist yet is created on join
    const peer = new Peer(ws, user, room, ws.protocol === JSON_SUBPROTOCOL, new TokenBucket(config.messageRate), config.maxBufferedBytes);

    // Replay and join happen in the same synchronous turn: every committed message is either
    // in the replay or broadcast to this peer later, never both, never neither.
    if (since !== undefined) {
      for (const message of store.since(room, since, MAX_REPLAY)) {
        peer.sendText(peer.json ? messageEvent(message) : plainLine(message));
      }
    }
    this.hub.join(peer);
    metrics.openConnections.inc();
    logger.debug({ room, user, json: peer.json }, 'ws joined');

    ws.on('pong', () => {
      peer.alive = true;
    });
    ws.on('message', (data, isBinary) => this.receive(peer, data as Buffer, isBinary));
    ws.on('error', (error) => {
      metrics.framesRejected.inc({ reason: 'protocol' });
      logger.debug({ room, user, err: error.message }, 'ws error');
    });
    ws.on('close', () => {
      this.hub.leave(peer);
      metrics.openConnections.dec();
    });
  }

  private receive(peer: Peer, data: Buffer, isBinary: boolean): void {
    const { metrics } = this.deps;
    if (this.deps.isDraining()) return;
    if (!peer.bucket.take()) {
      metrics.framesRejected.inc({ reason: 'rate_limited' });
      if (peer.json) peer.sendText(errorEvent('rate_limited', 'too many messages, slow down'));
      return;
    }
    const frame = parseClientFrame(data, isBinary);
    if (frame.kind === 'message') {
      this.writer.enqueue(peer, frame.text);
    } else if (frame.kind === 'reject') {
      metrics.framesRejected.inc({ reason: frame.code });
      if (peer.json) peer.sendText(errorEvent(frame.code, frame.message));
    }
  }

  private ping(): void {
    for (const peer of this.hub.peers()) {
      if (!peer.alive) {
        peer.socket.terminate();
        continue;
      }
      peer.alive = false;
      peer.socket.ping();
    }
  }

  /**
   * Shutdown: commits and broadcasts what is queued, then closes every socket with 1001 and
   * waits (bounded) for them to go.
   */
  async close(timeoutMs = 3000): Promise<void> {
    clearInterval(this.heartbeat);
    this.writer.flush();
    const sockets = [...this.hub.peers()].map((peer) => peer.socket);
    await Promise.all(
      sockets.map(
        (ws) =>
          new Promise<void>((resolve) => {
            if (ws.readyState === ws.CLOSED) return resolve();
            const timer = setTimeout(() => {
              ws.terminate();
              resolve();
            }, timeoutMs);
            ws.once('close', () => {
              clearTimeout(timer);
              resolve();
            });
            ws.close(1001, 'server shutting down');
          }),
      ),
    );
    this.wss.close();
  }
}
