import jwt from 'jsonwebtoken';
import { getJson, postJson, register, startServer, type TestServer } from './helpers/server';

let t: TestServer;
beforeAll(async () => {
  t = await startServer();
});
afterAll(() => t.close());

describe('POST /api/auth/register', () => {
  test('201 with a token for a new account, Unicode names included', async () => {
    const res = await postJson(`${t.url}/api/auth/register`, { username: 'Эмиль', password: 'пароль-длинный' });
    expect(res.status).toBe(201);
    expect(typeof res.body.access_token).toBe('string');
    const me = await getJson(`${t.url}/api/me`, { authorization: `Bearer ${res.body.access_token}` });
    expect(me).toEqual({ status: 200, body: { username: 'Эмиль' } });
  });

  test('409 when the name is taken, regardless of case', async () => {
    await postJson(`${t.url}/api/auth/register`, { username: 'carol', password: 'plum-kettle-42' });
    const same = await postJson(`${t.url}/api/auth/register`, { username: 'carol', password: 'plum-kettle-42' });
    const upper = await postJson(`${t.url}/api/auth/register`, { username: 'CAROL', password: 'plum-kettle-42' });
    expect(same.status).toBe(409);
    expect(upper.status).toBe(409);
    expect(same.body.error).toMatch(/taken/);
  });

  test.each([
    [{}, /username/],
    [{ username: 'dave' }, /password/],
    [{ username: 'dave', password: 'short' }, /at least 8/],
    [{ username: 'dave', password: 'x'.repeat(129) }, /at most 128/],
    [{ username: '', password: 'plum-kettle-42' }, /username/],
    [{ username: 'a'.repeat(33), password: 'plum-kettle-42' }, /username/],
    [{ username: 'bad name', password: 'plum-kettle-42' }, /username/],
    [{ username: '<script>', password: 'plum-kettle-42' }, /username/],
    [{ username: 42, password: 'plum-kettle-42' }, /username/],
    [{ username: 'dave', password: 12345678 }, /password/],
  ])('400 for %j', async (body, message) => {
    const res = await postJson(`${t.url}/api/auth/register`, body);
    expect(res.status).toBe(400);
    expect(res.body.error).toMatch(message);
  });

  test('400 for malformed JSON and 413 for an oversized body, both as JSON errors', async () => {
    const bad = await postJson(`${t.url}/api/auth/register`, '{"username": ');
    expect(bad).toEqual({ status: 400, body: { error: 'request body is not valid JSON' } });
    const big = await postJson(`${t.url}/api/auth/register`, { username: 'x', password: 'y'.repeat(20000) });
    expect(big).toEqual({ status: 413, body: { error: 'request body too large' } });
  });
});

describe('POST /api/auth/login', () => {
  beforeAll(async () => {
    await postJson(`${t.url}/api/auth/register`, { username: 'alice', password: 'wonderland' });
  });

  test('200 with a token for the right password; the name is case-insensitive', async () => {
    const res = await postJson(`${t.url}/api/auth/login`, { username: 'Alice', password: 'wonderland' });
    expect(res.status).toBe(200);
    const claims = jwt.decode(res.body.access_token) as jwt.JwtPayload;
    expect(claims).toMatchObject({ sub: 'alice', iss: 'shagram' });
    expect(claims.exp! - claims.iat!).toBe(3600);
  });

  test('401 for a wrong password and for an unknown user, with the same message', async () => {
    const wrong = await postJson(`${t.url}/api/auth/login`, { username: 'alice', password: 'not-the-one' });
    const unknown = await postJson(`${t.url}/api/auth/login`, { username: 'nobody', password: 'wonderland' });
    expect(wrong).toEqual({ status: 401, body: { error: 'wrong username or password' } });
    expect(unknown).toEqual(wrong);
  });

  test('a username-only body (what the seed sends) is 400 saying a password is required', async () => {
    const res = await postJson(`${t.url}/api/auth/login`, { username: 'alice' });
    expect(res).toEqual({ status: 400, body: { error: 'password is required' } });
  });

  test('400 for a body without a username', async () => {
    const res = await postJson(`${t.url}/api/auth/login`, { password: 'wonderland' });
    expect(res.status).toBe(400);
    expect(res.body.error).toBe('username is required');
  });
});

