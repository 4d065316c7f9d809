import { WebSocket } from 'ws';
import type { TestPostgres } from '../../../test/system-helpers/postgres';

/**
 * A steady conversation against real replicas, for the delivery-guarantee tests: JSON-mode readers
 * that keep a ledger of every message id they received (duplicates included) and reconnect the way
 * a client is told to (with `since=<largest id seen>`, with backoff, until accepted), and a sender
 * that alternates between replicas at a fixed pace. The truth they are checked against is the
 * database itself ({@link committedIds}).
 */

/** One WebSocket connection of a reader: where, from which `since`, and what ended it. */
export interface Connection {
  url: string;
  since: number | undefined;
  /** Index into `ids` of the first message received on this connection. */
  first: number;
  closeCode?: number;
}

/** Picks the base URL (`ws://host:port`) of the next connection attempt; `attempt` counts from 0. */
export type Target = (attempt: number) => string;

interface ClientOptions {
  room: string;
  token: string;
  origin: string;
  /** Where to (re)connect; called for every attempt. */
  target: Target;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Opens one JSON-mode socket. Resolves once it is open; rejects on a refused upgrade (e.g. `503`
 * while a replica's fan-out is down) or a connection error. `onFrame` is attached in the `open`
 * event itself: frames that came in the same TCP read as the handshake are emitted right after
 * it, before any promise continuation could attach a listener.
 */
function openSocket(
  url: string,
  room: string,
  token: string,
  origin: string,
  since: number | undefined,
  onFrame: (frame: string) => void,
  onOpen: () => void = () => undefined,
): Promise<WebSocket> {
  const query = since !== undefined ? `&since=${since}` : '';
  const ws = new WebSocket(`${url}/ws/${room}?token=${encodeURIComponent(token)}${query}`, 'shagram.json', { headers: { Origin: origin } });
  return new Promise((resolve, reject) => {
    ws.once('unexpected-response', (_req, res) => {
      res.resume();
      ws.terminate();
      reject(new Error(`upgrade refused: ${res.statusCode}`));
    });
    ws.once('error', (error) => {
      ws.terminate();
      reject(error);
    });
    ws.once('open', () => {
      ws.removeAllListeners('error');
      ws.on('error', () => undefined);
      onOpen();
      ws.on('message', (data) => onFrame(data.toString()));
      resolve(ws);
    });
  });
}

/**
 * A reader with a ledger. Its first connection has no `since` (it is in the room before the
 * conversation starts, so it must receive every committed message); every later one has
 * `since=<largest id received>`. Reconnects by itself whenever its socket closes, until stopped.
 */
export class StreamReader {
  /** Every message id received, in order, duplicates included. */
  readonly ids: number[] = [];
  readonly connections: Connection[] = [];
  /** Error codes received (`unavailable`, …). */
  readonly errors: string[] = [];
  lastId = 0;
  private ws: WebSocket | undefined;
  private stopped = false;
  private reconnecting: Promise<void> | undefined;
  private waiters: Array<() => void> = [];

  constructor(
    readonly name: string,
    private readonly options: ClientOptions,
  ) {}

  /** The first connection (no `since`). */
  async start(): Promise<void> {
    await this.connectOnce(0, undefined);
  }

  get open(): boolean {
    return this.ws?.readyState === WebSocket.OPEN;
  }

  /** Closes the socket from the client side (a flaky network); the reader reconnects with `since`. */
  drop(): void {
    this.ws?.close(4000, 'client drop');
  }

  /** Stops reconnecting and closes. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.ws?.close(1000, 'done');
    await this.reconnecting?.catch(() => undefined);
  }

  /** Waits (bounded) until `predicate` holds, re-checked on every frame, open and close. */
  async until(what: string, predicate: () => boolean, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!predicate()) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`${this.name}: timed out after ${timeoutMs} ms waiting for ${what}; ${this.describe()}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.min(left, 250));
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  /** A short account of the ledger for failure messages. */
  describe(): string {
    const last = this.connections.at(-1);
    return `${this.ids.length} ids, last ${this.lastId}, ${this.connections.length} connections (last: since=${last?.since} on ${last?.url}, open=${this.open})`;
  }

  private async connectOnce(attempt: number, since: number | undefined): Promise<void> {
    const url = this.options.target(attempt);
    const connection: Connection = { url, since, first: 0 };
    const ws = await openSocket(
      url,
      this.options.room,
      this.options.token,
      this.options.origin,
      since,
      (frame) => this.receive(frame),
      () => {
        connection.first = this.ids.length;
        this.connections.push(connection);
      },
    );
    this.ws = ws;
    ws.once('close', (code) => {
      connection.closeCode = code;
      if (this.ws === ws) this.ws = undefined;
      this.wake();
      if (!this.stopped) this.reconnecting = this.reconnect();
    });
    this.wake();
  }

  /** Like a browser: backoff from 50 ms doubling to 400 ms, for as long as it takes (the test bounds it). */
  private async reconnect(): Promise<void> {
    for (let attempt = 1; !this.stopped; attempt++) {
      await sleep(Math.min(50 * 2 ** Math.min(attempt - 1, 3), 400));
      if (this.stopped) return;
      try {
        // since=0 too: a reader dropped before its first message must still get everything after it joined.
        await this.connectOnce(attempt, this.lastId);
        if (this.stopped) this.ws?.close(1000, 'done');
        return;
      } catch {
        // Refused (503 while the fan-out is down) or unreachable (a killed replica): try again.
      }
    }
  }

  private receive(frame: string): void {
    const event = JSON.parse(frame) as { type: string; id: number; code: string };
    if (event.type === 'message') {
      this.ids.push(event.id);
      this.lastId = Math.max(this.lastId, event.id);
    } else if (event.type === 'error') {
      this.errors.push(event.code);
    }
    this.wake();
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const wake of waiters) wake();
  }
}

/** One socket of the sender, bound to one target, reconnecting (without `since`: it only sends) when it closes. */
class SenderSocket {
  private ws: WebSocket | undefined;
  private stopped = false;
  private reconnecting: Promise<void> | undefined;

  constructor(
    private readonly options: ClientOptions,
    private readonly onError: (code: string) => void,
  ) {}

  get open(): boolean {
    return this.ws?.readyState === WebSocket.OPEN;
  }

  async start(): Promise<void> {
    await this.connectOnce(0);
  }

  send(text: string): void {
    this.ws!.send(JSON.stringify({ text }));
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.ws?.close(1000, 'done');
    await this.reconnecting?.catch(() => undefined);
  }

  private async connectOnce(attempt: number): Promise<void> {
    const ws = await openSocket(this.options.target(attempt), this.options.room, this.options.token, this.options.origin, undefined, (frame) => {
      const event = JSON.parse(frame) as { type: string; code: string };
      if (event.type === 'error') this.onError(event.code);
    });
    this.ws = ws;
    ws.once('close', () => {
      if (this.ws === ws) this.ws = undefined;
      if (!this.stopped) this.reconnecting = this.reconnect();
    });
  }

  private async reconnect(): Promise<void> {
    for (let attempt = 1; !this.stopped; attempt++) {
      await sleep(Math.min(50 * attempt, 200));
      if (this.stopped) return;
      try {
        await this.connectOnce(attempt);
        if (this.stopped) this.ws?.close(1000, 'done');
        return;
      } catch {
        // Try again.
      }
    }
  }
}

/**
 * Sends `<prefix>-<n>` every `intervalMs`, alternating between its sockets (one per target); a tick
 * whose socket is closed uses the next open one, and a tick with none open is skipped.
 */
export class StreamSender {
  sent = 0;
  readonly errors: string[] = [];
  private readonly sockets: SenderSocket[];
  private timer: NodeJS.Timeout | undefined;
  private turn = 0;

  constructor(
    targets: Target[],
    room: string,
    token: string,
    origin: string,
    private readonly prefix = 'm',
  ) {
    this.sockets = targets.map((target) => new SenderSocket({ room, token, origin, target }, (code) => this.errors.push(code)));
  }

  async start(intervalMs: number): Promise<void> {
    await Promise.all(this.sockets.map((socket) => socket.start()));
    this.timer = setInterval(() => this.tick(), intervalMs);
  }

  /** Stops sending (sockets stay open so that what was sent is still committed and published). */
  pause(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  async stop(): Promise<void> {
    this.pause();
    await Promise.all(this.sockets.map((socket) => socket.stop()));
  }

  private tick(): void {
    for (let i = 0; i < this.sockets.length; i++) {
      const socket = this.sockets[(this.turn + i) % this.sockets.length]!;
      if (!socket.open) continue;
      this.turn = (this.turn + i + 1) % this.sockets.length;
      socket.send(`${this.prefix}-${++this.sent}`);
      return;
    }
  }
}

/** Ids of every message of `room` in the database, ascending: what each reader must have received, once each. */
export async function committedIds(pg: TestPostgres, room: string): Promise<number[]> {
  const out = await pg.psql(`SELECT id FROM messages WHERE room_id = '${room.replace(/'/g, "''")}' ORDER BY id`, 'shagram');
  return out === '' ? [] : out.split('\n').map(Number);
}

