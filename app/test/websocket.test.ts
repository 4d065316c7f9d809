import http from 'node:http';
import { WebSocket } from 'ws';
import { connect, refusedStatus, type ChatClient } from './helpers/client';
import { register, startServer, type TestServer } from './helpers/server';

let t: TestServer;
let alice: { username: string; token: string };
let bob: { username: string; token: string };
const open: ChatClient[] = [];

/** Sends a WebSocket upgrade request and reads the refusal (status and JSON body). */
function upgradeRefusal(url: string): Promise<{ status: number | undefined; body: unknown }> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, {
      headers: { connection: 'Upgrade', upgrade: 'websocket', origin: 'http://chat.test', 'sec-websocket-version': '13', 'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==' },
    });
    req.on('upgrade', () => reject(new Error('the upgrade was accepted')));
    req.on('response', (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode, body: JSON.parse(text) }));
    });
    req.on('error', reject);
  });
}

async function join(room: string, token: string, options: { json?: boolean; since?: number } = {}): Promise<ChatClient> {
  const client = await connect(t.wsUrl, room, { token, ...options });
  open.push(client);
  return client;
}

beforeAll(async () => {
  // a short presence grace, so a departure shows within the test
  t = await startServer({ MESSAGE_RATE_LIMIT: '1000/10', PRESENCE_GRACE_MS: '300' });
  alice = await register(t.url, 'alice');
  bob = await register(t.url, 'bob');
});
afterEach(async () => {
  await Promise.all(open.splice(0).map((client) => client.close()));
});
afterAll(() => t.close());

