import type http from 'node:http';
import WebSocket from 'ws';

/** Where and as whom a test opens the chat WebSocket through a loopback edge. */
export interface ChatSocketOptions {
  /** Loopback port of the edge's HTTPS listener. */
  port: number;
  /** Server name presented (SNI + Host). */
  host: string;
  /** CA that signed the edge's certificate. */
  ca: Buffer;
  origin: string;
  token: string;
  room: string;
  /** WebSocket subprotocols to offer (e.g. `shagram.json`). */
  protocols?: string[];
}

/** Opens `wss://127.0.0.1:<port>/ws/<room>` presenting `host`, and resolves once the upgrade succeeded. */
export async function openChatSocket(options: ChatSocketOptions): Promise<WebSocket> {
  const url = `wss://127.0.0.1:${options.port}/ws/${options.room}?token=${encodeURIComponent(options.token)}`;
  const tlsOptions = { ca: options.ca, servername: options.host }; // passed through to https.request
  const socket = new WebSocket(url, options.protocols ?? [], { ...tlsOptions, headers: { Host: options.host, Origin: options.origin } });
  await new Promise<void>((resolve, reject) => {
    socket.once('open', () => resolve());
    socket.once('error', reject);
    socket.once('unexpected-response', (_req: http.ClientRequest, res: http.IncomingMessage) =>
      reject(new Error(`WebSocket upgrade refused: ${res.statusCode ?? 0}`)),
    );
  });
  return socket;
}

/** Collects the next `count` text frames of `socket` (rejects when it closes first or after `timeoutMs`). */
export function nextMessages(socket: WebSocket, count: number, timeoutMs = 15_000): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const texts: string[] = [];
    const timer = setTimeout(() => finish(new Error(`got ${texts.length} of ${count} messages within ${timeoutMs} ms`)), timeoutMs);
    const onMessage = (data: WebSocket.RawData) => {
      texts.push(String(data));
      if (texts.length === count) finish();
    };
    const onClose = (code: number) => finish(new Error(`socket closed (${code}) after ${texts.length} of ${count} messages`));
    function finish(error?: Error) {
      clearTimeout(timer);
      socket.off('message', onMessage);
      socket.off('close', onClose);
      if (error) reject(error);
      else resolve(texts);
    }
    socket.on('message', onMessage);
    socket.on('close', onClose);
  });
}

/** Resolves with the close code once `socket` is closed. */
export function closed(socket: WebSocket): Promise<number> {
  if (socket.readyState === WebSocket.CLOSED) return Promise.resolve(-1);
  return new Promise((resolve) => socket.once('close', (code: number) => resolve(code)));
}
