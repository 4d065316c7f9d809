// The open room: history then live messages, presence, connection state and the composer.
import * as api from '../api.js';
import { CATCH_UP_PAGE, catchUp } from '../catch-up.js';
import { RoomConnection } from '../connection.js';
import { byId, el, say } from '../dom.js';
import { counterText } from '../format.js';
import { tokenExpired } from '../session.js';
import { Timeline } from '../timeline.js';
import { mentions } from '../mentions.js';
import { TypingIndicator, TypingThrottle } from '../typing.js';

export const MAX_MESSAGE_CHARS = 4000;

/**
 * @typedef {object} ChatViewOptions
 * @property {() => { token: string, username: string }} session
 * @property {(message: string) => void} onSessionEnded the token is no longer accepted
 * @property {() => void} [onJoined] a connection to the room opened
 * @property {(mention: { room: string, user: string, text: string }) => void} [onMention] a live message mentions this user
 * @property {() => void} [onTitle] the document title was set for a room
 */

export class ChatView {
  /** @param {ChatViewOptions} options */
  constructor(options) {
    this.options = options;
    this.timeline = new Timeline(byId('messages'));
    this.title = byId('room-title');
    this.status = byId('connection');
    this.notice = byId('room-notice');
    this.presence = byId('presence-list');
    this.onlineCount = byId('online-count');
    this.form = byId('composer');
    this.input = byId('composer-input');
    this.count = byId('composer-count');
    this.sendButton = byId('composer-send');
    this.olderButton = byId('load-older');
    this.olderButton.addEventListener('click', () => void this.loadOlder());
    this.typing = new TypingIndicator(byId('typing'));
    this.typingThrottle = new TypingThrottle(() => this.connection?.sendTyping() ?? false);
    /** the largest id of this room the server was told this account has read (-1: nothing yet) */
    this.markedId = -1;
    /** @type {any} */
    this.readTimer = null;
    document.addEventListener('visibilitychange', () => this.scheduleRead());
    /** @type {RoomConnection | null} */
    this.connection = null;
    this.room = '';
    this.generation = 0;
    this.wireComposer();
  }

  /**
   * Opens a room: loads its history (oldest at the top), then goes live from the last id seen.
   * @param {string} room
   */
  async join(room) {
    this.leave();
    const generation = ++this.generation;
    this.room = room;
    this.title.textContent = `#${room}`;
    document.title = `#${room} · Shagram`;
    this.options.onTitle?.();
    this.timeline.reset(this.options.session().username);
    this.typing.clear();
    this.typingThrottle.reset();
    this.markedId = -1;
    this.showPresence([]);
    this.showOlder(false);
    say(this.notice, '');
    this.setState({ state: 'connecting' });
    try {
      const messages = await api.history(room);
      if (generation !== this.generation) return;
      this.timeline.add(messages);
      this.timeline.scrollToEnd();
      // At once, before the connection opens (an empty room too, marker 0: later messages there count as unread).
      if (document.visibilityState === 'visible') this.sendRead(room);
      this.showOlder(messages.length === api.DEFAULT_PAGE);
    } catch (failure) {
      if (generation !== this.generation) return;
      if (failure instanceof api.ApiError && failure.status === 404) {
        // Joining never creates a room: say so instead of retrying a connection the server refuses.
        say(this.notice, `There is no room #${room}. Create it with the “New room” form, or pick one from the list.`);
        this.setState({ state: 'closed' });
        return;
      }
      say(this.notice, `Could not load the history: ${/** @type {Error} */ (failure).message}`);
    }
    this.connection = new RoomConnection({
      room,
      token: () => this.options.session().token,
      lastId: () => this.timeline.lastId,
      onEvent: (event) => this.onEvent(event),
      onState: (state) => this.setState(state),
      onFailures: (failures) => this.checkSession(failures),
      onRevoked: () => this.options.onSessionEnded('You were logged out: this session was ended (from this or another device).'),
    });
    this.connection.open();
  }

