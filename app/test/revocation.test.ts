import jwt from 'jsonwebtoken';
import { CLOSE_SESSION_REVOKED } from '../src/ws/gateway';
import { connect, refusedStatus } from './helpers/client';
import { getJson, postJson, register, startServer, tempDir, type TestServer } from './helpers/server';

const PASSWORD = 'correct horse battery';
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

async function login(t: TestServer, username: string): Promise<string> {
  const res = await postJson(`${t.url}/api/auth/login`, { username, password: PASSWORD });
  if (res.status !== 200) throw new Error(`login failed: ${res.status}`);
  return res.body.access_token as string;
}

async function call(url: string, method: string, token: string, body?: unknown): Promise<{ status: number; body: any; cacheControl: string | null }> {
  const res = await fetch(url, {
    method,
    headers: { ...bearer(token), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, body: await res.json(), cacheControl: res.headers.get('cache-control') };
}

const meStatus = async (t: TestServer, token: string) => (await getJson(`${t.url}/api/me`, bearer(token))).status;

/** Resolves once `check` returns true (polled; the change it waits for is made by another server's timer). */
async function eventually(check: () => Promise<boolean>, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('the condition never came true');
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

describe('one server', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startServer();
  });
  afterAll(() => t.close());

  test('tokens carry a jti and the account epoch', async () => {
    const { token } = await register(t.url, 'claims');
    expect(jwt.decode(token)).toMatchObject({ jti: expect.stringMatching(/^[0-9a-f-]{36}$/), ep: 0 });
  });

  test('POST /api/auth/logout revokes that token only: HTTP 401, its socket closed with 4001, its upgrade refused; the other token lives', async () => {
    const { username, token } = await register(t.url, 'out');
    const other = await login(t, username);
    const mine = await connect(t.wsUrl, 'general', { token, json: true });
    const theirs = await connect(t.wsUrl, 'general', { token: other, json: true });

    const res = await call(`${t.url}/api/auth/logout`, 'POST', token);
    expect(res).toEqual({ status: 200, body: { revoked: 'this token' }, cacheControl: 'no-store' });
    expect(await mine.closed).toEqual({ code: CLOSE_SESSION_REVOKED, reason: 'session revoked' });
    expect(await meStatus(t, token)).toBe(401);
    expect((await call(`${t.url}/api/auth/logout`, 'POST', token)).status).toBe(401);
    expect(await refusedStatus(t.wsUrl, 'general', { token })).toBe(401);
    expect((await postJson(`${t.url}/api/rooms`, { name: 'after-logout' }, bearer(token))).status).toBe(401);

    expect(await meStatus(t, other)).toBe(200);
    theirs.send('still here');
    await theirs.waitForEvent((event) => event.type === 'message' && event.text === 'still here');
    await theirs.close();
  });

  test('POST /api/auth/logout-all revokes every token of the account and closes all its sockets; a new login works; other accounts untouched', async () => {
    const { username, token } = await register(t.url, 'all');
    const second = await login(t, username);
    const bystander = await register(t.url, 'bystander');
    const sockets = await Promise.all([token, second, token].map((tok, i) => connect(t.wsUrl, ['general', 'dev', 'chat'][i]!, { token: tok })));
    const untouched = await connect(t.wsUrl, 'general', { token: bystander.token });

    const res = await call(`${t.url}/api/auth/logout-all`, 'POST', second);
    expect(res).toEqual({ status: 200, body: { revoked: 'every token of the account' }, cacheControl: 'no-store' });
    for (const socket of sockets) expect((await socket.closed).code).toBe(CLOSE_SESSION_REVOKED);
    expect(await meStatus(t, token)).toBe(401);
    expect(await meStatus(t, second)).toBe(401);

    const fresh = await login(t, username);
    expect(jwt.decode(fresh)).toMatchObject({ ep: 1 });
    expect(await meStatus(t, fresh)).toBe(200);
    const back = await connect(t.wsUrl, 'general', { token: fresh });
    await back.close();
    expect(untouched.ws.readyState).toBe(untouched.ws.OPEN);
    expect(await meStatus(t, bystander.token)).toBe(200);
    await untouched.close();
  });

  test('DELETE /api/account: 403 for a wrong password; then the account is gone, its tokens and sockets too, its name stays taken, its messages stay', async () => {
    const { username, token } = await register(t.url, 'leaver');
    const socket = await connect(t.wsUrl, 'dev', { token, json: true });
    socket.send('goodbye');
    await socket.waitForEvent((event) => event.type === 'message' && event.text === 'goodbye');

    expect(await call(`${t.url}/api/account`, 'DELETE', token, { password: 'not the password' })).toEqual({
      status: 403,
      body: { error: 'wrong password' },
      cacheControl: 'no-store',
    });
    expect((await call(`${t.url}/api/account`, 'DELETE', token, {})).status).toBe(400);
    expect(await meStatus(t, token)).toBe(200);

    expect(await call(`${t.url}/api/account`, 'DELETE', token, { password: PASSWORD })).toEqual({
      status: 200,
      body: { deleted: username },
      cacheControl: 'no-store',
    });
    expect((await socket.closed).code).toBe(CLOSE_SESSION_REVOKED);
    expect(await meStatus(t, token)).toBe(401);
    expect(await postJson(`${t.url}/api/auth/login`, { username, password: PASSWORD })).toEqual({ status: 401, body: { error: 'wrong username or password' } });
    expect((await postJson(`${t.url}/api/auth/register`, { username, password: PASSWORD })).status).toBe(409);
    const history = (await getJson(`${t.url}/api/messages/dev?limit=200`)).body.messages as Array<{ user: string; text: string }>;
    expect(history).toContainEqual(expect.objectContaining({ user: username, text: 'goodbye' }));
  });

  test('logout, logout-all and account deletion need a valid token', async () => {
    for (const [method, path] of [['POST', '/api/auth/logout'], ['POST', '/api/auth/logout-all'], ['DELETE', '/api/account']] as const) {
      const res = await call(`${t.url}${path}`, method, 'not-a-token', method === 'DELETE' ? { password: PASSWORD } : undefined);
      expect(res).toEqual({ status: 401, body: { error: 'a valid bearer token is required' }, cacheControl: 'no-store' });
    }
  });
});

