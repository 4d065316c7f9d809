// Phone layout: below the breakpoint the conversation owns the screen and the rooms and presence panel is a
// drawer opened from the header's "Rooms" button (a real <button> with aria-expanded / aria-controls). While it is
// open the rest of the page is inert, focus moves into it and stays there (Tab and Shift+Tab wrap), and Escape,
// the "Close" button, a tap beside it or choosing a room close it and give focus back to the button.
import { byId } from './dom.js';

/** The width at and below which the panel is a drawer (as in app.css). */
export const DRAWER_QUERY = '(max-width: 640px)';

const FOCUSABLE = 'a[href], button:not([disabled]), input:not([disabled]), textarea:not([disabled]), [tabindex]:not([tabindex="-1"])';

export class Drawer {
  constructor() {
    this.toggle = byId('drawer-toggle');
    this.badge = byId('drawer-badge');
    this.badgeText = byId('drawer-badge-text');
    this.panel = byId(this.toggle.getAttribute('aria-controls'));
    this.closeButton = byId('drawer-close');
    this.chat = byId('chat-view');
    /** what becomes inert while the drawer is open */
    this.outside = [byId('room-main'), byId('account')];
    this.media = window.matchMedia(DRAWER_QUERY);
    this.toggle.addEventListener('click', () => (this.isOpen ? this.close() : this.open()));
    this.closeButton.addEventListener('click', () => this.close());
    this.panel.addEventListener('keydown', (/** @type {any} */ event) => this.onKey(event));
    // A tap on the dimmed page beside the drawer (the backdrop is the chat view's own box).
    this.chat.addEventListener('click', (/** @type {any} */ event) => {
      if (this.isOpen && event.target === this.chat) this.close();
    });
    // Choosing a room closes the drawer: the conversation is what the user asked for.
    this.panel.addEventListener('click', (/** @type {any} */ event) => {
      if (this.isOpen && event.target?.closest?.('a.room-link')) this.close();
    });
    this.media.addEventListener('change', () => {
      if (!this.media.matches && this.isOpen) this.close(false);
    });
  }

  /** @returns {boolean} */
  get isOpen() {
    return this.toggle.getAttribute('aria-expanded') === 'true';
  }

  /**
   * Shows the button with the chat (hidden on the sign-in screen, closing the drawer).
   * @param {boolean} enabled
   */
  enable(enabled) {
    if (!enabled && this.isOpen) this.close(false);
    this.toggle.hidden = !enabled;
  }

  /**
   * The number of unread messages in other rooms, shown on the button.
   * @param {string} text badge text, "" for none
   */
  setBadge(text) {
    this.badge.textContent = text;
    this.badge.hidden = text === '';
    this.badgeText.textContent = text === '' ? '' : `, ${text} unread`;
  }

  open() {
    this.chat.classList.add('drawer-open');
    this.toggle.setAttribute('aria-expanded', 'true');
    for (const element of this.outside) element.inert = true;
    const first = this.panel.querySelector('a[aria-current="page"]') ?? this.focusables()[0];
    first?.focus();
  }

  /** @param {boolean} [restoreFocus] give focus back to the button (not when the layout went wide) */
  close(restoreFocus = true) {
    this.chat.classList.remove('drawer-open');
    this.toggle.setAttribute('aria-expanded', 'false');
    for (const element of this.outside) element.inert = false;
    if (restoreFocus) this.toggle.focus();
  }

  /** @private */
  focusables() {
    return /** @type {any[]} */ ([...this.panel.querySelectorAll(FOCUSABLE)]).filter((element) => element.getClientRects().length > 0);
  }

  /**
   * Escape closes; Tab and Shift+Tab wrap around inside the drawer.
   * @private
   * @param {any} event
   */
  onKey(event) {
    if (!this.isOpen) return;
    if (event.key === 'Escape') {
      event.preventDefault();
      this.close();
      return;
    }
    if (event.key !== 'Tab') return;
    const items = this.focusables();
    if (items.length === 0) return;
    const first = items[0];
    const last = items[items.length - 1];
    if (event.shiftKey && document.activeElement === first) {
      event.preventDefault();
      last.focus();
    } else if (!event.shiftKey && document.activeElement === last) {
      event.preventDefault();
      first.focus();
    }
  }
}
