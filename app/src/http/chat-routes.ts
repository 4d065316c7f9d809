import { Router } from 'express';
import type { ChatStore } from '../db/chat-store';
import type { TokenService } from '../auth/tokens';
import { createRoomSchema, firstIssue, historyQuerySchema, ROOM_NAME } from '../validation';
import { HttpError } from './errors';
import { requireUser } from './auth-routes';
import { noStore } from './no-store';
import type { HistoryCache } from './history-cache';

const DEFAULT_HISTORY = 50;

/** `/api/me`, `/api/rooms` and `/api/messages/:room`. */
export function chatRoutes(store: ChatStore, tokens: TokenService, cache: HistoryCache): Router {
  const router = Router({ caseSensitive: true });
  const auth = requireUser(tokens);

  router.get('/me', noStore, auth, (_req, res) => {
    res.json({ username: res.locals.username });
  });

  router.get('/rooms', async (_req, res) => {
    res.json({ rooms: await store.listRooms() });
  });

  router.post('/rooms', auth, async (req, res) => {
    const parsed = createRoomSchema.safeParse(req.body ?? {});
    if (!parsed.success) throw new HttpError(400, firstIssue(parsed.error));
    if (!(await store.createRoom(parsed.data.name))) throw new HttpError(409, 'room already exists');
    res.status(201).json({ name: parsed.data.name });
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
