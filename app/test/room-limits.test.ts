import path from 'node:path';
import Database from 'better-sqlite3';
import { ConfigError, loadConfig } from '../src/config/config';
import { getJson, postJson, register, startServer, tempDir, type TestServer } from './helpers/server';

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

describe('room creation is limited per account', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startServer({ ROOM_CREATE_RATE_LIMIT: '3/60', ROOMS_PER_ACCOUNT: '100' });
  });
  afterAll(() => t.close());

  test('a 4th room within the window is refused with 429 naming the limit; refused requests do not count; others are unaffected', async () => {
    const { token } = await register(t.url, 'maker');
    expect((await postJson(`${t.url}/api/rooms`, { name: 'rate-1' }, bearer(token))).status).toBe(201);
    // taken and invalid names are refused and give their slot back
    expect((await postJson(`${t.url}/api/rooms`, { name: 'rate-1' }, bearer(token))).status).toBe(409);
    expect((await postJson(`${t.url}/api/rooms`, { name: 'Bad Name' }, bearer(token))).status).toBe(400);
    expect((await postJson(`${t.url}/api/rooms`, { name: 'rate-2' }, bearer(token))).status).toBe(201);
    expect((await postJson(`${t.url}/api/rooms`, { name: 'rate-3' }, bearer(token))).status).toBe(201);
    const refused = await postJson(`${t.url}/api/rooms`, { name: 'rate-4' }, bearer(token));
    expect(refused).toEqual({
      status: 429,
      body: { error: 'room creation rate limit reached: an account may create 3 rooms per 60 s, try again later', limit: 'ROOM_CREATE_RATE_LIMIT' },
    });
    expect(await t.server.store.roomExists('rate-4')).toBe(false);
    const other = await register(t.url, 'maker');
    expect((await postJson(`${t.url}/api/rooms`, { name: 'rate-4' }, bearer(other.token))).status).toBe(201);
  });

  test('300 creations in a burst from one token make only as many rooms as the rate limit allows', async () => {
    const { token } = await register(t.url, 'flood');
    const statuses = await Promise.all(
      Array.from({ length: 300 }, (_, i) => postJson(`${t.url}/api/rooms`, { name: `flood-${i}` }, bearer(token)).then((res) => res.status)),
    );
    expect(statuses.filter((status) => status === 201)).toHaveLength(3);
    expect(statuses.filter((status) => status === 429)).toHaveLength(297);
  });
});

describe('room quota', () => {
  let dir: string;
  let t: TestServer;
  beforeAll(async () => {
    dir = tempDir();
    t = await startServer({ ROOM_CREATE_RATE_LIMIT: '1000/60', ROOMS_PER_ACCOUNT: '2' }, dir);
  });
  afterAll(() => t.close());

  test('past ROOMS_PER_ACCOUNT rooms the account gets 403 naming the limit, also when the requests race, and after a restart', async () => {
    const alice = await register(t.url, 'quota');
    const statuses = await Promise.all(
      Array.from({ length: 10 }, (_, i) => postJson(`${t.url}/api/rooms`, { name: `q-${i}` }, bearer(alice.token)).then((res) => res.status)),
    );
    expect(statuses.filter((status) => status === 201)).toHaveLength(2);
    expect(statuses.filter((status) => status === 403)).toHaveLength(8);
    const refused = await postJson(`${t.url}/api/rooms`, { name: 'q-late' }, bearer(alice.token));
    expect(refused).toEqual({ status: 403, body: { error: 'room quota reached: an account may create at most 2 rooms', limit: 'ROOMS_PER_ACCOUNT' } });

    // the creator is recorded in the database file; seeded rooms have none
    const db = new Database(path.join(dir, 'shagram.db'), { readonly: true });
    const rows = db.prepare<[], { name: string; created_by: string | null }>("SELECT name, created_by FROM rooms WHERE name LIKE 'q-%' OR name = 'general' ORDER BY name").all();
    db.close();
    expect(rows.filter((row) => row.name !== 'general').map((row) => row.created_by)).toEqual([alice.username, alice.username]);
    expect(rows.find((row) => row.name === 'general')?.created_by).toBeNull();

    // the quota is counted in the database: a restart does not reset it
    await t.close();
    t = await startServer({ ROOM_CREATE_RATE_LIMIT: '1000/60', ROOMS_PER_ACCOUNT: '2' }, dir);
    const login = await postJson(`${t.url}/api/auth/login`, { username: alice.username, password: 'correct horse battery' });
    expect((await postJson(`${t.url}/api/rooms`, { name: 'q-after' }, bearer(login.body.access_token))).status).toBe(403);
    const bob = await register(t.url, 'quota');
    expect((await postJson(`${t.url}/api/rooms`, { name: 'q-after' }, bearer(bob.token))).status).toBe(201);
  });
});

