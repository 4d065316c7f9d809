import { WebSocket } from 'ws';
import type { TokenBucket } from './rate-limiter';

const TEXT_FRAME = { binary: false } as const;

/** One connected chat client: its socket, who it is, where it is and how it wants frames. */
export class Peer {
  /** Cleared at every heartbeat ping, set again by the pong. */
  alive = true;

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
   * Queues a text frame. A peer whose unsent backlog passes the bound is a slow consumer and is
   * cut off rather than allowed to grow the server's memory.
   */
  send(data: Buffer): void {
    const socket = this.socket;
    if (socket.readyState !== WebSocket.OPEN) return;
    if (socket.bufferedAmount > this.maxBufferedBytes) {
      socket.terminate();
      return;
    }
    socket.send(data, TEXT_FRAME);
  }
}