/** What went wrong in a reader's ledger against the committed ids: duplicates, gaps, disorder (empty when exact). */
export function ledgerProblems(reader: StreamReader, committed: readonly number[]): string[] {
  const problems: string[] = [];
  const connectionAt = (index: number): Connection | undefined => [...reader.connections].reverse().find((c) => c.first <= index);
  const seen = new Map<number, number>();
  reader.ids.forEach((id, index) => {
    const before = seen.get(id);
    if (before !== undefined) {
      const c = connectionAt(index);
      const around = reader.ids.slice(Math.max(0, index - 3), index + 3).join(', ');
      problems.push(
        `${reader.name}: id ${id} received twice (at ${before} and ${index}; … ${around} …; second on connection since=${c?.since} to ${c?.url})`,
      );
    }
    seen.set(id, index);
  });
  for (let i = 1; i < reader.ids.length; i++) {
    if (reader.ids[i]! < reader.ids[i - 1]!) problems.push(`${reader.name}: id ${reader.ids[i]} after ${reader.ids[i - 1]} (out of order)`);
  }
  const missing = committed.filter((id) => !seen.has(id));
  if (missing.length > 0) problems.push(`${reader.name}: ${missing.length} committed ids never received: ${missing.slice(0, 10).join(', ')}`);
  const unknown = [...seen.keys()].filter((id) => !committed.includes(id));
  if (unknown.length > 0) problems.push(`${reader.name}: ids received but not committed: ${unknown.slice(0, 10).join(', ')}`);
  return problems;
}

/**
 * Stops the sender, waits until every reader is connected and has received the room's highest
 * committed id, and returns the committed ids with every reader's problems (none when the guarantee held).
 */
export async function settle(
  pg: TestPostgres,
  room: string,
  sender: StreamSender,
  readers: readonly StreamReader[],
  timeoutMs = 20_000,
): Promise<{ committed: number[]; problems: string[] }> {
  sender.pause();
  // Let what was sent be committed and published (a round trip to each replica is well under this).
  await sleep(300);
  const committed = await committedIds(pg, room);
  const highest = committed.at(-1) ?? 0;
  await Promise.all(readers.map((reader) => reader.until(`id ${highest} on an open socket`, () => reader.open && reader.lastId >= highest, timeoutMs)));
  // Anything duplicated behind the highest id would have been sent before it; give stragglers a beat anyway.
  await sleep(100);
  return { committed, problems: readers.flatMap((reader) => ledgerProblems(reader, committed)) };
}
