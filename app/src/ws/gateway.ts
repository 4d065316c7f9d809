import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { STATUS_CODES } from 'node:http';
import { WebSocketServer, type WebSocket } from 'ws';
import type { Config } from '../config/config';
import type { ChatStore, StoredMessage } from '../db/chat-store';
import type { FanOut, FanOutSink } from '../fanout/fan-out';
import type { TokenClaims, TokenService } from '../auth/tokens';
import type { Revocations } from '../auth/revocation-service';
import type { Metrics } from '../metrics';
import type { Logger } from '../logger';
import { decideUpgrade } from './upgrade-policy';
import { errorEvent, isTypingFrame, JSON_SUBPROTOCOL, messageEvent, parseClientFrame, plainLine, replayEvent } from './frames';
import { Hub } from './hub';
import { MessageWriter } from './message-writer';
import { Peer } from './peer';
import type { TokenBucket } from './rate-limiter';
import { addressKey, clientAddress, compileTrust, type TrustFn } from './client-address';
import { ConnectionLimits } from './connection-limits';

/** Largest accepted client frame; a larger one closes the connection with 1009. */
export const MAX_FRAME_BYTES = 64 * 1024;
/** The heartbeat pings one of this many slices of the peers at a time, spread over `WS_HEARTBEAT_MS`. */
export const HEARTBEAT_SLICES = 10;
/** Messages replayed for `since` at most. */
export const MAX_REPLAY = 500;
/**
 * Typing signals passed on per connection at most once in this many ms (the browser sends one per 3 s while
 * typing); extras are dropped. They are never stored and do not take from the account's message bucket.
 */
export const TYPING_MIN_INTERVAL_MS = 2000;

export interface GatewayDeps {
  config: Config;
  store: ChatStore;
  fanOut: FanOut;
  tokens: TokenService;
  metrics: Metrics;
  logger: Logger;
  isDraining: () => boolean;
  /** Called with each delivered batch (from this replica or another) before it reaches peers. */
  onDeliver?: (messages: readonly StoredMessage[]) => void;
  /** Called when the fan-out is lost (`false`) or back (`true`). */
  onAvailability?: (up: boolean) => void;
  /** Server-side token revocation: a revoked session's sockets are closed with {@link CLOSE_SESSION_REVOKED}. */
  revocations?: Revocations;
}

/** Close code for sockets closed because the fan-out was lost: "service restart, try again". */
export const CLOSE_FANOUT_LOST = 1012;
/** Close code for a socket whose `since` replay could not be read (the database was unavailable). */
export const CLOSE_REPLAY_FAILED = 1011;
/**
 * Close code for a socket whose token was revoked (log-out, log-out everywhere, account deletion), on any replica:
 * the client must not reconnect with that token.
 */
export const CLOSE_SESSION_REVOKED = 4001;

/** An upgrade to a room that does not exist: rooms are created only by `POST /api/rooms`. */
class RoomNotFound extends Error {}

/** Why an upgrade was refused before any WebSocket existed, by the status `decideUpgrade` answered. */
const DECISION_REASONS: Record<number, string> = { 400: 'bad_request', 401: 'unauthorized', 403: 'origin', 404: 'not_found' };

/** An upgrading socket's error listener: the socket is destroyed (see `upgrade`). */
function destroyOnError(this: Duplex): void {
  this.destroy();
}