describe('upgrade checks (before any WebSocket exists)', () => {
  test('401 without a token or with an invalid one', async () => {
    expect(await refusedStatus(t.wsUrl, 'general', {})).toBe(401);
    expect(await refusedStatus(t.wsUrl, 'general', { token: 'not-a-token' })).toBe(401);
  });

  test('403 for a missing or foreign Origin', async () => {
    expect(await refusedStatus(t.wsUrl, 'general', { token: alice.token, origin: null })).toBe(403);
    expect(await refusedStatus(t.wsUrl, 'general', { token: alice.token, origin: 'http://evil.test' })).toBe(403);
    expect(await refusedStatus(t.wsUrl, 'general', { token: alice.token, origin: 'http://chat.test:8080' })).toBe(403);
  });

  test('400 for an invalid room name or since; 404 for another path', async () => {
    expect(await refusedStatus(t.wsUrl, 'BAD', { token: alice.token })).toBe(400);
    expect(await refusedStatus(t.wsUrl, 'general', { token: alice.token, since: -1 })).toBe(400);
    expect(await refusedStatus(`${t.wsUrl}/other`, 'x', { token: alice.token })).toBe(404);
  });

  test('joining a room that does not exist is refused with 404 and creates nothing; once created by POST it can be joined', async () => {
    const refused = await upgradeRefusal(`${t.url}/ws/brand-new?token=${alice.token}`);
    expect(refused).toEqual({ status: 404, body: { error: 'room not found; create it first (POST /api/rooms)' } });
    expect(await refusedStatus(t.wsUrl, 'brand-new', { token: alice.token })).toBe(404);
    expect(await t.server.store.roomExists('brand-new')).toBe(false);
    const created = await fetch(`${t.url}/api/rooms`, {
      method: 'POST',
      headers: { authorization: `Bearer ${alice.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'brand-new' }),
    });
    expect(created.status).toBe(201);
    const client = await join('brand-new', alice.token);
    expect(client.ws.readyState).toBe(client.ws.OPEN);
  });
});

describe('plain (seed-compatible) mode', () => {
  test('a message reaches everyone in the room, sender included, as "user: text" — and no other room', async () => {
    const a = await join('general', alice.token);
    const b = await join('general', bob.token);
    const elsewhere = await join('dev', bob.token);
    a.send('  hello there  ');
    expect(await a.waitForFrames(1)).toEqual([`${alice.username}: hello there`]);
    expect(await b.waitForFrames(1)).toEqual([`${alice.username}: hello there`]);
    b.send('hi alice');
    expect((await a.waitForFrames(2))[1]).toBe(`${bob.username}: hi alice`);
    // the dev room hears its own message but never general's
    elsewhere.send('only dev');
    expect(await elsewhere.waitForFrames(1)).toEqual([`${bob.username}: only dev`]);
    expect(a.frames).toHaveLength(2);
  });

  test('the cached history page is refreshed by every commit into its room', async () => {
    const before = (await (await fetch(`${t.url}/api/messages/dev`)).json()) as { messages: Array<{ text: string }> };
    const a = await join('dev', alice.token);
    a.send('fresh');
    await a.waitForFrames(1);
    const after = (await (await fetch(`${t.url}/api/messages/dev`)).json()) as { messages: Array<{ text: string }> };
    expect(after.messages).toHaveLength(Math.min(50, before.messages.length + 1));
    expect(after.messages[0]!.text).toBe('fresh');
  });

  test('empty text and non-JSON frames are ignored, the connection stays open', async () => {
    const a = await join('chat', alice.token);
    a.ws.send('not json at all');
    a.ws.send(JSON.stringify({ text: '    ' }));
    a.ws.send(JSON.stringify({ nottext: 1 }));
    a.ws.send(Buffer.from([0, 1, 2]));
    a.send('still here');
    expect(await a.waitForFrames(1)).toEqual([`${alice.username}: still here`]);
    expect(a.ws.readyState).toBe(WebSocket.OPEN);
  });
});

describe('JSON mode (shagram.json subprotocol)', () => {
  test('message events carry the database id; presence on join and leave', async () => {
    // a room of its own: users of earlier tests are still within the grace in theirs
    await t.server.store.createRoom('lobby');
    const a = await join('lobby', alice.token, { json: true });
    expect(a.ws.protocol).toBe('shagram.json');
    expect(await a.waitForEvent((e) => e.type === 'presence')).toEqual({ type: 'presence', room: 'lobby', users: [alice.username] });

    const b = await join('lobby', bob.token, { json: true });
    const both = await a.waitForEvent((e) => e.type === 'presence' && e.users.length === 2);
    expect(both.users).toEqual([alice.username, bob.username].sort());

    b.send('json hello');
    const event = await a.waitForEvent((e) => e.type === 'message');
    expect(event).toMatchObject({ type: 'message', room: 'lobby', user: bob.username, text: 'json hello' });
    expect(Number.isInteger(event.id)).toBe(true);
    expect(new Date(event.created_at).toISOString()).toBe(event.created_at);
    const history = (await (await fetch(`${t.url}/api/messages/lobby?limit=1`)).json()) as { messages: Array<{ id: number }> };
    expect(history.messages[0]!.id).toBe(event.id);

    // bob drops and is back within the grace: his new socket is sent the list, alice is sent nothing
    let seen = a.frames.length;
    await b.close();
    open.splice(open.indexOf(b), 1);
    const again = await join('lobby', bob.token, { json: true });
    expect(await again.waitForEvent((e) => e.type === 'presence')).toEqual({ type: 'presence', room: 'lobby', users: [alice.username, bob.username].sort() });
    again.send('back');
    await a.waitForEvent((e) => e.type === 'message' && e.text === 'back', seen);
    expect(a.events().slice(seen).filter((e) => e.type === 'presence')).toEqual([]);

    // gone for longer than the grace: alice sees him leave
    seen = a.frames.length;
    await again.close();
    open.splice(open.indexOf(again), 1);
    expect(await a.waitForEvent((e) => e.type === 'presence', seen)).toEqual({ type: 'presence', room: 'lobby', users: [alice.username] });
  });

  test('too-long text gets a too_long error, a bad frame gets bad_frame, nothing is stored', async () => {
    const a = await join('dev', alice.token, { json: true });
    a.send('x'.repeat(4001));
    expect(await a.waitForEvent((e) => e.type === 'error')).toMatchObject({ type: 'error', code: 'too_long' });
    const seen = a.frames.length;
    a.ws.send('{"text": ');
    expect(await a.waitForEvent((e) => e.type === 'error', seen)).toMatchObject({ code: 'bad_frame' });
    // exactly 4000 characters (counted as code points, emoji included) is accepted
    const longest = '😀'.repeat(4000);
    a.send(longest);
    expect((await a.waitForEvent((e) => e.type === 'message')).text).toBe(longest);
  });

  test('since replays what was missed (oldest first), then goes live — nothing twice, nothing lost', async () => {
    await t.server.store.createRoom('replay');
    const writer = await join('replay', alice.token, { json: true });
    const ids: number[] = [];
    for (let i = 0; i < 5; i++) {
      writer.send(`m${i}`);
      ids.push((await writer.waitForEvent((e) => e.type === 'message' && e.text === `m${i}`)).id);
    }
    const late = await join('replay', bob.token, { json: true, since: ids[1] });
    writer.send('live');
    const live = await late.waitForEvent((e) => e.type === 'message' && e.text === 'live');
    const messages = late.events().filter((e) => e.type === 'message');
    expect(messages.map((e) => e.text)).toEqual(['m2', 'm3', 'm4', 'live']);
    expect(live.id).toBeGreaterThan(ids[4]!);
  });

  test('since replay is capped at 500 messages', async () => {
    await t.server.store.createRoom('bulk');
    await t.server.store.insertMessages(Array.from({ length: 600 }, (_, i) => ({ room: 'bulk', user: 'bot', text: `b${i}`, createdAt: new Date().toISOString() })));
    const c = await join('bulk', alice.token, { json: true, since: 0 });
    await c.waitForFrames(501);
    const texts = c.events().filter((e) => e.type === 'message').map((e) => e.text);
    expect(texts).toHaveLength(500);
    expect(texts[0]).toBe('b0');
    expect(texts[499]).toBe('b499');
  });
});

describe('abuse', () => {
  test('a frame over 64 KiB closes that connection with 1009; others and the server live on', async () => {
    const victim = await join('general', alice.token);
    const bystander = await join('general', bob.token);
    victim.ws.send(JSON.stringify({ text: 'x'.repeat(70 * 1024) }));
    expect((await victim.closed).code).toBe(1009);
    bystander.send('after the flood');
    expect(await bystander.waitForFrames(1)).toEqual([`${bob.username}: after the flood`]);
    expect((await fetch(`${t.url}/healthz`)).status).toBe(200);
  });

  test('the message rate limit (per account; here one connection) drops frames over the limit with rate_limited', async () => {
    const limited = await startServer({ MESSAGE_RATE_LIMIT: '3/60' });
    try {
      const user = await register(limited.url);
      const c = await connect(limited.wsUrl, 'general', { token: user.token, json: true });
      for (let i = 0; i < 5; i++) c.send(`r${i}`);
      await c.waitForEvent((e) => e.type === 'error' && e.code === 'rate_limited');
      await c.waitForFrames(6); // presence + 3 messages + 2 errors
      const events = c.events();
      expect(events.filter((e) => e.type === 'message').map((e) => e.text)).toEqual(['r0', 'r1', 'r2']);
      expect(events.filter((e) => e.type === 'error').map((e) => e.code)).toEqual(['rate_limited', 'rate_limited']);
      const stored = (await (await fetch(`${limited.url}/api/messages/general`)).json()) as { messages: unknown[] };
      expect(stored.messages).toHaveLength(3);
      await c.close();
    } finally {
      await limited.close();
    }
  });

  test('heartbeat: a peer that does not answer pings is dropped', async () => {
    const beat = await startServer({ WS_HEARTBEAT_MS: '100' });
    try {
      const user = await register(beat.url);
      const silent = await connect(beat.wsUrl, 'general', { token: user.token, autoPong: false });
      const polite = await connect(beat.wsUrl, 'general', { token: user.token });
      expect((await silent.closed).code).toBe(1006);
      expect(polite.ws.readyState).toBe(WebSocket.OPEN);
      await polite.close();
    } finally {
      await beat.close();
    }
  });

  test('a slow consumer is cut off instead of growing memory', async () => {
    const slow = await startServer({ WS_MAX_BUFFERED_BYTES: '65536' });
    try {
      const user = await register(slow.url);
      const reader = await connect(slow.wsUrl, 'general', { token: user.token });
      const sender = await connect(slow.wsUrl, 'general', { token: user.token });
      // the reader stops reading: its kernel buffers fill, then the server's send buffer grows
      (reader.ws as unknown as { _socket: { pause(): void } })._socket.pause();
      const text = 'y'.repeat(3900);
      const deadline = Date.now() + 20000;
      while (slow.server.gateway.hub.size > 1 && Date.now() < deadline) {
        for (let i = 0; i < 50; i++) sender.send(text);
        await sender.waitForFrames(sender.frames.length + 50);
      }
      expect(slow.server.gateway.hub.size).toBe(1);
      expect(sender.ws.readyState).toBe(WebSocket.OPEN);
      await sender.close();
    } finally {
      await slow.close();
    }
  });
});
