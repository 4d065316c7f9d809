// Unread counts of the rooms in the list, kept fresh without any per-message work on the server: the page asks
// `GET /api/unread` for the rooms it lists (not the open one, which it sees live) every UNREAD_REFRESH_MS while
// open, at once when the tab becomes visible, regains focus or comes back online, and after each room change.
// The server counts at most 100 messages per room through its room-and-id index (docs/ui.md).
import * as api from './api.js';

/** How often the counts are read while the page is open (browsers slow this down in background tabs). */
export const UNREAD_REFRESH_MS = 15_000;
/** Rooms asked about per request at most (the server's bound). */
export const UNREAD_ROOMS_MAX = 200;

/**
 * The badge text of a count: `""` for none, `"99+"` beyond 99 or when the server stopped counting.
 * @param {{ unread: number, capped: boolean } | undefined} count
 * @returns {string}
 */
export function badgeText(count) {
  if (!count || count.unread <= 0) return '';
  return count.capped || count.unread > 99 ? '99+' : String(count.unread);
}

/**
 * @typedef {object} UnreadOptions
 * @property {() => string} token
 * @property {() => string[]} rooms the rooms listed
 * @property {() => string} current the open room (not asked about)
 * @property {(counts: Map<string, api.UnreadCount>) => void} onCounts
 * @property {(room: string, added: number) => void} [onMentions] new mentions appeared in another room
 */

export class UnreadTracker {
  /** @param {UnreadOptions} options */
  constructor(options) {
    this.options = options;
    /** @type {Map<string, api.UnreadCount>} */
    this.counts = new Map();
    /** @type {any} */
    this.timer = null;
    this.generation = 0;
    /** false until the first answer: mentions already there at load are not news */
    this.primed = false;
    this.onWake = () => {
      if (document.visibilityState === 'visible') void this.refresh();
    };
  }

  /** Starts the periodic refresh (and reads the counts now). */
  start() {
    this.stop();
    this.timer = setInterval(() => void this.refresh(), UNREAD_REFRESH_MS);
    document.addEventListener('visibilitychange', this.onWake);
    window.addEventListener('focus', this.onWake);
    window.addEventListener('online', this.onWake);
    void this.refresh();
  }

  /** Stops refreshing and forgets the counts (logging out). */
  stop() {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
    this.generation++;
    document.removeEventListener('visibilitychange', this.onWake);
    window.removeEventListener('focus', this.onWake);
    window.removeEventListener('online', this.onWake);
    this.counts = new Map();
    this.primed = false;
  }

  /**
   * The open room is read: its count goes at once.
   * @param {string} room
   */
  clear(room) {
    if (!this.counts.delete(room)) return;
    this.options.onCounts(this.counts);
  }

  /** Reads the counts of the listed rooms other than the open one. Failures keep the old counts. */
  async refresh() {
    const generation = this.generation;
    const current = this.options.current();
    const rooms = this.options.rooms().filter((room) => room !== current).slice(0, UNREAD_ROOMS_MAX);
    let list;
    try {
      list = await api.unread(this.options.token(), rooms);
    } catch {
      return; // the connection status tells the user about a server that is away
    }
    if (generation !== this.generation) return;
    const previous = this.counts;
    this.counts = new Map(list.filter((count) => count.room !== this.options.current()).map((count) => [count.room, count]));
    for (const [room, count] of this.counts) {
      const added = count.mentions - (previous.get(room)?.mentions ?? 0);
      if (added > 0 && this.primed) this.options.onMentions?.(room, added);
    }
    this.primed = true;
    this.options.onCounts(this.counts);
  }
}
