// The room list (links to `#<room>`), read a page at a time ("More rooms"), and the "new room" form.
import * as api from '../api.js';
import { byId, el, say } from '../dom.js';
import { ROOM_NAME } from '../format.js';
import { badgeText } from '../unread.js';

export class RoomsView {
  /**
   * @param {() => string} token the current access token
   * @param {(room: string) => void} go navigates to a room
   */
  constructor(token, go) {
    this.list = byId('room-list');
    this.more = byId('more-rooms');
    /** @type {string | null} the `after` of the next page, null when every page is shown */
    this.next = null;
    this.more.addEventListener('click', () => void this.loadMore());
    this.form = byId('room-form');
    this.input = byId('room-name');
    this.error = byId('room-error');
    /** @type {string[]} */
    this.rooms = [];
    this.current = '';
    /** @type {Map<string, api.UnreadCount>} unread counts of rooms other than the open one */
    this.counts = new Map();
    this.form.addEventListener('submit', async (/** @type {any} */ event) => {
      event.preventDefault();
      say(this.error, '');
      const name = this.input.value.trim();
      if (!ROOM_NAME.test(name)) {
        say(this.error, 'Room names are 1–32 characters of a–z, 0–9, “_” or “-”, starting with a letter or digit.');
        this.input.setAttribute('aria-invalid', 'true');
        return;
      }
      this.input.removeAttribute('aria-invalid');
      try {
        await api.createRoom(token(), name);
        this.input.value = '';
        await this.refresh();
        go(name);
      } catch (failure) {
        say(this.error, /** @type {Error} */ (failure).message);
        this.input.setAttribute('aria-invalid', 'true');
      }
    });
  }

  /** Reloads the first page of the room list from the server (errors keep the old list). */
  async refresh() {
    try {
      const page = await api.listRooms();
      this.rooms = page.rooms;
      this.next = page.next;
    } catch {
      // keep what we have; the connection status tells the user about a server that is away
    }
    this.render();
  }

  /** Adds the next page of rooms to the list. */
  async loadMore() {
    if (this.next === null) return;
    this.more.disabled = true;
    try {
      const page = await api.listRooms(this.next);
      this.rooms = [...new Set([...this.rooms, ...page.rooms])].sort();
      this.next = page.next;
    } catch {
      // keep the button: the next click tries again
    } finally {
      this.more.disabled = false;
    }
    this.render();
    // The button is gone after the last page: keep keyboard focus in the list.
    if (this.next === null) /** @type {any} */ (this.list.querySelector('li:last-child a'))?.focus();
  }

  /**
   * Marks the open room.
   * @param {string} room
   */
  select(room) {
    this.current = room;
    if (!this.rooms.includes(room)) this.rooms = [...this.rooms, room].sort();
    this.render();
  }

  /**
   * Shows unread counts and mention marks (rooms missing from `counts` have none).
   * @param {Map<string, api.UnreadCount>} counts
   */
  setCounts(counts) {
    this.counts = counts;
    this.render();
  }

  /** @private */
  render() {
    this.more.hidden = this.next === null;
    const names = this.rooms.includes(this.current) || !this.current ? this.rooms : [...this.rooms, this.current].sort();
    this.list.replaceChildren(
      ...names.map((name) => {
        const count = name === this.current ? undefined : this.counts.get(name);
        const badge = badgeText(count);
        const mentioned = (count?.mentions ?? 0) > 0;
        // Read out as "#dev, 3 unread, mentions you"; shown as "#dev @ 3".
        const link = el('a', { className: 'room-link', attrs: { href: `#${name}` } }, [
          el('span', { className: 'room-name', text: `#${name}` }),
          ...(mentioned ? [el('span', { className: 'mention-mark', text: '@', attrs: { 'aria-hidden': 'true', title: 'You were mentioned' } })] : []),
          ...(badge ? [el('span', { className: 'unread-badge', text: badge, attrs: { 'aria-hidden': 'true' } })] : []),
          ...(badge ? [el('span', { className: 'visually-hidden', text: `, ${badge} unread${mentioned ? ', mentions you' : ''}` })] : []),
        ]);
        if (badge) link.dataset.unread = badge;
        if (mentioned) link.dataset.mentions = String(count?.mentions);
        if (name === this.current) link.setAttribute('aria-current', 'page');
        return el('li', {}, [link]);
      }),
    );
  }
}