test('revocations outlive a restart: they are read back from the database file', async () => {
  const dir = tempDir();
  let t = await startServer({}, dir);
  const { username, token } = await register(t.url, 'restart');
  const kept = await login(t, username);
  expect((await call(`${t.url}/api/auth/logout`, 'POST', token)).status).toBe(200);
  await t.close();
  t = await startServer({}, dir);
  try {
    expect(await meStatus(t, token)).toBe(401);
    expect(await refusedStatus(t.wsUrl, 'general', { token })).toBe(401);
    expect(await meStatus(t, kept)).toBe(200);
  } finally {
    await t.close();
  }
});

test('with the revoked-token list full, a log-out revokes all of the account\'s tokens (fails closed)', async () => {
  const t = await startServer({ REVOKED_TOKENS_MAX: '1' });
  try {
    const first = await register(t.url, 'full');
    expect((await call(`${t.url}/api/auth/logout`, 'POST', first.token)).body).toEqual({ revoked: 'this token' });
    const { username, token } = await register(t.url, 'full');
    const sibling = await login(t, username);
    expect((await call(`${t.url}/api/auth/logout`, 'POST', token)).body).toEqual({ revoked: 'every token of the account' });
    expect(await meStatus(t, token)).toBe(401);
    expect(await meStatus(t, sibling)).toBe(401);
  } finally {
    await t.close();
  }
});

test('two servers on one database: a revocation made on one closes the sockets and refuses the token on the other within REVOCATION_POLL_MS', async () => {
  const dir = tempDir();
  const env = { JWT_SECRET: 'x'.repeat(48), REVOCATION_POLL_MS: '100' };
  const a = await startServer(env, dir);
  const b = await startServer(env, dir);
  try {
    const { username, token } = await register(a.url, 'replicas');
    const second = await login(a, username);
    const onB = await connect(b.wsUrl, 'general', { token, json: true });
    const otherOnB = await connect(b.wsUrl, 'dev', { token: second, json: true });
    expect(await meStatus(b, token)).toBe(200);

    expect((await call(`${a.url}/api/auth/logout`, 'POST', token)).status).toBe(200);
    expect((await onB.closed).code).toBe(CLOSE_SESSION_REVOKED);
    expect(await meStatus(b, token)).toBe(401);
    expect(otherOnB.ws.readyState).toBe(otherOnB.ws.OPEN);

    expect((await call(`${a.url}/api/auth/logout-all`, 'POST', second)).status).toBe(200);
    expect((await otherOnB.closed).code).toBe(CLOSE_SESSION_REVOKED);
    await eventually(async () => (await meStatus(b, second)) === 401);
  } finally {
    await b.close();
    await a.close();
  }
});
