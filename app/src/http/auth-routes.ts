import { Router, type RequestHandler } from 'express';
import { DELETED_PASSWORD_HASH, type ChatStore, type UserRow } from '../db/chat-store';
import type { TokenClaims, TokenService } from '../auth/tokens';
import type { Revocations } from '../auth/revocation-service';
import { burnPasswordCheck, hashPassword, verifyPassword } from '../auth/passwords';
import { legacyUsernameKey } from '../auth/usernames';
import { credentialsSchema, deleteAccountSchema, firstIssue, loginSchema, usernameKey } from '../validation';
import { HttpError } from './errors';

/** The account of `username` under its old key (registered before confusable keys) or its current one. */
async function findAccount(store: ChatStore, username: string): Promise<UserRow | undefined> {
  return (await store.findUser(legacyUsernameKey(username))) ?? (await store.findUser(usernameKey(username)));
}

/**
 * `POST /register`, `POST /login`, `POST /logout` (revokes the presented token) and `POST /logout-all` (revokes
 * every token of the account) — mounted under `/api/auth`.
 */
export function authRoutes(store: ChatStore, tokens: TokenService, revocations: Revocations): Router {
  const router = Router({ caseSensitive: true });
  const auth = requireUser(tokens);

  router.post('/register', async (req, res) => {
    const parsed = credentialsSchema.safeParse(req.body ?? {});
    if (!parsed.success) throw new HttpError(400, firstIssue(parsed.error));
    const { username, password } = parsed.data;
    // A name that looks like an existing one has the same key: the UNIQUE username_key refuses it. Accounts from
    // before confusable keys are stored under their old key, so that one is checked too. A deleted account's
    // row stays, so its name is never given to someone else.
    const taken = 'username is already taken (or looks the same as a name that is)';
    if (await store.findUser(legacyUsernameKey(username))) throw new HttpError(409, taken);
    const hash = await hashPassword(password);
    if (!(await store.createUser(username, usernameKey(username), hash))) throw new HttpError(409, taken);
    res.status(201).json({ access_token: tokens.issue(username, 0) });
  });

  router.post('/login', async (req, res) => {
    const parsed = loginSchema.safeParse(req.body ?? {});
    if (!parsed.success) throw new HttpError(400, firstIssue(parsed.error));
    const { username, password } = parsed.data;
    const user = await findAccount(store, username);
    if (!user || user.password_hash === DELETED_PASSWORD_HASH) {
      await burnPasswordCheck(password);
      throw new HttpError(401, 'wrong username or password');
    }
    if (!(await verifyPassword(password, user.password_hash))) throw new HttpError(401, 'wrong username or password');
    const epoch = await store.tokenEpoch(user.username);
    if (epoch === undefined) throw new HttpError(401, 'wrong username or password');
    res.json({ access_token: tokens.issue(user.username, epoch) });
  });

  router.post('/logout', auth, async (_req, res) => {
    const claims = res.locals.claims as TokenClaims;
    const revoked = await revocations.revokeToken(claims);
    res.json({ revoked: revoked === 'token' ? 'this token' : 'every token of the account' });
  });

  router.post('/logout-all', auth, async (_req, res) => {
    const username = res.locals.username as string;
    if (!(await revocations.revokeAll(username))) throw new HttpError(401, 'a valid bearer token is required');
    res.json({ revoked: 'every token of the account' });
  });

  return router;
}

/** `DELETE /` (mounted at `/api/account`): deletes the account after checking its password; revokes its tokens. */
export function accountRoutes(store: ChatStore, tokens: TokenService, revocations: Revocations): Router {
  const router = Router({ caseSensitive: true });
  router.delete('/', requireUser(tokens), async (req, res) => {
    const parsed = deleteAccountSchema.safeParse(req.body ?? {});
    if (!parsed.success) throw new HttpError(400, firstIssue(parsed.error));
    const username = res.locals.username as string;
    const user = await findAccount(store, username);
    if (!user || user.username !== username || user.password_hash === DELETED_PASSWORD_HASH) {
      throw new HttpError(401, 'a valid bearer token is required');
    }
    // 403, not 401: the token is fine, the confirmation is not (a client must not take it for a lost session).
    if (!(await verifyPassword(parsed.data.password, user.password_hash))) throw new HttpError(403, 'wrong password');
    if (!(await revocations.deleteAccount(username))) throw new HttpError(401, 'a valid bearer token is required');
    res.json({ deleted: username });
  });
  return router;
}

/**
 * Reads `Authorization: Bearer <token>`; puts the username in `res.locals.username` and the claims in
 * `res.locals.claims`, or answers 401 (also for a revoked token).
 */
export function requireUser(tokens: TokenService): RequestHandler {
  return (req, res, next) => {
    const header = req.headers.authorization ?? '';
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    const claims = tokens.verifyClaims(match?.[1]);
    if (!claims) throw new HttpError(401, 'a valid bearer token is required');
    res.locals.username = claims.username;
    res.locals.claims = claims;
    next();
  };
}