describe('GET /api/rooms pages', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startServer({ ROOM_CREATE_RATE_LIMIT: '1000/60', ROOMS_PER_ACCOUNT: '1000' });
    for (let i = 0; i < 60; i++) await t.server.store.createRoom(`p-${String(i).padStart(2, '0')}`);
  });
  afterAll(() => t.close());

  test('50 names by default with has_more and next; following next reads every room once, in order, to has_more false', async () => {
    const first = await getJson(`${t.url}/api/rooms`);
    expect(first.status).toBe(200);
    expect(first.body.rooms).toHaveLength(50);
    expect(first.body).toMatchObject({ has_more: true, next: first.body.rooms[49] });
    const seen: string[] = [];
    let after: string | null = null;
    for (;;) {
      const page: { status: number; body: { rooms: string[]; has_more: boolean; next: string | null } } = await getJson(
        `${t.url}/api/rooms?limit=7${after === null ? '' : `&after=${after}`}`,
      );
      expect(page.status).toBe(200);
      expect(page.body.rooms.length).toBeLessThanOrEqual(7);
      seen.push(...page.body.rooms);
      if (!page.body.has_more) {
        expect(page.body.next).toBeNull();
        break;
      }
      after = page.body.next;
    }
    expect(seen).toHaveLength(63);
    expect(seen).toEqual([...new Set(seen)].sort());
    expect(seen).toEqual(expect.arrayContaining(['chat', 'dev', 'general', 'p-00', 'p-59']));
  });

  test('an exact last page says has_more false; a page after the last name is empty', async () => {
    const all = (await getJson(`${t.url}/api/rooms?limit=200`)).body;
    expect(all).toMatchObject({ has_more: false, next: null });
    expect(all.rooms).toHaveLength(63);
    expect((await getJson(`${t.url}/api/rooms?limit=63`)).body).toMatchObject({ has_more: false, next: null });
    expect((await getJson(`${t.url}/api/rooms?limit=62`)).body).toMatchObject({ has_more: true, next: all.rooms[61] });
    expect((await getJson(`${t.url}/api/rooms?after=p-59`)).body).toEqual({ rooms: [], has_more: false, next: null });
  });

  test.each([['limit=0'], ['limit=201'], ['limit=x'], ['after=Bad%20Name'], ['limit=5&limit=6']])('400 for ?%s', async (query) => {
    const res = await getJson(`${t.url}/api/rooms?${query}`);
    expect(res.status).toBe(400);
    expect(typeof res.body.error).toBe('string');
  });
});

describe('configuration of the limits', () => {
  const base = () => ({ DATABASE_PATH: path.join(tempDir(), 'shagram.db') });

  test('defaults: 5 rooms per 60 s, 20 per account, revocations read every 2 s, 100,000 revoked ids held', () => {
    const config = loadConfig(base());
    expect(config.roomCreateRate).toEqual({ count: 5, windowMs: 60_000 });
    expect(config.roomsPerAccount).toBe(20);
    expect(config.revocationPollMs).toBe(2000);
    expect(config.revokedTokensMax).toBe(100_000);
  });

  test.each([
    ['ROOM_CREATE_RATE_LIMIT', 'lots'],
    ['ROOM_CREATE_RATE_LIMIT', '0/60'],
    ['ROOMS_PER_ACCOUNT', '0'],
    ['ROOMS_PER_ACCOUNT', '-3'],
    ['REVOCATION_POLL_MS', '60001'],
    ['REVOKED_TOKENS_MAX', 'many'],
  ])('%s=%s stops the start with an error naming the variable', (name, value) => {
    expect(() => loadConfig({ ...base(), [name]: value })).toThrow(ConfigError);
    expect(() => loadConfig({ ...base(), [name]: value })).toThrow(new RegExp(`^${name}: `));
  });
});
