import { WebSocket } from 'ws';
import type { IncomingMessage } from 'node:http';

/** A real `ws` client that queues every frame it receives so tests can await them in order. */
export class ChatClient {
  readonly frames: string[] = [];
  private waiters: Array<() => void> = [];
  readonly closed: Promise<{ code: number; reason: string }>;

  constructor(readonly ws: WebSocket) {
    ws.on('message', (data) => {
      this.frames.push(data.toString());
      this.wake();
    });
    this.closed = new Promise((resolve) => ws.once('close', (code, reason) => {
      this.wake();
      resolve({ code, reason: reason.toString() });
    }));
    ws.on('error', () => undefined);
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const wake of waiters) wake();
  }

  /** Waits until `count` frames have arrived in total (bounded). */
  async waitForFrames(count: number, timeoutMs = 5000): Promise<string[]> {
    const deadline = Date.now() + timeoutMs;
    while (this.frames.length < count) {
      if (this.ws.readyState === WebSocket.CLOSED) throw new Error(`socket closed with ${this.frames.length}/${count} frames`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out with ${this.frames.length}/${count} frames: ${JSON.stringify(this.frames.slice(-3))}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    return this.frames.slice(0, count);
  }

  /** Waits for the first frame (from index `from`) that satisfies `predicate`, as parsed JSON. */
  async waitForEvent(predicate: (event: any) => boolean, from = 0, timeoutMs = 5000): Promise<any> {
    const deadline = Date.now() + timeoutMs;
    for (let i = from; ; i++) {
      await this.waitForFrames(i + 1, Math.max(1, deadline - Date.now()));
      const event = JSON.parse(this.frames[i]!);
      if (predicate(event)) return event;
    }
  }

  /** Parsed JSON frames received so far. */
  events(): any[] {
    return this.frames.map((frame) => JSON.parse(frame));
  }

  send(text: string): void {
    this.ws.send(JSON.stringify({ text }));
  }

  close(): Promise<{ code: number; reason: string }> {
    this.ws.close();
    return this.closed;
  }
}

export interface ConnectOptions {
  token?: string;
  origin?: string | null;
  json?: boolean;
  since?: number;
  autoPong?: boolean;
}

/** Opens `/ws/<room>` and resolves once open. Rejects with the HTTP status of a refused upgrade. */
export function connect(wsUrl: string, room: string, options: ConnectOptions): Promise<ChatClient> {
  const query = new URLSearchParams();
  if (options.token !== undefined) query.set('token', options.token);
  if (options.since !== undefined) query.set('since', String(options.since));
  const headers: Record<string, string> = {};
  if (options.origin !== null) headers.origin = options.origin ?? 'http://chat.test';
  const ws = new WebSocket(`${wsUrl}/ws/${room}?${query}`, options.json ? ['shagram.json'] : [], {
    headers,
    autoPong: options.autoPong ?? true,
  });
  const client = new ChatClient(ws);
  return new Promise((resolve, reject) => {
    ws.once('open', () => resolve(client));
    ws.once('unexpected-response', (_req, res: IncomingMessage) => {
      reject(Object.assign(new Error(`upgrade refused: ${res.statusCode}`), { status: res.statusCode }));
      ws.terminate();
    });
    ws.once('error', reject);
  });
}

/** The HTTP status with which an upgrade is refused. */
export async function refusedStatus(wsUrl: string, room: string, options: ConnectOptions): Promise<number> {
  try {
    const client = await connect(wsUrl, room, options);
    await client.close();
    return 101;
  } catch (error) {
    return (error as { status?: number }).status ?? -1;
  }
}

/** How an upgrade ended: an open client (with the subprotocol the server selected), or the refusal's status and JSON body. */
export type UpgradeOutcome = { open: true; client: ChatClient; selected: string | undefined } | { open: false; status: number; body: any };

/**
 * Opens `url` offering `protocols` with a real `ws` client; resolves with the outcome (a refusal is not an error).
 * Rejects only when the connection fails without an HTTP answer.
 */
export function attemptUpgrade(url: string, protocols: string[], headers: Record<string, string>): Promise<UpgradeOutcome> {
  const ws = new WebSocket(url, protocols, { headers });
  const client = new ChatClient(ws);
  let selected: string | undefined;
  ws.once('upgrade', (res: IncomingMessage) => {
    selected = res.headers['sec-websocket-protocol'] as string | undefined;
  });
  return new Promise((resolve, reject) => {
    ws.once('open', () => resolve({ open: true, client, selected }));
    ws.once('unexpected-response', (_req, res: IncomingMessage) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => {
        resolve({ open: false, status: res.statusCode ?? 0, body: text ? JSON.parse(text) : undefined });
        ws.terminate();
      });
    });
    ws.once('error', reject);
  });
}
