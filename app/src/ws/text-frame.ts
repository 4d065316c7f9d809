import { WebSocket } from 'ws';

/**
 * Broadcast fast path: a text frame is encoded ONCE (header + payload in one buffer) and the very
 * same bytes are written to every recipient's TCP socket, instead of `ws.send()` re-framing the
 * payload for each peer.
 *
 * This reaches into two documented-by-source parts of `ws` 8: the static `Sender.frame()` encoder,
 * and the socket/sender of a WebSocket. A raw write is only done while the sender is idle
 * (`_state === 0`, i.e. not compressing — permessage-deflate is off on this server — and not
 * reading a Blob) and the socket is OPEN; otherwise it falls back to `ws.send()`, so frames are
 * never interleaved. Server frames are unmasked, so the same bytes are valid for every peer.
 */

interface FrameOptions {
  fin: boolean;
  rsv1: boolean;
  opcode: number;
  mask: boolean;
  readOnly: boolean;
}

interface SenderInternals {
  _state: number;
}

interface WebSocketInternals {
  _socket: import('node:net').Socket;
  _sender: SenderInternals;
}

const frame = (WebSocket as unknown as { Sender: { frame(data: Buffer, options: FrameOptions): Buffer[] } }).Sender.frame;
const TEXT: FrameOptions = { fin: true, rsv1: false, opcode: 0x1, mask: false, readOnly: true };
const SENDER_IDLE = 0;

/** A text payload and its encoded frame, built once and shared by every recipient. */
export interface TextFrame {
  payload: Buffer;
  bytes: Buffer;
}

/** Encodes a UTF-8 text payload as one complete, unmasked WebSocket text frame. */
export function encodeTextFrame(text: string): TextFrame {
  const payload = Buffer.from(text);
  return { payload, bytes: Buffer.concat(frame(payload, TEXT)) };
}

/** Writes an encoded frame to `ws` (raw when the sender is idle, else through `ws.send`). */
export function writeTextFrame(ws: WebSocket, textFrame: TextFrame): void {
  const internals = ws as unknown as WebSocketInternals;
  if (internals._sender._state === SENDER_IDLE) internals._socket.write(textFrame.bytes);
  else ws.send(textFrame.payload, { binary: false });
}

/** Holds a socket's writes until {@link uncork} (one write system call for many frames). */
export function cork(ws: WebSocket): void {
  (ws as unknown as WebSocketInternals)._socket.cork();
}

/** Releases {@link cork}. */
export function uncork(ws: WebSocket): void {
  const socket = (ws as unknown as WebSocketInternals)._socket;
  if (socket && !socket.destroyed) socket.uncork();
}
