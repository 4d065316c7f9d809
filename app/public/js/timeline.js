// The message list of the open room: ordered by id, each message shown once however it arrived
// (history, `since` replay after a reconnect, or live).
import { el } from './dom.js';
import { formatTime } from './format.js';
import { splitMentions } from './mentions.js';

/** @typedef {{ id: number, user: string, text: string, created_at: string }} ChatMessage */

export class Timeline {
  /**
   * @param {any} list the `<ol>` that holds the messages
   */
  constructor(list) {
    this.list = list;
    /** @type {Set<number>} */
    this.ids = new Set();
    this.me = '';
    this.lastId = 0;
  }

  /** The smallest id shown (0 when the list is empty). */
  get firstId() {
    const first = this.list.firstElementChild;
    return first ? Number(first.dataset.id) : 0;
  }

  /**
   * Empties the list for a new room.
   * @param {string} me the signed-in user (their messages are marked as own)
   */
  reset(me) {
    this.list.replaceChildren();
    this.ids.clear();
    this.me = me;
    this.lastId = 0;
  }

  /**
   * Adds messages (in any order); duplicates are ignored.
   * @param {ChatMessage[]} messages
   * @returns {number} how many were new
   */
  add(messages) {
    const stick = this.atBottom();
    const added = this.insertNew(messages);
    if (added > 0 && stick) this.scrollToEnd();
    return added;
  }

  /**
   * Adds a page of older messages above the ones shown without moving what the reader is looking at.
   * @param {ChatMessage[]} messages
   * @returns {number} how many were new
   */
  addOlder(messages) {
    const fromBottom = this.list.scrollHeight - this.list.scrollTop;
    const added = this.insertNew(messages);
    this.list.scrollTop = this.list.scrollHeight - fromBottom;
    return added;
  }

  /**
   * Removes the messages with an id below `id`: after a gap too long to fill, what is shown stays
   * one unbroken stretch (the older part is loaded again page by page, on request).
   * @param {number} id
   */
  dropBefore(id) {
    for (const item of [...this.list.children]) {
      const itemId = Number(item.dataset.id);
      if (itemId >= id) break;
      item.remove();
      this.ids.delete(itemId);
    }
  }

  /** Scrolls to the newest message. */
  scrollToEnd() {
    this.list.scrollTop = this.list.scrollHeight;
  }

  /**
   * @private
   * @param {ChatMessage[]} messages
   * @returns {number} how many were not shown yet
   */
  insertNew(messages) {
    const fresh = messages.filter((message) => Number.isSafeInteger(message.id) && !this.ids.has(message.id));
    // Older than everything shown (a page from "Load older messages" or the catch-up): one fragment in front,
    // without looking through the items already shown — that search made each page cost O(shown).
    const firstId = this.firstId;
    const older = firstId === 0 ? [] : fresh.filter((message) => message.id < firstId).sort((a, b) => a.id - b.id);
    if (older.length > 0) {
      const fragment = document.createDocumentFragment();
      for (const message of older) {
        if (this.ids.has(message.id)) continue;
        this.ids.add(message.id);
        fragment.append(render(message, message.user === this.me, this.me));
      }
      this.list.prepend(fragment);
    }
    for (const message of fresh) {
      if (this.ids.has(message.id)) continue;
      this.ids.add(message.id);
      this.insert(message);
    }
    return fresh.filter((message, index) => fresh.findIndex((other) => other.id === message.id) === index).length;
  }

  /** @private */
  atBottom() {
    return this.list.scrollHeight - this.list.scrollTop - this.list.clientHeight < 48;
  }

  /**
   * @private
   * @param {ChatMessage} message
   */
  insert(message) {
    const item = render(message, message.user === this.me, this.me);
    if (message.id > this.lastId) {
      this.list.append(item);
      this.lastId = message.id;
      return;
    }
    const later = [...this.list.children].find((child) => Number(child.dataset.id) > message.id);
    this.list.insertBefore(item, later ?? null);
  }
}

/**
 * One message as a list item. Every user-supplied string goes in as text (mentions of `me` as text in a `<mark>`).
 * @param {ChatMessage} message
 * @param {boolean} own
 * @param {string} [me] the reader: `@me` is highlighted
 * @returns {any}
 */
export function render(message, own, me = '') {
  const time = el('time', {
    text: formatTime(message.created_at),
    attrs: { datetime: message.created_at, title: new Date(message.created_at).toLocaleString() },
  });
  const meta = el('div', { className: 'message-meta' }, [
    el('span', { className: 'message-user', text: message.user }),
    ...(own ? [el('span', { className: 'own-tag', text: '(you)' })] : []),
    time,
  ]);
  const pieces = own ? [{ text: message.text, mention: false }] : splitMentions(message.text, me);
  const mentioned = pieces.some((piece) => piece.mention);
  const text = mentioned
    ? el('p', { className: 'message-text' }, pieces.map((piece) => (piece.mention ? el('mark', { className: 'mention', text: piece.text }) : document.createTextNode(piece.text))))
    : el('p', { className: 'message-text', text: message.text });
  const className = own ? 'message own' : mentioned ? 'message mentions-me' : 'message';
  return el('li', { className, attrs: { 'data-id': String(message.id) } }, [meta, text]);
}
