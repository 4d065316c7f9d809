// The signed-in session (access token + canonical username), kept in sessionStorage:
// it survives a reload of the tab and ends when the tab is closed.

const KEY = 'shagram.session';

/** @typedef {{ token: string, username: string }} Session */

/**
 * Reads the stored session, if any.
 * @returns {Session | null}
 */
export function loadSession() {
  try {
    const value = JSON.parse(sessionStorage.getItem(KEY) ?? 'null');
    if (value && typeof value.token === 'string' && typeof value.username === 'string') return value;
  } catch {
    // a corrupt entry is the same as none
  }
  return null;
}

/**
 * Stores the session.
 * @param {Session} session
 */
export function saveSession(session) {
  sessionStorage.setItem(KEY, JSON.stringify({ token: session.token, username: session.username }));
}

/** Forgets the session (log out). */
export function clearSession() {
  sessionStorage.removeItem(KEY);
}

/**
 * True when the JWT's `exp` claim is in the past (or the token cannot be read).
 * The server remains the judge; this only spares a round trip that is bound to fail.
 * @param {string} token
 * @param {number} [nowMs]
 * @returns {boolean}
 */
export function tokenExpired(token, nowMs = Date.now()) {
  try {
    const payload = token.split('.')[1] ?? '';
    const json = JSON.parse(window.atob(payload.replace(/-/g, '+').replace(/_/g, '/')));
    return typeof json.exp === 'number' && json.exp * 1000 <= nowMs;
  } catch {
    return true;
  }
}
