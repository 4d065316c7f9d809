import WebSocket from 'ws';
import { io } from 'socket.io-client';
import { BENCH_ORIGIN, replicaPort, shagramWsUrl, wsPeerUrl, type ClientSpec } from '../lib/client-spec';

/** One open chat connection as the load processes use it, whatever the target. */
export interface ChatConnection {
  /** Sends a chat message with this text. */
  send(text: string): void;
  /** Called with the text of every chat message delivered to this connection. */
  onText(listener: (text: string) => void): void;
  close(): void;
}

const CONNECT_TIMEOUT_MS = 15_000;

function wsConnection(url: string, protocols: string[], headers: Record<string, string>, pick: (event: unknown) => string | undefined): Promise<ChatConnection> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, protocols, { headers, perMessageDeflate: false, handshakeTimeout: CONNECT_TIMEOUT_MS });
    let listener: (text: string) => void = () => {};
    ws.on('message', (data) => {
      let event: unknown;
      try {
        event = JSON.parse(String(data));
      } catch {
        return;
      }
      const text = pick(event);
      if (text !== undefined) listener(text);
    });
    ws.once('open', () =>
      resolve({
        send: (text) => {
          if (ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify({ text }));
        },
        onText: (fn) => {
          listener = fn;
        },
        close: () => ws.terminate(),
      }),
    );
    ws.once('unexpected-response', (_req, res) => reject(new Error(`upgrade refused: HTTP ${res.statusCode}`)));
    ws.once('error', (error) => reject(error));
  });
}

function socketioConnection(port: number, room: string, user: string): Promise<ChatConnection> {
  return new Promise((resolve, reject) => {
    // WebSocket transport only (no long-polling start), the fair comparison with the ws targets.
    const socket = io(`http://127.0.0.1:${port}`, {
      transports: ['websocket'],
      query: { room, user },
      reconnection: false,
      timeout: CONNECT_TIMEOUT_MS,
      forceNew: true,
    });
    let listener: (text: string) => void = () => {};
    socket.on('message', (event: { text?: unknown }) => {
      if (typeof event?.text === 'string') listener(event.text);
    });
    socket.once('connect', () =>
      resolve({
        send: (text) => {
          socket.emit('message', { text });
        },
        onText: (fn) => {
          listener = fn;
        },
        close: () => {
          socket.disconnect();
        },
      }),
    );
    socket.once('connect_error', (error) => reject(error));
  });
}

/**
 * Opens the `index`-th connection to `room` on a target: Shagram with a bench user's token, the
 * `shagram.json` subprotocol and an allowed Origin (on replica `replica` when it has several); the
 * bare ws peer by room path; socket.io with the room in the handshake query.
 */
export function connectChat(spec: ClientSpec, room: string, index: number, replica = 0): Promise<ChatConnection> {
  switch (spec.kind) {
    case 'shagram': {
      const token = spec.tokens[index % spec.tokens.length]!;
      return wsConnection(shagramWsUrl(replicaPort(spec, replica), room, token), ['shagram.json'], { Origin: spec.origin || BENCH_ORIGIN }, (event) => {
        const e = event as { type?: unknown; text?: unknown };
        return e.type === 'message' && typeof e.text === 'string' ? e.text : undefined;
      });
    }
    case 'ws':
      return wsConnection(wsPeerUrl(spec.port, room), [], {}, (event) => {
        const e = event as { text?: unknown };
        return typeof e.text === 'string' ? e.text : undefined;
      });
    case 'socketio':
      return socketioConnection(spec.port, room, `bench${index % 10}`);
  }
}

/**
 * Opens `count` connections with at most `concurrency` handshakes in flight.
 * @param make opens connection i
 * @param onProgress called after each connection settles with (opened, failed)
 */
export async function connectMany<T>(
  count: number,
  concurrency: number,
  make: (i: number) => Promise<T>,
  onProgress: (opened: number, failed: number) => void = () => {},
): Promise<{ connections: T[]; failed: number; firstError?: string }> {
  const connections: T[] = [];
  let next = 0;
  let failed = 0;
  let firstError: string | undefined;
  const lane = async () => {
    while (next < count) {
      const i = next++;
      try {
        connections.push(await make(i));
      } catch (error) {
        failed++;
        firstError ??= (error as Error).message;
      }
      onProgress(connections.length, failed);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, count)) }, lane));
  return { connections, failed, firstError };
}