describe('GET /api/me', () => {
  test('401 without, with a malformed, and with a foreign token', async () => {
    expect((await getJson(`${t.url}/api/me`)).status).toBe(401);
    expect((await getJson(`${t.url}/api/me`, { authorization: 'Bearer nonsense' })).status).toBe(401);
    const foreign = jwt.sign({ sub: 'alice', iss: 'shagram' }, 'another-secret-another-secret-another-secret', { algorithm: 'HS256' });
    const res = await getJson(`${t.url}/api/me`, { authorization: `Bearer ${foreign}` });
    expect(res).toEqual({ status: 401, body: { error: 'a valid bearer token is required' } });
  });
});

describe('rooms', () => {
  test('GET lists the rooms that exist from the start, sorted', async () => {
    const res = await getJson(`${t.url}/api/rooms`);
    expect(res.status).toBe(200);
    expect(res.body.rooms).toEqual(expect.arrayContaining(['chat', 'dev', 'general']));
    expect([...res.body.rooms].sort()).toEqual(res.body.rooms);
  });

  test('POST creates a room (201), then 409; 401 without a token; 400 for an invalid name', async () => {
    const { token } = await register(t.url);
    const auth = { authorization: `Bearer ${token}` };
    expect(await postJson(`${t.url}/api/rooms`, { name: 'music' }, auth)).toEqual({ status: 201, body: { name: 'music' } });
    expect((await postJson(`${t.url}/api/rooms`, { name: 'music' }, auth)).status).toBe(409);
    expect((await postJson(`${t.url}/api/rooms`, { name: 'films' })).status).toBe(401);
    for (const name of ['Music', '-x', '', 'a'.repeat(33), 'spa ce', 'ü', 5]) {
      const res = await postJson(`${t.url}/api/rooms`, { name }, auth);
      expect(res.status).toBe(400);
      expect(typeof res.body.error).toBe('string');
    }
    expect((await getJson(`${t.url}/api/rooms`)).body.rooms).toContain('music');
  });
});

describe('GET /api/messages/:room', () => {
  test('empty history for an existing room, 404 for an unknown one, 400 for an invalid name', async () => {
    expect(await getJson(`${t.url}/api/messages/dev`)).toEqual({ status: 200, body: { messages: [] } });
    expect(await getJson(`${t.url}/api/messages/no-such-room`)).toEqual({ status: 404, body: { error: 'room not found' } });
    expect((await getJson(`${t.url}/api/messages/BAD%20NAME`)).status).toBe(400);
  });

  test('the last 50 newest first, then paging back with before and limit', async () => {
    const store = t.server.store;
    await store.createRoom('paging');
    await store.insertMessages(
      Array.from({ length: 120 }, (_, i) => ({ room: 'paging', user: 'bot', text: `m${i}`, createdAt: new Date().toISOString() })),
    );
    const first = await getJson(`${t.url}/api/messages/paging`);
    expect(first.body.messages).toHaveLength(50);
    expect(first.body.messages[0]).toMatchObject({ room_id: 'paging', user: 'bot', text: 'm119' });
    expect(Object.keys(first.body.messages[0]).sort()).toEqual(['created_at', 'id', 'room_id', 'text', 'user']);
    const ids = first.body.messages.map((m: { id: number }) => m.id);
    expect([...ids].sort((a, b) => b - a)).toEqual(ids);

    const oldest = ids[ids.length - 1];
    const page = await getJson(`${t.url}/api/messages/paging?before=${oldest}&limit=200`);
    expect(page.body.messages).toHaveLength(70);
    expect(page.body.messages[0].id).toBe(oldest - 1);
    expect(page.body.messages[69].text).toBe('m0');

    const small = await getJson(`${t.url}/api/messages/paging?limit=1`);
    expect(small.body.messages.map((m: { text: string }) => m.text)).toEqual(['m119']);
  });

  test.each(['limit=0', 'limit=201', 'limit=abc', 'before=-1', 'before=1.5', 'limit=1&limit=2'])('400 for ?%s', async (query) => {
    const res = await getJson(`${t.url}/api/messages/general?${query}`);
    expect(res.status).toBe(400);
    expect(typeof res.body.error).toBe('string');
  });
});

