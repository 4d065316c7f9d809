import { WebSocket } from 'ws';

/** One chat message as a client saw it. */
export interface Seen {
  id: number;
  user: string;
  text: string;
}

/**
 * A JSON-subprotocol chat client that keeps a ledger of every message it received, by id, and
 * reconnects the way the browser UI does: with `since=<last id seen>`. Duplicates are recorded
 * (the ledger is a list), so a test can assert "exactly once".
 */
export class LedgerClient {
  readonly seen: Seen[] = [];
  readonly errors: string[] = [];
  lastId = 0;
  /** Users of the latest presence event. */
  presence: string[] = [];
  /** The `X-Upstream` header of the last accepted upgrade (set by the test edge): which replica serves us. */
  upstream: string | undefined;
  private ws: WebSocket | undefined;
  private waiters: Array<() => void> = [];
  private closedWith: number | undefined;

  constructor(
    private readonly baseUrl: string,
    readonly room: string,
    private readonly token: string,
    private readonly origin: string,
  ) {}

  /** Opens the socket (with `since` once something was seen). Rejects with the HTTP status of a refused upgrade. */
  connect(baseUrl = this.baseUrl): Promise<void> {
    const since = this.lastId > 0 ? `&since=${this.lastId}` : '';
    const ws = new WebSocket(`${baseUrl}/ws/${this.room}?token=${encodeURIComponent(this.token)}${since}`, 'shagram.json', {
      headers: { Origin: this.origin },
    });
    this.closedWith = undefined;
    return new Promise((resolve, reject) => {
      ws.once('unexpected-response', (_req, res) => {
        res.resume();
        reject(new Error(`upgrade refused: ${res.statusCode}`));
      });
      ws.once('error', reject);
      ws.once('upgrade', (res) => {
        const header = res.headers['x-upstream'];
        this.upstream = typeof header === 'string' ? header : undefined;
      });
      ws.once('open', () => {
        this.ws = ws;
        ws.on('error', () => undefined);
        ws.on('message', (data) => this.receive(data.toString()));
        ws.once('close', (code) => {
          this.closedWith = code;
          this.wake();
        });
        resolve();
      });
    });
  }

  /** Reconnects until an upgrade is accepted (bounded), as a browser with backoff would. */
  async reconnect(timeoutMs = 20_000, baseUrl = this.baseUrl): Promise<number> {
    const deadline = Date.now() + timeoutMs;
    for (let attempt = 1; ; attempt++) {
      try {
        await this.connect(baseUrl);
        return attempt;
      } catch (error) {
        if (Date.now() > deadline) throw new Error(`could not reconnect: ${(error as Error).message}`, { cause: error });
        await new Promise((resolve) => setTimeout(resolve, Math.min(100 * attempt, 500))); // the client's backoff
      }
    }
  }

  private receive(frame: string): void {
    const event = JSON.parse(frame) as { type: string; id: number; user: string; text: string; users: string[]; code: string };
    if (event.type === 'message') {
      this.seen.push({ id: event.id, user: event.user, text: event.text });
      this.lastId = Math.max(this.lastId, event.id);
    } else if (event.type === 'presence') {
      this.presence = event.users;
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

  /** Waits (bounded) until `predicate` holds, re-checked on every frame and on close. */
  async until(what: string, predicate: () => boolean, timeoutMs = 15_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!predicate()) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`${this.room}: timed out waiting for ${what}; seen ${JSON.stringify(this.texts().slice(-5))}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  /** Waits until a message with this text has been received. */
  waitForText(text: string, timeoutMs?: number): Promise<void> {
    return this.until(`"${text}"`, () => this.seen.some((message) => message.text === text), timeoutMs);
  }

  /** Waits until the socket has closed. @returns the close code. */
  async waitForClose(timeoutMs?: number): Promise<number> {
    await this.until('the socket to close', () => this.closedWith !== undefined, timeoutMs);
    return this.closedWith!;
  }

  get open(): boolean {
    return this.ws?.readyState === WebSocket.OPEN;
  }

  send(text: string): void {
    this.ws!.send(JSON.stringify({ text }));
  }

  /** Texts in the order received. */
  texts(): string[] {
    return this.seen.map((message) => message.text);
  }

  close(): void {
    this.ws?.close();
  }
}