/** Answers a refused upgrade with a plain HTTP response (JSON body `{ error, code? }`) and closes the socket. */
function refuse(socket: Duplex, status: number, message: string, code?: string): void {
  const body = JSON.stringify(code ? { error: message, code } : { error: message });
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
  readonly hub: Hub;
  readonly writer: MessageWriter;
  /** What the fan-out delivers into: this replica's hub. */
  readonly sink: FanOutSink;
  /** Rooms known to exist (rooms are never deleted), so a join usually needs no query. */
  private readonly knownRooms = new Set<string>();
  /** The token each socket was opened with, to close the right ones when tokens are revoked. */
  private readonly tokenOf = new WeakMap<WebSocket, TokenClaims>();
  private readonly wss: WebSocketServer;
  private readonly allowedOrigins: ReadonlySet<string>;
  private readonly heartbeat: NodeJS.Timeout;
  private readonly trust: TrustFn;
  /** Connection caps and the per-account message buckets. */
  readonly limits: ConnectionLimits;

  constructor(private readonly deps: GatewayDeps) {
    this.allowedOrigins = new Set(deps.config.allowedOrigins);
    this.trust = compileTrust(deps.config.trustProxy);
    this.limits = new ConnectionLimits(
      { perAccount: deps.config.maxConnectionsPerAccount, perAddress: deps.config.maxConnectionsPerIp, total: deps.config.maxConnections },
      deps.config.messageRate,
    );
    this.hub = new Hub({
      presenceDirty: (room) => deps.fanOut.presenceChanged(room),
      duplicate: () => deps.metrics.duplicatesSkipped.inc(),
      gap: (room, peers, lastDelivered, prev) => this.gap(room, peers, lastDelivered, prev),
      presenceGraceMs: deps.config.presenceGraceMs,
    });
    this.writer = new MessageWriter(deps.store, deps.fanOut, deps.metrics, deps.logger);
    this.sink = {
      deliver: (messages) => {
        deps.onDeliver?.(messages);
        this.hub.deliver(messages);
      },
      presence: (room, users) => this.hub.sendPresence(room, users),
      localUsers: (room) => this.hub.presentUsers(room),
      localRooms: () => this.hub.roomNames(),
      availability: (up) => this.availability(up),
    };
    this.wss = new WebSocketServer({
      noServer: true,
      maxPayload: MAX_FRAME_BYTES,
      perMessageDeflate: false,
      clientTracking: false,
      // Only ever shagram.json: a `shagram.bearer.<token>` offered beside it is never echoed back.
      handleProtocols: (protocols) => (protocols.has(JSON_SUBPROTOCOL) ? JSON_SUBPROTOCOL : false),
    });
    // The heartbeat runs in slices: every heartbeatMs / HEARTBEAT_SLICES one slice of the peers is pinged, so each
    // peer is still pinged once per heartbeatMs, but 15,000 pings never block the event loop in one go.
    this.heartbeat = setInterval(() => this.ping(), Math.max(1, Math.floor(deps.config.heartbeatMs / HEARTBEAT_SLICES)));
    this.heartbeat.unref();
    const revoked = deps.revocations?.list;
    deps.revocations?.onRevoke((revocation) => {
      const closed = this.hub.closeUser(revocation.username, CLOSE_SESSION_REVOKED, 'session revoked', (peer) => {
        const token = this.tokenOf.get(peer.socket);
        return token === undefined || revoked!.isRevoked(token);
      });
      if (closed > 0) deps.logger.info({ user: revocation.username, sockets: closed }, 'closed the sockets of revoked tokens');
    });
  }

  /** Takes over `upgrade` events of an HTTP server. */
  attach(server: Server): void {
    server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => this.upgrade(req, socket, head));
  }

  /** Refuses an upgrade and counts it by reason. */
  private refuse(socket: Duplex, reason: string, status: number, message: string, code?: string): void {
    this.deps.metrics.upgradesRefused.inc({ reason });
    refuse(socket, status, message, code);
  }

  private upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    // A module-level function, not a closure: a listener that lives as long as the socket would keep this call's
    // whole scope (the request with its headers and URL, the head buffer, the decision) for the socket's lifetime.
    socket.on('error', destroyOnError);
    if (this.deps.isDraining()) return this.refuse(socket, 'draining', 503, 'server is shutting down');
    if (!this.deps.fanOut.available) return this.refuse(socket, 'fanout_unavailable', 503, 'message delivery is interrupted, try again shortly');
    const decision = decideUpgrade(req.url, req.headers.origin, this.deps.tokens, this.allowedOrigins, req.headers['sec-websocket-protocol']);
    if (!decision.ok) return this.refuse(socket, DECISION_REASONS[decision.status] ?? 'bad_request', decision.status, decision.message);
    // The token's id and epoch, so that revoking it closes this socket (verified once, by decideUpgrade).
    const token = decision.claims;
    // The slot is taken now, before anything asynchronous, so concurrent upgrades cannot all pass the caps;
    // it is given back when the TCP socket closes, whichever way it ends (refused below, handshake failed,
    // closed by either side, terminated).
    const admission = this.limits.admit(decision.user, addressKey(clientAddress(req, this.trust)));
    if (!admission.ok) return this.refuse(socket, admission.reason, admission.status, admission.message, admission.reason);
    socket.once('close', admission.release);
    // The room is made to exist before the handshake completes, so a client whose socket is open
    // is in the room: nothing sent to the room after its `open` event can pass it by.
    this.ensureRoom(decision.room).then(
      () => {
        if (socket.destroyed) return;
        if (this.deps.isDraining()) return this.refuse(socket, 'draining', 503, 'server is shutting down');
        // Checked again: the fan-out may have been lost while the room was checked, after its sockets were
        // closed. A peer joined now would miss what is published until it is back, with nothing to tell it.
        if (!this.deps.fanOut.available) return this.refuse(socket, 'fanout_unavailable', 503, 'message delivery is interrupted, try again shortly');
        // Revoked while the room was checked: refused like any revoked token.
        if (this.deps.revocations?.list.isRevoked(token)) return this.refuse(socket, 'unauthorized', 401, 'a valid token is required');
        // handleUpgrade calls back synchronously: nothing can run between the checks above and the join.
        this.wss.handleUpgrade(req, socket, head, (ws) => {
          this.tokenOf.set(ws, token);
          this.connect(ws, decision.room, decision.user, decision.since, admission.bucket).catch((error: unknown) => {
            // The replay could not be read. Nothing was sent on this socket (neither the replay nor the live
            // messages held meanwhile), so the client's next `since` is still exact: it reconnects.
            this.deps.logger.error({ err: error, room: decision.room }, 'could not replay to a new connection');
            if (ws.readyState === ws.OPEN) ws.close(CLOSE_REPLAY_FAILED, 'could not read the replay, reconnect');
          });
        });
      },
      (error: unknown) => {
        if (error instanceof RoomNotFound) return this.refuse(socket, 'not_found', 404, 'room not found; create it first (POST /api/rooms)');
        this.deps.logger.error({ err: error, room: decision.room }, 'could not check the room of an upgrade');
        this.refuse(socket, 'database_unavailable', 503, 'the database is unavailable, try again shortly');
      },
    );
  }

  /**
   * Rejects with RoomNotFound for a room that does not exist: joining never creates a room (only `POST /api/rooms`
   * does, under its rate limit and quota). Rooms are never deleted, so existence is cached.
   */
  private async ensureRoom(room: string): Promise<void> {
    if (this.knownRooms.has(room)) return;
    if (!(await this.deps.store.roomExists(room))) throw new RoomNotFound(room);
    this.knownRooms.add(room);
  }

  private async connect(ws: WebSocket, room: string, user: string, since: number | undefined, bucket: TokenBucket): Promise<void> {
    const { config, metrics, logger } = this.deps;
    // `bucket` is the account's: every connection of the account on this process takes from it.
    const peer = new Peer(ws, user, room, ws.protocol === JSON_SUBPROTOCOL, bucket, config.maxBufferedBytes);
    peer.heartbeatSlot = this.nextSlot++ % HEARTBEAT_SLICES;
    ws.on('message', (data, isBinary) => this.receive(peer, data as Buffer, isBinary));
    ws.on('error', (error) => {
      metrics.framesRejected.inc({ reason: 'protocol' });
      logger.debug({ room, user, err: error.message }, 'ws error');
    });
    ws.on('close', () => {
      this.hub.leave(peer);
      metrics.openConnections.dec();
    });

    // Join first, with live messages held in the replay buffer; then read the replay. Every
    // committed message is either in the replay or delivered live after it: never neither. And
    // never both: a live message the peer already has (id <= peer.lastId) is skipped, whether it
    // was held during the replay or the fan-out delivers it after the replay ended (a commit is
    // visible to the replay's query before its publish has gone through Redis).
    if (since !== undefined) {
      peer.replayBuffer = [];
      peer.lastId = since;
    }
    this.hub.join(peer);
    metrics.openConnections.inc();
    ws.on('pong', () => {
      peer.alive = true;
    });
    logger.debug({ room, user, json: peer.json }, 'ws joined');
    if (since !== undefined) await this.replay(peer, since);
  }

  /**
   * Sends the messages after `since`, then (JSON mode) the `replay` event saying whether that was all of them,
   * then the live ones that arrived meanwhile and are newer than the replay's last. Rejects, having sent nothing,
   * when the replay cannot be read: the held live messages stay unsent (and are dropped with the peer), since
   * sending them would put ids after a hole into the client's ledger and its next `since` would skip the hole
   * for good.
   *
   * A replay that stopped at {@link MAX_REPLAY} leaves a hole: the messages after its last row that were committed
   * before the socket joined. Every message committed after the join is held in the replay buffer, so the hole
   * ends below the first held message newer than the last row; when none is held, it ends at the room's newest
   * message (read before anything is sent, so a failure still sends nothing).
   */
  private async replay(peer: Peer, since: number): Promise<void> {
    const { store } = this.deps;
    const rows = await store.since(peer.room, since, MAX_REPLAY);
    const lastId = rows.length > 0 ? rows[rows.length - 1]!.id : since;
    // Only a replay that stopped at its cap can have left something out: the next message after its last row
    // (if any) and the room's newest bound the hole.
    const [next, newest]: [number | undefined, number] =
      peer.json && rows.length >= MAX_REPLAY
        ? await Promise.all([store.since(peer.room, lastId, 1), store.history(peer.room, 1)]).then(([after, latest]) => [after[0]?.id, latest[0]?.id ?? 0])
        : [undefined, 0];
    // From here on everything is synchronous: the replayed messages, the end event and the held live messages leave
    // in one write system call (a reconnect storm is thousands of these at once).
    peer.cork();
    try {
      for (const message of rows) this.sendOnce(peer, message);
      const live = peer.replayBuffer ?? [];
      peer.replayBuffer = undefined;
      if (peer.json) {
        const firstLive = live.find((message) => message.id > lastId)?.id;
        const hole = next !== undefined && (firstLive === undefined || next < firstLive);
        peer.sendText(replayEvent(peer.room, lastId, hole ? Math.max(firstLive ?? newest + 1, next + 1) : undefined));
      }
      for (const message of live) {
        // A live message held during the replay whose predecessor this peer never got (committed after the replay's
        // read, lost on its way here): close instead, so the client replays from its last id.
        if (message.id > peer.lastId && message.prev !== undefined && peer.lastId > 0 && message.prev > peer.lastId) {
          this.gap(peer.room, [peer], peer.lastId, message.prev);
          return;
        }
        this.sendOnce(peer, message);
      }
    } finally {
      peer.uncork();
    }
  }

  /** Sends a message to one peer unless it already has it (see Peer.lastId). */
  private sendOnce(peer: Peer, message: StoredMessage): void {
    if (message.id <= peer.lastId) return;
    peer.lastId = message.id;
    peer.sendText(peer.json ? messageEvent(message) : plainLine(message));
  }

  /**
   * A committed message of `room` (id in lastDelivered+1 … prev) never arrived here live: its writer died
   * between commit and publish, or its publish failed while this replica's Redis connections stayed up.
   * The room's sockets are closed (before the message that revealed it is sent) so their clients
   * reconnect with `since` and get it from the database.
   */
  private gap(room: string, peers: Peer[], lastDelivered: number, prev: number): void {
    this.deps.metrics.deliveryGaps.inc();
    this.deps.logger.warn(
      { room, lastDelivered, prev, sockets: peers.length },
      'a committed message never arrived live; closing the room\'s sockets so clients replay it',
    );
    for (const peer of peers) peer.socket.close(CLOSE_FANOUT_LOST, 'message delivery interrupted, reconnect');
  }

  /** The fan-out was lost or is back. While lost, every socket is closed so clients reconnect with `since`. */
  private availability(up: boolean): void {
    this.hub.forgetDelivered();
    this.deps.onAvailability?.(up);
    if (up) {
      this.deps.logger.info({ fanout: this.deps.fanOut.kind }, 'message fan-out is back');
      return;
    }
    this.deps.logger.error({ fanout: this.deps.fanOut.kind }, 'message fan-out lost; closing sockets so clients reconnect and replay');
    for (const peer of [...this.hub.peers()]) peer.socket.close(CLOSE_FANOUT_LOST, 'message delivery interrupted, reconnect');
  }

  private receive(peer: Peer, data: Buffer, isBinary: boolean): void {
    const { metrics } = this.deps;
    if (this.deps.isDraining()) return;
    // JSON mode only: a plain peer's `{"type":"typing"}` goes the old way (a frame without text).
    if (peer.json && isTypingFrame(data, isBinary)) return this.typing(peer);
    if (!peer.bucket.take()) {
      metrics.framesRejected.inc({ reason: 'rate_limited' });
      if (peer.json) peer.sendText(errorEvent('rate_limited', 'too many messages, slow down'));
      return;
    }
    const frame = parseClientFrame(data, isBinary);
    if (frame.kind === 'message') {
      // The next typing signal (for the next message) passes at once: at most one extra per accepted message.
      peer.lastTypingAt = Number.NEGATIVE_INFINITY;
      this.writer.enqueue(peer, frame.text);
    } else if (frame.kind === 'reject') {
      metrics.framesRejected.inc({ reason: frame.code });
      if (peer.json) peer.sendText(errorEvent(frame.code, frame.message));
    }
  }

  /** Passes a typing signal on to the room's other JSON peers on this replica, at most one per interval per connection. */
  private typing(peer: Peer): void {
    const now = Date.now();
    if (now - peer.lastTypingAt < TYPING_MIN_INTERVAL_MS) {
      this.deps.metrics.framesRejected.inc({ reason: 'typing_dropped' });
      return;
    }
    peer.lastTypingAt = now;
    this.hub.sendTyping(peer);
  }

  /** The heartbeat's slice pinged last (see the constructor). */
  private heartbeatTick = 0;
  /** Which slice the next connection's peer joins. */
  private nextSlot = 0;

  private ping(): void {
    const slice = this.heartbeatTick++ % HEARTBEAT_SLICES;
    if (slice === 0) this.limits.sweep();
    for (const peer of this.hub.peers()) {
      if (peer.heartbeatSlot !== slice) continue;
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
    await this.writer.drain();
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
