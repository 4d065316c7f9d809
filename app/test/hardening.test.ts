import path from 'node:path';
import { Writable } from 'node:stream';
import Database from 'better-sqlite3';
import fc from 'fast-check';
import { loadConfig } from '../src/config/config';
import { createLogger } from '../src/logger';
import { createShagramServer, type ShagramServer } from '../src/server';
import { legacyUsernameKey } from '../src/auth/usernames';
import { connect } from './helpers/client';
import { getJson, postJson, register, startServer, tempDir, type TestServer } from './helpers/server';

const PASSWORD = 'plum-kettle-42';
let t: TestServer;
beforeAll(async () => {
  t = await startServer();
});
afterAll(() => t.close());

const registerAs = (username: unknown, password: unknown = PASSWORD) => postJson(`${t.url}/api/auth/register`, { username, password });

describe('case-sensitive routing', () => {
  test.each(['/METRICS', '/Metrics?x=1', '/mEtRiCs'])('%s is not the metrics endpoint', async (p) => {
    const res = await fetch(`${t.url}${p}`);
    expect(res.status).toBe(404);
    expect(await res.text()).not.toContain('# HELP');
  });

  test('/metrics itself still answers (for the private network)', async () => {
    const res = await fetch(`${t.url}/metrics`);
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('# HELP');
  });

  test.each(['/API/AUTH/login', '/Api/Auth/login', '/api/AUTH/login', '/api/auth/LOGIN'])('POST %s is a JSON 404, not a login', async (p) => {
    const res = await postJson(`${t.url}${p}`, { username: 'nobody', password: 'whatever-long' });
    expect(res).toEqual({ status: 404, body: { error: 'not found' } });
  });

  test('other API routes are case-sensitive too', async () => {
    expect((await getJson(`${t.url}/api/ROOMS`)).status).toBe(404);
    expect((await getJson(`${t.url}/api/rooms`)).status).toBe(200);
  });
});

describe('Cache-Control: no-store on tokens and account data', () => {
  test('register, login and their errors, /api/me', async () => {
    const name = `nostore${process.pid}`;
    const reg = await fetch(`${t.url}/api/auth/register`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: name, password: PASSWORD }) });
    expect(reg.status).toBe(201);
    expect(reg.headers.get('cache-control')).toBe('no-store');
    const token = ((await reg.json()) as { access_token: string }).access_token;
    const login = await fetch(`${t.url}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: name, password: PASSWORD }) });
    expect(login.status).toBe(200);
    expect(login.headers.get('cache-control')).toBe('no-store');
    const wrong = await fetch(`${t.url}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"username":"x","password":"y"}' });
    expect(wrong.status).toBe(401);
    expect(wrong.headers.get('cache-control')).toBe('no-store');
    const me = await fetch(`${t.url}/api/me`, { headers: { authorization: `Bearer ${token}` } });
    expect(me.status).toBe(200);
    expect(me.headers.get('cache-control')).toBe('no-store');
    expect(me.headers.get('pragma')).toBe('no-cache');
    expect((await fetch(`${t.url}/api/me`)).headers.get('cache-control')).toBe('no-store');
  });
});

describe('password policy', () => {
  test.each([
    ['        ', /only whitespace/],
    ['\t\t\t\t\n\n\n\n', /only whitespace/],
    ['\u00a0\u2003\u3000\u200b\u00a0\u2003\u3000\u200b', /only whitespace/],
    ['password', /too common/],
    ['Password123', /too common/],
    ['  qwertyuiop  ', /too common/],
    ['12345678', /too common/],
  ])('refuses %j with a 400 that says why', async (password, message) => {
    const res = await registerAs(`pw${process.pid}`, password);
    expect(res.status).toBe(400);
    expect(res.body).toEqual({ error: expect.stringMatching(message) });
  });

  test('refuses the username as the password, in any case', async () => {
    const res = await registerAs('Samantha_Jones', 'samantha_jones');
    expect(res).toEqual({ status: 400, body: { error: 'password must not be the username' } });
  });

  test('accepts a password with spaces inside that is not on the list', async () => {
    expect((await registerAs(`pwok${process.pid}`, '  ok then, a kettle  ')).status).toBe(201);
  });
});

