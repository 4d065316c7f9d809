// The HTTP API (docs/api.md): every failure becomes an ApiError carrying the server's message.

/** An HTTP API failure: `status` is 0 when the server could not be reached. */
export class ApiError extends Error {
  /**
   * @param {number} status
   * @param {string} message
   */
  constructor(status, message) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
  }
}

/**
 * Sends a request and returns the parsed JSON body, or throws ApiError with the server's `{error}`.
 * @param {string} method
 * @param {string} path
 * @param {{ token?: string, body?: unknown }} [options]
 * @returns {Promise<any>}
 */
async function request(method, path, options = {}) {
  /** @type {Record<string, string>} */
  const headers = { accept: 'application/json' };
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  let response;
  try {
    response = await fetch(path, {
      method,
      headers,
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
      cache: 'no-store',
    });
  } catch {
    throw new ApiError(0, 'cannot reach the server, please try again');
  }
  let body = null;
  try {
    body = await response.json();
  } catch {
    // non-JSON answer (e.g. a proxy error page)
  }
  if (!response.ok) {
    const message = body && typeof body.error === 'string' ? body.error : `request failed (${response.status})`;
    throw new ApiError(response.status, message);
  }
  return body;
}

/**
 * Registers an account and returns its access token.
 * @param {string} username
 * @param {string} password
 * @returns {Promise<string>}
 */
export async function register(username, password) {
  return (await request('POST', '/api/auth/register', { body: { username, password } })).access_token;
}

/**
 * Logs in and returns the access token.
 * @param {string} username
 * @param {string} password
 * @returns {Promise<string>}
 */
export async function login(username, password) {
  return (await request('POST', '/api/auth/login', { body: { username, password } })).access_token;
}

/**
 * The canonical username behind a token (ApiError 401 when the token is no longer valid).
 * @param {string} token
 * @returns {Promise<string>}
 */
export async function me(token) {
  return (await request('GET', '/api/me', { token })).username;
}

/**
 * Revokes this token on the server (log out). The server closes the sockets opened with it.
 * @param {string} token
 * @returns {Promise<void>}
 */
export async function logout(token) {
  await request('POST', '/api/auth/logout', { token });
}

/**
 * Revokes every token of the account (log out everywhere): every device has to log in again.
 * @param {string} token
 * @returns {Promise<void>}
 */
export async function logoutEverywhere(token) {
  await request('POST', '/api/auth/logout-all', { token });
}

/** Room names per page of the room list. */
export const ROOMS_PAGE = 50;

/**
 * One page of room names, sorted: the first, or the one after the room `after`. `next` is the `after` of the
 * following page, null on the last.
 * @param {string} [after]
 * @returns {Promise<{ rooms: string[], next: string | null }>}
 */
export async function listRooms(after) {
  const query = new URLSearchParams({ limit: String(ROOMS_PAGE) });
  if (after !== undefined) query.set('after', after);
  const body = await request('GET', `/api/rooms?${query}`);
  return { rooms: body.rooms, next: body.has_more ? body.next : null };
}

/**
 * Creates a room.
 * @param {string} token
 * @param {string} name
 * @returns {Promise<string>}
 */
export async function createRoom(token, name) {
  return (await request('POST', '/api/rooms', { token, body: { name } })).name;
}

/** @typedef {{ id: number, room_id: string, user: string, text: string, created_at: string }} StoredMessage */

/** Messages in the server's default history page (`GET /api/messages/:room` with no query). */
export const DEFAULT_PAGE = 50;

/**
 * A page of a room's messages, oldest first: the newest `limit`, or the newest `limit` with an id
 * below `before`. Without either it asks for the default page (the newest 50), the one the
 * server answers from its cache. A room that does not exist is an ApiError with status 404.
 * @param {string} room
 * @param {{ limit?: number, before?: number }} [page]
 * @returns {Promise<StoredMessage[]>}
 */
export async function history(room, page = {}) {
  const query = new URLSearchParams();
  if (page.limit !== undefined) query.set('limit', String(page.limit));
  if (page.before !== undefined) query.set('before', String(page.before));
  const search = String(query) === '' ? '' : `?${query}`;
  const { messages } = await request('GET', `/api/messages/${encodeURIComponent(room)}${search}`);
  return [...messages].reverse();
}

/** @typedef {{ room: string, unread: number, mentions: number, capped: boolean }} UnreadCount */

/**
 * Moves this account's read marker in `room` forward to `lastReadId` (the server never moves it back).
 * @param {string} token
 * @param {string} room
 * @param {number} lastReadId
 * @returns {Promise<void>}
 */
export async function markRead(token, room, lastReadId) {
  await request('PUT', `/api/rooms/${encodeURIComponent(room)}/read`, { token, body: { last_read_id: lastReadId } });
}

/**
 * Unread counts (capped by the server) and mentions of this account in those `rooms` it has read before.
 * @param {string} token
 * @param {string[]} rooms at most 200
 * @returns {Promise<UnreadCount[]>}
 */
export async function unread(token, rooms) {
  if (rooms.length === 0) return [];
  return (await request('GET', `/api/unread?rooms=${rooms.map(encodeURIComponent).join(',')}`, { token })).unread;
}
