import { Router, type RequestHandler } from 'express';
import type { ChatStore } from '../db/chat-store';
import type { TokenService } from '../auth/tokens';
import { burnPasswordCheck, hashPassword, verifyPassword } from '../auth/passwords';
import { legacyUsernameKey } from '../auth/usernames';
import { credentialsSchema, firstIssue, loginSchema, usernameKey } from '../validation';
import { HttpError } from './errors';

/** `POST /register` and `POST /login` (mounted under `/api/auth`). */
export function authRoutes(store: ChatStore, tokens: TokenService): Router {
  const router = Router({ caseSensitive: true });

  router.post('/register', async (req, res) => {
    const parsed = credentialsSchema.safeParse(req.body ?? {});
    if (!parsed.success) throw new HttpError(400, firstIssue(parsed.error));
    const { username, password } = parsed.data;
    // A name that looks like an existing one has the same key: the UNIQUE username_key refuses it. Accounts from
    // before confusable keys are stored under their old key, so that one is checked too.
    const taken = 'username is already taken (or looks the same as a name that is)';
    if (await store.findUser(legacyUsernameKey(username))) throw new HttpError(409, taken);
    const hash = await hashPassword(password);
    if (!(await store.createUser(username, usernameKey(username), hash))) throw new HttpError(409, taken);
    res.status(201).json({ access_token: tokens.issue(username) });
  });

  router.post('/login', async (req, res) => {
    const parsed = loginSchema.safeParse(req.body ?? {});
    if (!parsed.success) throw new HttpError(400, firstIssue(parsed.error));
    const { username, password } = parsed.data;
    // The old key first (an account registered before confusable keys, spelled exactly), then the current one.
    const user = (await store.findUser(legacyUsernameKey(username))) ?? (await store.findUser(usernameKey(username)));
    if (!user) {
      await burnPasswordCheck(password);
      throw new HttpError(401, 'wrong username or password');
    }
    if (!(await verifyPassword(password, user.password_hash))) throw new HttpError(401, 'wrong username or password');
    res.json({ access_token: tokens.issue(user.username) });
  });

  return router;
}

/** Reads `Authorization: Bearer <token>`; puts the username in `res.locals.username` or answers 401. */
export function requireUser(tokens: TokenService): RequestHandler {
  return (req, res, next) => {
    const header = req.headers.authorization ?? '';
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    const username = tokens.verify(match?.[1]);
    if (!username) throw new HttpError(401, 'a valid bearer token is required');
    res.locals.username = username;
    next();
  };
}