describe('ops endpoints and hardening', () => {
  test('/healthz, /readyz and /metrics', async () => {
    expect(await getJson(`${t.url}/healthz`)).toEqual({ status: 200, body: { status: 'ok' } });
    expect((await getJson(`${t.url}/readyz`)).status).toBe(200);
    const metrics = await (await fetch(`${t.url}/metrics`)).text();
    for (const name of ['shagram_ws_connections', 'shagram_messages_stored_total', 'shagram_broadcast_fanout_seconds', 'shagram_http_request_duration_seconds']) {
      expect(metrics).toContain(name);
    }
  });

  test('security headers: a CSP that admits only the app itself', async () => {
    const res = await fetch(`${t.url}/`);
    expect(res.status).toBe(200);
    const csp = res.headers.get('content-security-policy')!;
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("connect-src 'self'");
    expect(csp).not.toContain('unsafe-inline');
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('x-powered-by')).toBeNull();
  });

  test('the cached default history page (answered before Express) has the same body and headers as the first, uncached answer', async () => {
    await t.server.store.createRoom('fast-path');
    await t.server.store.insertMessages([{ room: 'fast-path', user: 'bot', text: 'hello', createdAt: new Date().toISOString() }]);
    const headersOf = (res: Response) => [...res.headers.entries()].filter(([name]) => name !== 'date').sort();
    const cold = await fetch(`${t.url}/api/messages/fast-path`); // Express: reads and caches the page
    const warm = await fetch(`${t.url}/api/messages/fast-path`); // the fast path: a cache hit
    expect(await warm.text()).toBe(await cold.text());
    expect(warm.status).toBe(200);
    expect(headersOf(warm)).toEqual(headersOf(cold));
    expect(warm.headers.get('content-security-policy')).toContain("default-src 'self'");
    const metrics = await (await fetch(`${t.url}/metrics`)).text();
    expect(metrics).toMatch(/shagram_http_request_duration_seconds_count\{method="GET",route="\/api\/messages\/:room",status="200"\} [2-9]/);
    // Not the default page, or not a hit: Express answers (and validates) as before.
    expect((await getJson(`${t.url}/api/messages/fast-path?limit=0`)).status).toBe(400);
    expect((await getJson(`${t.url}/api/messages/no-such-room-here`)).status).toBe(404);
    expect((await fetch(`${t.url}/api/messages/fast-path`, { method: 'POST' })).status).toBe(404);
  });

  test('unknown API routes are JSON 404s', async () => {
    expect(await getJson(`${t.url}/api/nothing`)).toEqual({ status: 404, body: { error: 'not found' } });
  });
});

describe('auth rate limit', () => {
  test('requests over AUTH_RATE_LIMIT get 429 with a JSON error', async () => {
    const limited = await startServer({ AUTH_RATE_LIMIT: '3/60' });
    try {
      const statuses: number[] = [];
      for (let i = 0; i < 5; i++) statuses.push((await postJson(`${limited.url}/api/auth/login`, { username: 'x', password: 'y' })).status);
      expect(statuses.slice(0, 3)).toEqual([401, 401, 401]);
      expect(statuses.slice(3)).toEqual([429, 429]);
      const res = await postJson(`${limited.url}/api/auth/login`, { username: 'x', password: 'y' });
      expect(res.body).toEqual({ error: 'too many requests, try again later' });
      // other endpoints are not limited
      expect((await getJson(`${limited.url}/api/rooms`)).status).toBe(200);
    } finally {
      await limited.close();
    }
  });
});
