import path from 'node:path';
import { connect } from './helpers/client';
import { killAll, spawnServer, runUntilExit } from './helpers/process';
import { getJson, postJson, tempDir } from './helpers/server';

const ORIGIN = 'http://chat.test';

afterEach(killAll);

describe('durability', () => {
  test('every broadcast message survives SIGKILL; accounts and rooms survive too', async () => {
    const dir = tempDir();
    const env = { DATABASE_PATH: path.join(dir, 'shagram.db'), WS_ALLOWED_ORIGINS: ORIGIN, MESSAGE_RATE_LIMIT: '100000/1' };
    const first = await spawnServer(env);
    const reg = await postJson(`${first.url}/api/auth/register`, { username: 'durable', password: 'plum-kettle-42' });
    const token = reg.body.access_token as string;
    await postJson(`${first.url}/api/rooms`, { name: 'kept' }, { authorization: `Bearer ${token}` });

    const listener = await connect(first.wsUrl, 'kept', { token, origin: ORIGIN });
    const senders = await Promise.all([0, 1, 2].map(() => connect(first.wsUrl, 'kept', { token, origin: ORIGIN })));
    for (let i = 0; i < 300; i++) senders[i % 3]!.send(`msg-${i}`);
    // kill the moment 200 broadcasts have arrived: more may be in flight, none may be lost
    await listener.waitForFrames(200, 15000);
    first.child.kill('SIGKILL');
    await first.exited;
    const broadcast = listener.frames.map((frame) => frame.replace(/^durable: /, ''));

    const second = await spawnServer(env);
    try {
      const history = await getJson(`${second.url}/api/messages/kept?limit=200`);
      const older = history.body.messages.length === 200
        ? (await getJson(`${second.url}/api/messages/kept?limit=200&before=${history.body.messages[199].id}`)).body.messages
        : [];
      const stored = new Set([...history.body.messages, ...older].map((m: { text: string }) => m.text));
      const lost = broadcast.filter((text) => !stored.has(text));
      expect(lost).toEqual([]);
      expect(stored.size).toBeGreaterThanOrEqual(200);
      const login = await postJson(`${second.url}/api/auth/login`, { username: 'durable', password: 'plum-kettle-42' });
      expect(login.status).toBe(200);
      expect((await getJson(`${second.url}/api/rooms`)).body.rooms).toContain('kept');
    } finally {
      second.child.kill('SIGTERM');
      await second.exited;
    }
  });
});

describe('graceful shutdown', () => {
  test('SIGTERM closes WebSockets with 1001, commits what was sent, and the process exits 0', async () => {
    const dir = tempDir();
    const server = await spawnServer({ DATABASE_PATH: path.join(dir, 'shagram.db'), WS_ALLOWED_ORIGINS: ORIGIN });
    const reg = await postJson(`${server.url}/api/auth/register`, { username: 'leaver', password: 'plum-kettle-42' });
    const clients = await Promise.all(
      ['general', 'dev'].map((room) => connect(server.wsUrl, room, { token: reg.body.access_token, origin: ORIGIN })),
    );
    // a message sent right before SIGTERM is committed before the exit
    clients[0]!.send('last words');
    await clients[0]!.waitForFrames(1);
    const started = Date.now();
    server.child.kill('SIGTERM');
    const closes = await Promise.all(clients.map((client) => client.closed));
    expect(closes.map((close) => close.code)).toEqual([1001, 1001]);
    expect(await server.exited).toEqual({ code: 0, signal: null });
    expect(Date.now() - started).toBeLessThan(10000);
    expect(server.stdout()).toContain('"msg":"stopped"');

    const again = await spawnServer({ DATABASE_PATH: path.join(dir, 'shagram.db'), WS_ALLOWED_ORIGINS: ORIGIN });
    try {
      const history = await getJson(`${again.url}/api/messages/general`);
      expect(history.body.messages.map((m: { text: string }) => m.text)).toEqual(['last words']);
    } finally {
      again.child.kill('SIGTERM');
      await again.exited;
    }
  });
});

describe('configuration errors stop the start with one readable line and exit 1', () => {
  test.each([
    [{ NODE_ENV: 'production', WS_ALLOWED_ORIGINS: ORIGIN }, /JWT_SECRET: is required when NODE_ENV=production/],
    [{ NODE_ENV: 'production', JWT_SECRET: 'short', WS_ALLOWED_ORIGINS: ORIGIN }, /JWT_SECRET: must be at least 32 bytes/],
    [{ NODE_ENV: 'production', JWT_SECRET: 'x'.repeat(40) }, /WS_ALLOWED_ORIGINS: is required/],
    [{ PORT: 'eighty' }, /PORT: must be a whole number/],
    [{ MESSAGE_RATE_LIMIT: 'lots' }, /MESSAGE_RATE_LIMIT: must look like/],
    [{ WS_ALLOWED_ORIGINS: 'chat.example.com' }, /WS_ALLOWED_ORIGINS: "chat.example.com" is not an origin/],
    [{ DATABASE_URL: 'mysql://root:hunter2@db/chat' }, /DATABASE_URL: must be a postgres:\/\/ or postgresql:\/\/ URL/],
    [{ REDIS_URL: 'redis://127.0.0.1:6379' }, /REDIS_URL: needs DATABASE_URL as well/],
    [{ DATABASE_URL: 'postgres://127.0.0.1:9/x', REDIS_URL: 'redis://127.0.0.1:9' }, /JWT_SECRET: is required with REDIS_URL/],
    [{ DATABASE_URL: 'postgres://shagram:hunter2@127.0.0.1:9/shagram' }, /cannot reach PostgreSQL at postgres:\/\/shagram@127\.0\.0\.1:9\/shagram/],
  ])('%j', async (env, message) => {
    const { code, stderr } = await runUntilExit({ DATABASE_PATH: path.join(tempDir(), 'x.db'), ...env });
    expect(code).toBe(1);
    expect(stderr.trim().split('\n')).toHaveLength(1);
    expect(stderr).toMatch(message);
    expect(stderr).not.toContain('hunter2');
  });
});
