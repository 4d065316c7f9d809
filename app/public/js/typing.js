// "alice is typing…": the open room's typing indicator, and the throttle on this page's own typing signals.
// Signals travel only in JSON mode (`{"type":"typing"}` up, `{"type":"typing","room","user"}` down); the server
// never stores them and drops extras (docs/api.md).

/** The page sends at most one typing signal per this many ms while its user types. */
export const TYPING_SEND_MS = 3000;
/** A name stays in the indicator this long after its last signal (or until that person's message arrives). */
export const TYPING_SHOW_MS = 5000;

/**
 * The indicator's text for these names (already sorted).
 * @param {string[]} users
 * @returns {string}
 */
export function typingText(users) {
  if (users.length === 0) return '';
  if (users.length === 1) return `${users[0]} is typing…`;
  if (users.length === 2) return `${users[0]} and ${users[1]} are typing…`;
  return `${users.length} people are typing…`;
}

/** Who is typing, shown as text in one element. */
export class TypingIndicator {
  /** @param {any} element */
  constructor(element) {
    this.element = element;
    /** @type {Map<string, any>} name → the timer that removes it */
    this.timers = new Map();
  }

  /**
   * A typing signal from `user`: shown (again) for {@link TYPING_SHOW_MS}.
   * @param {string} user
   */
  typing(user) {
    clearTimeout(this.timers.get(user));
    this.timers.set(
      user,
      setTimeout(() => this.stopped(user), TYPING_SHOW_MS),
    );
    this.render();
  }

  /**
   * `user` stopped typing (their message arrived, or the signal went stale).
   * @param {string} user
   */
  stopped(user) {
    if (!this.timers.has(user)) return;
    clearTimeout(this.timers.get(user));
    this.timers.delete(user);
    this.render();
  }

  /** Forgets everyone (another room, or the connection was lost). */
  clear() {
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
    this.render();
  }

  /** @private */
  render() {
    const text = typingText([...this.timers.keys()].sort());
    if (this.element.textContent !== text) this.element.textContent = text;
  }
}

/** Sends a typing signal when the user types, at most one per {@link TYPING_SEND_MS}. */
export class TypingThrottle {
  /**
   * @param {() => boolean} send sends one signal; false when it could not be sent
   * @param {() => number} [now]
   */
  constructor(send, now = () => Date.now()) {
    this.send = send;
    this.now = now;
    this.last = Number.NEGATIVE_INFINITY;
  }

  /**
   * The composer changed.
   * @param {string} text its content
   */
  typed(text) {
    if (text.trim() === '') return;
    const now = this.now();
    if (now - this.last < TYPING_SEND_MS) return;
    if (this.send()) this.last = now;
  }

  /** The message was sent: the next keystroke may signal at once. */
  reset() {
    this.last = Number.NEGATIVE_INFINITY;
  }
}