  /**
   * Tells the server (soon, once for a burst) that this account has read the open room up to the newest message
   * shown — only while the page is visible, so a background tab keeps its rooms unread.
   * @private
   */
  scheduleRead() {
    if (document.visibilityState !== 'visible' || !this.room || this.readTimer !== null) return;
    if (this.timeline.lastId <= this.markedId) return;
    const { generation, room } = this;
    this.readTimer = setTimeout(() => {
      this.readTimer = null;
      if (generation === this.generation) this.sendRead(room);
    }, 300);
  }

  /**
   * @private
   * @param {string} room the open room (the timeline holds it)
   */
  sendRead(room) {
    const id = this.timeline.lastId;
    if (id <= this.markedId) return;
    this.markedId = id;
    const { generation } = this;
    api.markRead(this.options.session().token, room, id).catch(() => {
      if (generation === this.generation && this.markedId === id) this.markedId = -1; // told again with the next message
    });
  }

  /** Closes the room's connection (switching rooms, logging out). */
  leave() {
    this.generation++;
    if (this.readTimer !== null) {
      // What was read before leaving is told now, not lost with the timer.
      clearTimeout(this.readTimer);
      this.readTimer = null;
      if (this.room) this.sendRead(this.room);
    }
    this.connection?.close();
    this.connection = null;
  }

  /**
   * Reads what a `since` replay that stopped at its cap left out (its `replay` event said
   * `complete: false`): the messages with `lastId < id < nextBefore`, newest page first (see catch-up.js).
   * @private
   * @param {number} lastId the replay's last message id
   * @param {number} nextBefore the first id the socket delivers after the hole
   */
  async catchUpHole(lastId, nextBefore) {
    const { generation, room } = this;
    try {
      const result = await catchUp(
        (before) => (before === undefined ? api.history(room) : api.history(room, { before, limit: CATCH_UP_PAGE })),
        lastId,
        { before: nextBefore, firstPageSize: api.DEFAULT_PAGE },
      );
      if (generation !== this.generation) return;
      this.timeline.add(result.messages);
      this.scheduleRead();
      if (!result.complete && result.messages.length > 0) {
        // More was missed than is worth loading at once: keep one unbroken stretch, the newest,
        // and leave the rest to "Load older messages".
        this.timeline.dropBefore(result.messages[0].id);
        this.showOlder(true);
        say(this.notice, 'You missed many messages while you were away: the newest are shown, older ones are a click away above.');
      }
    } catch (failure) {
      if (generation !== this.generation) return;
      say(this.notice, `Could not load the messages sent while you were away: ${/** @type {Error} */ (failure).message}`);
    }
  }

  /**
   * Loads the page of messages before the oldest one shown.
   * @private
   */
  async loadOlder() {
    const { generation, room } = this;
    const before = this.timeline.firstId;
    if (before === 0) return this.showOlder(false);
    this.olderButton.disabled = true;
    try {
      const page = await api.history(room, { before, limit: api.DEFAULT_PAGE });
      if (generation !== this.generation) return;
      this.timeline.addOlder(page);
      if (page.length < api.DEFAULT_PAGE) {
        this.showOlder(false);
        this.timeline.list.focus(); // the button is gone: keep keyboard focus in the conversation
      }
    } catch (failure) {
      if (generation !== this.generation) return;
      say(this.notice, `Could not load older messages: ${/** @type {Error} */ (failure).message}`);
    } finally {
      this.olderButton.disabled = false;
    }
  }

  /**
   * @private
   * @param {boolean} visible whether older messages may exist
   */
  showOlder(visible) {
    this.olderButton.hidden = !visible;
  }

