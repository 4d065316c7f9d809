import { Router } from 'express';
import { rateLimit } from 'express-rate-limit';
import type { ChatStore } from '../db/chat-store';
import type { TokenService } from '../auth/tokens';
import type { Rate } from '../config/rate';
import { createRoomSchema, firstIssue, historyQuerySchema, ROOM_NAME, ROOMS_PAGE, roomsQuerySchema } from '../validation';
import { HttpError } from './errors';
import { requireUser } from './auth-routes';
import { noStore } from './no-store';
import type { HistoryCache } from './history-cache';

const DEFAULT_HISTORY = 50;
/** Unread messages counted per room at most (the UI shows "99+" beyond): the cost of a count is bounded. */
export const UNREAD_CAP = 100;
/** Rooms one `GET /api/unread` may ask about (the room list's page size at most). */
export const UNREAD_ROOMS_MAX = ROOMS_PAGE.max;

/** The limits on room creation. */
export interface RoomLimits {
  /** Creations per account per window (on this process). */
  rate: Rate;
  /** Rooms one account may create in all (every replica: counted in the database). */
  perAccount: number;
}

/** `/api/me`, `/api/rooms` and `/api/messages/:room`. */
export function chatRoutes(store: ChatStore, tokens: TokenService, cache: HistoryCache, limits: RoomLimits): Router {
  const router = Router({ caseSensitive: true });
  const auth = requireUser(tokens);
  // Keyed by account (it runs after `auth`), so neither one token nor many addresses get past it. Only rooms
  // actually created count (a refused request — invalid name, taken, over quota — gives its slot back).
  const seconds = limits.rate.windowMs / 1000;
  const roomRate = rateLimit({
    windowMs: limits.rate.windowMs,
    limit: limits.rate.count,
    standardHeaders: 'draft-7',
    legacyHeaders: false,
    keyGenerator: (_req, res) => `account:${res.locals.username as string}`,
    skipFailedRequests: true,
    handler: (_req, res) => {
      res.status(429).json({
        error: `room creation rate limit reached: an account may create ${limits.rate.count} rooms per ${seconds} s, try again later`,
        limit: 'ROOM_CREATE_RATE_LIMIT',
      });
    },
  });

  router.get('/me', noStore, auth, (_req, res) => {
    res.json({ username: res.locals.username });
  });

  // A page of names in bytewise order; `next` is the `after` of the following page (null on the last one).
  router.get('/rooms', async (req, res) => {
    const query = roomsQuerySchema.safeParse({ limit: single(req.query.limit), after: single(req.query.after) });
    if (!query.success) throw new HttpError(400, firstIssue(query.error));
    const limit = query.data.limit ?? ROOMS_PAGE.default;
    const names = await store.listRoomsPage(query.data.after, limit + 1);
    const more = names.length > limit;
    const rooms = more ? names.slice(0, limit) : names;
    res.json({ rooms, has_more: more, next: more ? rooms[rooms.length - 1] : null });
  });

  router.post('/rooms', auth, roomRate, async (req, res) => {
    const parsed = createRoomSchema.safeParse(req.body ?? {});
    if (!parsed.success) throw new HttpError(400, firstIssue(parsed.error));
    const result = await store.createRoomFor(parsed.data.name, res.locals.username as string, limits.perAccount);
    if (result === 'exists') throw new HttpError(409, 'room already exists');
    if (result === 'quota') {
      res.status(403).json({ error: `room quota reached: an account may create at most ${limits.perAccount} rooms`, limit: 'ROOMS_PER_ACCOUNT' });
      return;
    }
    res.status(201).json({ name: parsed.data.name });
  });

  // The account's read marker in a room: the largest message id it has seen there (never moves back).
  router.put('/rooms/:room/read', noStore, auth, async (req, res) => {
    const room = String(req.params.room);
    if (!ROOM_NAME.test(room)) throw new HttpError(400, 'invalid room name');
    const id = (req.body as { last_read_id?: unknown } | undefined)?.last_read_id;
    if (typeof id !== 'number' || !Number.isSafeInteger(id) || id < 0) throw new HttpError(400, 'last_read_id must be a message id (0 for an empty room)');
    if (!(await store.roomExists(room))) throw new HttpError(404, 'room not found');
    await store.setReadMarker(res.locals.username as string, room, id);
    res.status(204).end();
  });

  // Unread counts (and mentions of the account) in the rooms asked about that the account has read before.
  router.get('/unread', noStore, auth, async (req, res) => {
    const list = single(req.query.rooms);
    if (list === undefined || list === '') throw new HttpError(400, 'rooms is required: ?rooms=general,dev');
    const rooms = [...new Set(list.split(','))];
    if (rooms.length > UNREAD_ROOMS_MAX) throw new HttpError(400, `at most ${UNREAD_ROOMS_MAX} rooms per request`);
    if (!rooms.every((room) => ROOM_NAME.test(room))) throw new HttpError(400, 'invalid room name');
    const username = res.locals.username as string;
    res.json({ unread: await store.unreadCounts(username, rooms, `@${username.toLowerCase()}`, UNREAD_CAP) });
  });

  router.get('/messages/:room', async (req, res) => {
    const room = req.params.room;
    if (!ROOM_NAME.test(room)) throw new HttpError(400, 'invalid room name');
    if (req.query.before === undefined && req.query.limit === undefined) {
      let body = cache.get(room);
      if (!body) {
        const stamp = cache.stamp(room);
        if (!(await store.roomExists(room))) throw new HttpError(404, 'room not found');
        body = Buffer.from(JSON.stringify({ messages: await store.history(room, DEFAULT_HISTORY) }));
        cache.set(room, body, stamp);
      }
      res.type('application/json').send(body);
      return;
    }
    const query = historyQuerySchema.safeParse({ before: single(req.query.before), limit: single(req.query.limit) });
    if (!query.success) throw new HttpError(400, firstIssue(query.error));
    if (!(await store.roomExists(room))) throw new HttpError(404, 'room not found');
    res.json({ messages: await store.history(room, query.data.limit ?? DEFAULT_HISTORY, query.data.before) });
  });

  return router;
}

/** A repeated query parameter (`?a=1&a=2`) is invalid rather than silently using one of them. */
function single(value: unknown): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value === 'string') return value;
  return '\u0000invalid';
}