describe('look-alike usernames', () => {
  beforeAll(async () => {
    expect((await registerAs('alice')).status).toBe(201);
  });

  test.each([
    ['\u0430lice', 'Cyrillic а'],
    ['\uff41lice', 'full-width ａ'],
    ['\uff41\uff4c\uff49\uff43\uff45', 'all full-width'],
    ['ALICE', 'upper case'],
    ['aIice', 'capital I for l'],
    ['a1ice', 'digit 1 for l'],
    ['al\u0456ce', 'Cyrillic і'],
    ['\u0251lice', 'Latin alpha'],
    ['\u03b1lice', 'Greek alpha'],
  ])('%j (%s) is refused beside alice', async (name) => {
    const res = await registerAs(name);
    expect(res.status).toBe(409);
    expect(res.body.error).toMatch(/taken|looks the same/);
  });

  test('a full-width name is stored and shown in its NFKC form', async () => {
    const res = await registerAs('\uff42\uff4f\uff42\uff59\uff17');
    expect(res.status).toBe(201);
    const me = await getJson(`${t.url}/api/me`, { authorization: `Bearer ${res.body.access_token}` });
    expect(me.body).toEqual({ username: 'boby7' });
  });

  test.each(['\u3164\u3164', 'ab\u3164', '\u115fname'])('invisible letters (%j) are refused', async (name) => {
    const res = await registerAs(name);
    expect(res.status).toBe(400);
    expect(res.body.error).toMatch(/username/);
  });

  test('logging in with a look-alike of the name reaches that account (only its password opens it)', async () => {
    expect((await postJson(`${t.url}/api/auth/login`, { username: '\u0430lice', password: PASSWORD })).status).toBe(200);
    expect((await postJson(`${t.url}/api/auth/login`, { username: '\u0430lice', password: 'not-the-password' })).status).toBe(401);
  });

  test('distinct names stay distinct', async () => {
    for (const name of ['alicia', 'Эмиль', 'malice', 'bob']) expect((await registerAs(name)).status).toBe(201);
  });

  test('property: replacing letters of a registered name with look-alikes never gives a second account', async () => {
    const twins: Record<string, string[]> = {
      a: ['\u0430', '\uff41', '\u0251', '\u03b1'], c: ['\u0441', '\uff43', '\u217d'], e: ['\u0435', '\uff45'], o: ['\u043e', '\u03bf', '\uff4f', '0'],
      p: ['\u0440', '\u03c1', '\uff50'], x: ['\u0445', '\uff58'], l: ['1', 'I', '\u04cf', '\uff4c'], i: ['\u0456', '\uff49'],
    };
    const base = fc.stringMatching(/^[acelopx]{5,9}$/).map((s) => `${s}${process.pid}`);
    let round = 0;
    let registered = 0;
    await fc.assert(
      fc.asyncProperty(base, fc.array(fc.nat(), { minLength: 16, maxLength: 16 }), async (name, picks) => {
        const unique = `${name}${++round}`;
        const first = await registerAs(unique);
        if (first.status !== 201) return; // an earlier run's look-alike already holds it: also the point
        registered++;
        const lookAlike = [...unique].map((ch, i) => { const options = twins[ch]; return options && (picks[i % picks.length] ?? 0) % 2 === 0 ? options[(picks[i % picks.length] ?? 0) % options.length] : ch; }).join('');
        const second = await registerAs(lookAlike);
        expect(second.status).toBe(409);
      }),
      { numRuns: 15 },
    );
    expect(registered).toBeGreaterThan(10);
  });
});

describe('accounts stored under the old key (before skeleton keys)', () => {
  test('still log in, and their exact name cannot be registered again', async () => {
    const dir = tempDir();
    const first = await startServer({}, dir);
    await first.close();
    // An account as the previous release stored it: NFC, lower-cased key.
    const db = new Database(path.join(dir, 'shagram.db'));
    const hash = 'scrypt$16384$8$1$AAAAAAAAAAAAAAAAAAAAAA==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=';
    db.prepare('INSERT INTO users(username, username_key, password_hash, created_at) VALUES (?, ?, ?, ?)').run('B1ll', legacyUsernameKey('B1ll'), hash, Date.now());
    db.close();
    const second = await startServer({}, dir);
    try {
      const found = await postJson(`${second.url}/api/auth/login`, { username: 'b1ll', password: 'not-the-password' });
      expect(found).toEqual({ status: 401, body: { error: 'wrong username or password' } });
      expect((await postJson(`${second.url}/api/auth/register`, { username: 'B1LL', password: PASSWORD })).status).toBe(409);
    } finally {
      await second.close();
    }
  });
});

describe('the app never logs a token or a password', () => {
  test('debug-level logs of registration, login, API calls with ?token= and a WebSocket session', async () => {
    const lines: string[] = [];
    const sink = new Writable({ write(chunk: Buffer, _encoding, done) { lines.push(chunk.toString()); done(); } });
    const dir = tempDir();
    const config = loadConfig({
      PORT: '0', HOST: '127.0.0.1', DATABASE_PATH: path.join(dir, 'shagram.db'), WS_ALLOWED_ORIGINS: 'http://chat.test',
      AUTH_RATE_LIMIT: '10000/60', MESSAGE_RATE_LIMIT: '10000/10', LOG_LEVEL: 'debug',
    });
    const server: ShagramServer = await createShagramServer(config, createLogger('debug', sink));
    const port = await server.listen();
    const url = `http://127.0.0.1:${port}`;
    try {
      const { token } = await register(url, 'logged');
      await postJson(`${url}/api/auth/login`, { username: 'nobody-here', password: 'secret-password-xyz' });
      await getJson(`${url}/api/messages/general?token=${token}`);
      await getJson(`${url}/api/nowhere?token=${token}`);
      const client = await connect(`ws://127.0.0.1:${port}`, 'general', { token });
      client.ws.send(JSON.stringify({ text: 'hello' }));
      await client.waitForFrames(1);
      client.ws.close();
      await client.closed;
    } finally {
      await server.close();
    }
    const all = lines.join('');
    expect(all).toContain('"msg":"http"');
    expect(all).toContain('"path":"/api/messages/general"');
    expect(all).not.toContain('token=');
    expect(all).not.toContain('secret-password-xyz');
    expect(all).not.toContain('correct horse battery');
    expect(all).not.toMatch(/eyJ[\w-]+\.[\w-]+/);
  });
});
