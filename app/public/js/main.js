// Entry point: restores the session, switches between the sign-in screen and the chat, and
// follows the location hash (`#<room>`) so reload and the back button keep the room.
import * as api from './api.js';
import { byId } from './dom.js';
import { roomFromHash } from './format.js';
import { clearSession, loadSession, saveSession } from './session.js';
import { clearAuthErrors, setupAuthView, showAuthNotice } from './views/auth.js';
import { ChatView } from './views/chat.js';
import { RoomsView } from './views/rooms.js';
import { badgeText, UnreadTracker } from './unread.js';
import { Drawer } from './drawer.js';
import { MentionAlerts } from './alerts.js';

const DEFAULT_ROOM = 'general';

/** @type {{ token: string, username: string } | null} */
let session = null;

const current = () => {
  if (!session) throw new Error('not signed in');
  return session;
};

const alerts = new MentionAlerts();
const chat = new ChatView({
  session: current,
  onSessionEnded: (message) => signOut(message),
  onMention: (mention) => alerts.mentioned(mention),
  onTitle: () => alerts.showTitle(),
});
const rooms = new RoomsView(
  () => current().token,
  (room) => {
    location.hash = room;
  },
);

const drawer = new Drawer();
const unread = new UnreadTracker({
  token: () => current().token,
  rooms: () => rooms.rooms,
  current: () => rooms.current,
  onMentions: (room, added) => alerts.mentioned({ room, count: added }),
  onCounts: (counts) => {
    rooms.setCounts(counts);
    let total = 0;
    let capped = false;
    for (const count of counts.values()) {
      total += count.unread;
      capped ||= count.capped;
    }
    drawer.setBadge(badgeText({ unread: total, capped }));
  },
});

/** Shows the chat for a signed-in user. */
async function showChat() {
  byId('booting').hidden = true;
  byId('auth-view').hidden = true;
  byId('chat-view').hidden = false;
  byId('account').hidden = false;
  byId('account-name').textContent = current().username;
  drawer.enable(true);
  alerts.showButton(true);
  await rooms.refresh();
  openRoomFromHash();
  unread.start();
}

function openRoomFromHash() {
  if (!session) return;
  const room = roomFromHash(location.hash, DEFAULT_ROOM);
  rooms.select(room);
  unread.clear(room);
  void chat.join(room).then(() => unread.refresh());
}

/**
 * Ends the session and returns to the sign-in screen.
 * @param {string} [message] shown above the forms
 */
function signOut(message = '') {
  chat.leave();
  unread.stop();
  drawer.enable(false);
  drawer.setBadge('');
  alerts.reset();
  session = null;
  clearSession();
  byId('booting').hidden = true;
  byId('chat-view').hidden = true;
  byId('account').hidden = true;
  byId('auth-view').hidden = false;
  clearAuthErrors();
  showAuthNotice(message);
  byId('login-username').focus();
}

setupAuthView((signedIn) => {
  session = signedIn;
  saveSession(signedIn);
  showAuthNotice('');
  void showChat().then(() => byId('composer-input').focus());
});
/**
 * Ends the session on the server too (the token is revoked, its sockets closed), then here. The local
 * session ends even when the server cannot be reached.
 * @param {(token: string) => Promise<void>} revoke
 * @param {string} message
 */
async function logOut(revoke, message) {
  const token = session?.token;
  chat.leave(); // closed here first, so the server's close of the revoked socket is not taken for a lost session
  let note = message;
  if (token) {
    try {
      await revoke(token);
    } catch (failure) {
      if (!(failure instanceof api.ApiError && failure.status === 401)) note = `${message} (The server could not be told: ${/** @type {Error} */ (failure).message})`;
    }
  }
  signOut(note);
}
byId('logout').addEventListener('click', () => void logOut(api.logout, 'You are logged out.'));
byId('logout-all').addEventListener('click', () => void logOut(api.logoutEverywhere, 'You are logged out on every device.'));
window.addEventListener('hashchange', openRoomFromHash);

async function boot() {
  const stored = loadSession();
  if (!stored) return signOut();
  try {
    session = { token: stored.token, username: await api.me(stored.token) };
    saveSession(session);
  } catch (failure) {
    if (failure instanceof api.ApiError && failure.status !== 401) {
      // The server is unreachable right now: keep the session and let the connection retry.
      session = stored;
    } else {
      return signOut('Your session has expired. Please log in again.');
    }
  }
  await showChat();
}

void boot();
