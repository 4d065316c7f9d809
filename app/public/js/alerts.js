// Mentions while the page is in the background: a desktop notification (only once the user allowed them with the
// "Enable notifications" button: permission is never asked on load) and the count of unseen mentions in the tab
// title, "(2) #general · Shagram", cleared when the page is seen again.
import { byId } from './dom.js';

const COUNT_PREFIX = /^\(\d+\) /;

export class MentionAlerts {
  constructor() {
    this.button = byId('enable-notifications');
    this.unseen = 0;
    this.button.addEventListener('click', () => void this.askPermission());
    document.addEventListener('visibilitychange', () => {
      if (document.visibilityState === 'visible') this.seen();
    });
  }

  /** @returns {boolean} */
  static supported() {
    return typeof window.Notification === 'function';
  }

  /**
   * Shows the "Enable notifications" button while permission is still to be asked (with the chat).
   * @param {boolean} signedIn
   */
  showButton(signedIn) {
    this.button.hidden = !(signedIn && MentionAlerts.supported() && window.Notification.permission === 'default');
  }

  /** @private */
  async askPermission() {
    if (!MentionAlerts.supported()) return;
    try {
      await window.Notification.requestPermission();
    } finally {
      this.showButton(true);
    }
  }

  /**
   * Someone mentioned this user. Only counted and notified while the page is not seen.
   * @param {{ room: string, user?: string, text?: string, count?: number }} mention
   */
  mentioned(mention) {
    if (document.visibilityState === 'visible') return;
    this.unseen += mention.count ?? 1;
    this.showTitle();
    if (!MentionAlerts.supported() || window.Notification.permission !== 'granted') return;
    const title = mention.user ? `${mention.user} mentioned you in #${mention.room}` : `You were mentioned in #${mention.room}`;
    // The text goes in as the notification's body: plain text, never markup.
    new window.Notification(title, { body: mention.text ?? '', tag: `shagram-${mention.room}` });
  }

  /** The page's own title changed (another room): keep the count in front of it. */
  showTitle() {
    const base = document.title.replace(COUNT_PREFIX, '');
    document.title = this.unseen > 0 ? `(${this.unseen}) ${base}` : base;
  }

  /** @private */
  seen() {
    this.unseen = 0;
    this.showTitle();
  }

  /** Logging out: nothing is pending. */
  reset() {
    this.seen();
    this.showButton(false);
  }
}
