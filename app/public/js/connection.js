// One room's WebSocket in the `shagram.json` subprotocol. It reconnects on its own with backoff
// and asks for `since=<last id seen>`, so a dropped connection loses nothing; the Timeline drops
// anything seen twice.
import { backoffDelay } from './backoff.js';

export const SUBPROTOCOL = 'shagram.json';
/** The access token travels as a second subprotocol, `shagram.bearer.<token>`, never in the URL. */
export const BEARER_PREFIX = 'shagram.bearer.';

/**
 * `open` carries the `since` the connection asked for (the largest id shown when it connected).
 * @typedef {{ state: 'connecting' } | { state: 'open', since: number } | { state: 'reconnecting', retryMs: number, attempt: number } | { state: 'closed' }} ConnectionState
 */

/**
 * @typedef {object} ConnectionOptions
 * @property {string} room
 * @property {() => string} token the current access token
 * @property {() => number} lastId the largest message id already shown
 * @property {(event: any) => void} onEvent a parsed server event (`message`, `presence`, `error`)
 * @property {(state: ConnectionState) => void} onState
 * @property {(failures: number) => void} [onFailures] called after attempts that never opened
 * @property {() => void} [onRevoked] the server closed the socket because its token was revoked (no reconnect)
 */

/** Close code of a socket whose token was revoked (log-out, log-out everywhere, account deletion). */
export const CLOSE_SESSION_REVOKED = 4001;

/**
 * The WebSocket URL of a room on this page's own origin. It holds no token (see {@link roomProtocols}),
 * so the token stays out of access logs and of the browser's console messages.
 * @param {string} room
 * @param {number} since
 * @param {{ protocol: string, host: string }} [where]
 * @returns {string}
 */
export function roomUrl(room, since, where = location) {
  const scheme = where.protocol === 'https:' ? 'wss:' : 'ws:';
  return `${scheme}//${where.host}/ws/${encodeURIComponent(room)}?since=${since}`;
}

/**
 * The subprotocols to offer: `shagram.json`, which the server selects, and the token as `shagram.bearer.<token>`,
 * which it reads from the request header and never selects.
 * @param {string} token
 * @returns {string[]}
 */
export function roomProtocols(token) {
  return [SUBPROTOCOL, BEARER_PREFIX + token];
}

export class RoomConnection {
  /** @param {ConnectionOptions} options */
  constructor(options) {
    this.options = options;
    /** @type {any} */
    this.ws = null;
    this.attempt = 0;
    this.failures = 0;
    /** @type {any} */
    this.timer = null;
    this.stopped = false;
    this.onOnline = () => {
      if (this.timer !== null) this.retryNow();
    };
    window.addEventListener('online', this.onOnline);
  }

  /** Connects (or reconnects) now. */
  open() {
    if (this.stopped) return;
    this.timer = null;
    this.options.onState({ state: 'connecting' });
    const since = this.options.lastId();
    const ws = new WebSocket(roomUrl(this.options.room, since), roomProtocols(this.options.token()));
    this.ws = ws;
    let opened = false;
    ws.addEventListener('open', () => {
      if (this.ws !== ws) return void ws.close(1000, 'leaving');
      opened = true;
      this.attempt = 0;
      this.failures = 0;
      this.options.onState({ state: 'open', since });
    });
    ws.addEventListener('message', (/** @type {any} */ event) => {
      if (this.ws !== ws) return;
      let data;
      try {
        data = JSON.parse(String(event.data));
      } catch {
        return; // not a JSON event: nothing this page understands
      }
      if (data && typeof data.type === 'string') this.options.onEvent(data);
    });
    ws.addEventListener('close', (/** @type {any} */ event) => {
      if (this.ws !== ws) return;
      this.ws = null;
      if (this.stopped) return;
      if (event.code === CLOSE_SESSION_REVOKED) {
        this.stopped = true;
        window.removeEventListener('online', this.onOnline);
        this.options.onState({ state: 'closed' });
        this.options.onRevoked?.();
        return;
      }
      if (!opened) {
        this.failures++;
        this.options.onFailures?.(this.failures);
      }
      if (!this.stopped) this.schedule();
    });
  }

  /** @private */
  schedule() {
    const retryMs = backoffDelay(this.attempt);
    this.attempt++;
    this.options.onState({ state: 'reconnecting', retryMs, attempt: this.attempt });
    this.timer = setTimeout(() => this.open(), retryMs);
  }

  /** Skips the remaining wait (e.g. the browser came back online, or the user asked). */
  retryNow() {
    if (this.stopped || this.timer === null) return;
    clearTimeout(this.timer);
    this.open();
  }

  /**
   * Sends a chat message.
   * @param {string} text
   * @returns {boolean} false when not connected (nothing was sent)
   */
  send(text) {
    if (!this.ws || this.ws.readyState !== WebSocket.OPEN) return false;
    this.ws.send(JSON.stringify({ text }));
    return true;
  }

  /**
   * Tells the room this user is typing (`{"type":"typing"}`; the caller sends at most one per few seconds).
   * @returns {boolean} false when not connected
   */
  sendTyping() {
    if (!this.ws || this.ws.readyState !== WebSocket.OPEN) return false;
    this.ws.send('{"type":"typing"}');
    return true;
  }

  /** Closes for good (leaving the room or logging out): no reconnect. */
  close() {
    this.stopped = true;
    window.removeEventListener('online', this.onOnline);
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    const ws = this.ws;
    this.ws = null;
    // A socket still connecting is closed once it opens (see the open handler): closing it now
    // would make the browser log an error for a connection we abandoned on purpose.
    if (ws && ws.readyState === WebSocket.OPEN) ws.close(1000, 'leaving');
    this.options.onState({ state: 'closed' });
  }
}
