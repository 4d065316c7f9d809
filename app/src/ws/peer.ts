import { WebSocket } from 'ws';
import type { StoredMessage } from '../db/chat-store';
import type { TokenBucket } from './rate-limiter';
import { cork, encodeTextFrame, uncork, writeTextFrame, type TextFrame } from './text-frame';

/** One connected chat client: its socket, who it is, where it is and how it wants frames. */
export class Peer {
  /** Cleared at every heartbeat ping, set again by the pong. */
  alive = true;
  /** The slice of the heartbeat this peer is pinged in (see ChatGateway). */
  heartbeatSlot = 0;
  /** The hub's batch this peer's socket is corked for (see Hub.batch). */
  corkedBatch = 0;
  /**
   * Set while the peer's `since` replay is being read: live messages wait here and are sent
   * after the replay, skipping any the replay already contained.
   */
  replayBuffer: StoredMessage[] | undefined;
  /**
   * The highest message id this peer has (its `since`, then every id sent to it). Ids of a room reach
   * a replica in increasing order, so a message at or below it is one the peer already has — typically
   * one its replay read from the database before the fan-out delivered it — and is not sent again.
   */
  lastId = 0;
  /** The presence frame last sent to this peer (see Hub.sendPresence: an unchanged list goes only to peers without it). */
  presenceFrame: TextFrame | undefined;
  /** When this peer's last typing signal was passed on (ms since the epoch); extras sooner are dropped. */
  lastTypingAt = Number.NEGATIVE_INFINITY;

  constructor(
    readonly socket: WebSocket,
    readonly user: string,
    readonly room: string,
    /** True for the `shagram.json` subprotocol, false for seed-style plain lines. */
    readonly json: boolean,
    readonly bucket: TokenBucket,
    private readonly maxBufferedBytes: number,
  ) {}

  /**
   * Queues an encoded text frame. A peer whose unsent backlog passes the bound is a slow
   * consumer and is cut off rather than allowed to grow the server's memory. (While corked, the
   * backlog was checked at {@link cork}: the batch's own frames do not count against it.)
   */
  send(frame: TextFrame): void {
    const socket = this.socket;
    if (socket.readyState !== WebSocket.OPEN) return;
    if (!this.corked && this.overBacklog()) return;
    writeTextFrame(socket, frame);
  }

  /** Cuts off a slow consumer. @returns true when it was cut off. */
  private overBacklog(): boolean {
    if (this.socket.bufferedAmount <= this.maxBufferedBytes) return false;
    this.socket.terminate();
    return true;
  }

  /** Encodes and queues one text (off the hot path: replays, errors). */
  sendText(text: string): void {
    this.send(encodeTextFrame(text));
  }

  private corked = false;

  /** Holds this peer's writes until {@link uncork}: one write system call for a whole batch. */
  cork(): void {
    if (this.socket.readyState !== WebSocket.OPEN || this.overBacklog()) return;
    cork(this.socket);
    this.corked = true;
  }

  uncork(): void {
    if (!this.corked) return;
    this.corked = false;
    uncork(this.socket);
  }
}