  /**
   * @private
   * @param {any} event
   */
  onEvent(event) {
    if (event.type === 'message' && event.room === this.room) {
      const added = this.timeline.add([event]);
      this.typing.stopped(String(event.user));
      const me = this.options.session().username;
      if (added > 0 && event.user !== me && mentions(String(event.text), me)) this.options.onMention?.({ room: this.room, user: event.user, text: event.text });
      this.scheduleRead();
    } else if (event.type === 'typing' && event.room === this.room && typeof event.user === 'string') {
      if (event.user !== this.options.session().username) this.typing.typing(event.user);
    } else if (event.type === 'replay' && event.room === this.room && event.complete === false) {
      // the replay stopped at its cap: read the hole it names over HTTP (a complete replay needs nothing)
      void this.catchUpHole(Number(event.last_id), Number(event.next_before));
    } else if (event.type === 'presence' && event.room === this.room && Array.isArray(event.users)) {
      this.showPresence(event.users);
    } else if (event.type === 'error') {
      say(this.notice, String(event.message ?? 'the server rejected a message'));
    }
  }

  /**
   * @private
   * @param {string[]} users
   */
  showPresence(users) {
    const me = this.options.session().username;
    this.onlineCount.textContent = String(users.length);
    this.presence.replaceChildren(
      ...users.map((user) =>
        el('li', { className: user === me ? 'presence own' : 'presence' }, [
          el('span', { className: 'presence-dot', attrs: { 'aria-hidden': 'true' } }),
          el('span', { text: user }),
          ...(user === me ? [el('span', { className: 'own-tag', text: '(you)' })] : []),
        ]),
      ),
    );
  }

  /**
   * @private
   * @param {import('../connection.js').ConnectionState} state
   */
  setState(state) {
    this.status.dataset.state = state.state;
    delete this.status.dataset.retryMs;
    if (state.state === 'open') {
      this.status.textContent = 'Connected';
    } else if (state.state === 'connecting') {
      this.status.textContent = 'Connecting…';
    } else if (state.state === 'reconnecting') {
      this.status.dataset.retryMs = String(state.retryMs);
      this.status.textContent = `Disconnected, reconnecting in ${Math.max(1, Math.round(state.retryMs / 1000))} s…`;
      this.showPresence([]);
      this.typing.clear();
    } else {
      this.status.textContent = 'Not connected';
    }
    this.sendButton.disabled = state.state !== 'open';
  }

  /**
   * After attempts that never opened: an expired or rejected token ends the session instead of
   * retrying forever.
   * @private
   * @param {number} failures
   */
  async checkSession(failures) {
    const { token } = this.options.session();
    if (tokenExpired(token)) return this.options.onSessionEnded('Your session has expired. Please log in again.');
    if (failures % 3 !== 0) return;
    try {
      await api.me(token);
    } catch (failure) {
      if (failure instanceof api.ApiError && failure.status === 401) {
        this.options.onSessionEnded('Your session is no longer valid. Please log in again.');
      }
    }
  }

  /** @private */
  wireComposer() {
    const update = () => {
      const used = this.input.value.length;
      this.count.textContent = counterText(used, MAX_MESSAGE_CHARS);
      this.count.classList.toggle('near-limit', used > MAX_MESSAGE_CHARS - 200);
    };
    this.input.addEventListener('input', update);
    this.input.addEventListener('input', () => this.typingThrottle.typed(this.input.value));
    this.input.addEventListener('keydown', (/** @type {any} */ event) => {
      if (event.key === 'Enter' && !event.shiftKey && !event.isComposing) {
        event.preventDefault();
        this.form.requestSubmit();
      }
    });
    this.form.addEventListener('submit', (/** @type {any} */ event) => {
      event.preventDefault();
      const text = this.input.value.trim();
      if (text === '') return;
      if (!this.connection?.send(text)) {
        say(this.notice, 'Not connected: your message is kept here; send it again once the connection is back.');
        return;
      }
      say(this.notice, '');
      this.typingThrottle.reset();
      this.input.value = '';
      update();
      this.input.focus();
    });
    update();
  }
}
