import { connect, type ChatClient } from './helpers/client';
import { register, startServer, type TestServer } from './helpers/server';
import { isTypingFrame, MAX_TYPING_FRAME_BYTES, typingEvent } from '../src/ws/frames';
import { TYPING_MIN_INTERVAL_MS } from '../src/ws/gateway';

// The typing signal: `{"type":"typing"}` from a JSON-mode client, passed on to the room's other JSON-mode
// members as `{"type":"typing","room","user"}`; never stored, never sent to plain readers, at most one per
// connection per TYPING_MIN_INTERVAL_MS, and outside the account's message rate limit.

describe('the typing frame', () => {
  test('only a short JSON object whose type is "typing" is one', () => {
    expect(isTypingFrame('{"type":"typing"}', false)).toBe(true);
    expect(isTypingFrame(Buffer.from(' { "type" : "typing" } '), false)).toBe(true);
    expect(isTypingFrame('{"type":"typing","text":"ignored"}', false)).toBe(true);
    expect(isTypingFrame('{"type":"typing"}', true)).toBe(false); // binary
    expect(isTypingFrame('{"type":"Typing"}', false)).toBe(false);
    expect(isTypingFrame('{"type":["typing"]}', false)).toBe(false);
    expect(isTypingFrame('["typing"]', false)).toBe(false);
    expect(isTypingFrame('"typing"', false)).toBe(false);
    expect(isTypingFrame('{"type":"typing"', false)).toBe(false);
    expect(isTypingFrame('{"text":"hello"}', false)).toBe(false);
    expect(isTypingFrame(`{"type":"typing","pad":"${'x'.repeat(MAX_TYPING_FRAME_BYTES)}"}`, false)).toBe(false);
    expect(JSON.parse(typingEvent('general', 'alice'))).toEqual({ type: 'typing', room: 'general', user: 'alice' });
  });
});

describe('typing signals between real clients', () => {
  let t: TestServer;
  let alice: { username: string; token: string };
  let bob: { username: string; token: string };
  const open: ChatClient[] = [];
  let roomCounter = 0;

  async function freshRoom(): Promise<string> {
    const room = `typing-${++roomCounter}`;
    await t.server.store.createRoom(room);
    return room;
  }

  async function join(room: string, token: string, json: boolean): Promise<ChatClient> {
    const client = await connect(t.wsUrl, room, { token, json });
    open.push(client);
    return client;
  }

  /** Waits until presence in `room` (seen by `client`) lists `count` users: every peer has joined. */
  async function presenceOf(client: ChatClient, count: number): Promise<void> {
    await client.waitForEvent((e) => e.type === 'presence' && e.users.length === count);
  }

  beforeAll(async () => {
    // A tight message limit: typing must not take from it.
    t = await startServer({ MESSAGE_RATE_LIMIT: '3/60' });
    alice = await register(t.url, 'alice');
    bob = await register(t.url, 'bob');
  });
  afterEach(async () => {
    await Promise.all(open.splice(0).map((client) => client.close()));
  });
  afterAll(() => t.close());

  test('reaches the other JSON members only: not the sender, not its own other tabs, not plain readers; nothing is stored', async () => {
    const room = await freshRoom();
    const bobJson = await join(room, bob.token, true);
    const bobPlain = await join(room, bob.token, false);
    const aliceOther = await join(room, alice.token, true);
    const aliceTyping = await join(room, alice.token, true);
    await presenceOf(bobJson, 2);

    aliceTyping.ws.send(JSON.stringify({ type: 'typing' }));
    const event = await bobJson.waitForEvent((e) => e.type === 'typing');
    expect(event).toEqual({ type: 'typing', room, user: alice.username });

    // A message afterwards is each reader's next frame: nothing typing-related came before it.
    aliceTyping.send('after typing');
    expect(await bobPlain.waitForFrames(1)).toEqual([`${alice.username}: after typing`]);
    for (const client of [aliceOther, aliceTyping]) {
      await client.waitForEvent((e) => e.type === 'message' && e.text === 'after typing');
      expect(client.events().filter((e) => e.type === 'typing')).toEqual([]);
    }
    const history = (await (await fetch(`${t.url}/api/messages/${room}`)).json()) as { messages: Array<{ text: string }> };
    expect(history.messages.map((m) => m.text)).toEqual(['after typing']);
  });

  test('a plain-mode client sending a typing frame changes nothing: no event anywhere, no stored message', async () => {
    const room = await freshRoom();
    const bobJson = await join(room, bob.token, true);
    const alicePlain = await join(room, alice.token, false);
    await presenceOf(bobJson, 2);
    alicePlain.ws.send(JSON.stringify({ type: 'typing' }));
    alicePlain.send('plain text');
    const message = await bobJson.waitForEvent((e) => e.type === 'message');
    expect(message.text).toBe('plain text');
    expect(bobJson.events().filter((e) => e.type === 'typing')).toEqual([]);
    expect(await alicePlain.waitForFrames(1)).toEqual([`${alice.username}: plain text`]);
  });

  test('the server passes on at most one per connection per interval and drops the rest; messages are not limited by them', async () => {
    const room = await freshRoom();
    const carol = await register(t.url, 'carol'); // a fresh account: its message bucket is full
    const bobJson = await join(room, bob.token, true);
    const aliceJson = await join(room, carol.token, true);
    await presenceOf(bobJson, 2);

    const started = Date.now();
    for (let i = 0; i < 50; i++) aliceJson.ws.send(JSON.stringify({ type: 'typing' }));
    // The account may send 3 messages a minute: all three go through after 50 typing frames.
    for (const text of ['one', 'two', 'three']) aliceJson.send(text);
    await bobJson.waitForEvent((e) => e.type === 'message' && e.text === 'three');
    expect(aliceJson.events().filter((e) => e.type === 'error')).toEqual([]);
    const sent = Date.now() - started;
    const typing = bobJson.events().filter((e) => e.type === 'typing');
    // Everything arrived within one interval (or, on a very slow machine, a few).
    expect(typing.length).toBeGreaterThanOrEqual(1);
    expect(typing.length).toBeLessThanOrEqual(1 + Math.floor(sent / TYPING_MIN_INTERVAL_MS));

    const metrics = await (await fetch(`${t.url}/metrics`)).text();
    const dropped = Number(/shagram_ws_frames_rejected_total\{reason="typing_dropped"\} (\d+)/.exec(metrics)?.[1] ?? 0);
    expect(dropped).toBeGreaterThanOrEqual(50 - typing.length);

    // A message re-opens the typing window at once (for the next message): one extra signal per accepted message.
    const before = bobJson.events().filter((e) => e.type === 'typing').length;
    expect(before).toBe(typing.length);
    // (The bucket is empty now, so this uses a connection of another account with its own bucket.)
    const dave = await register(t.url, 'dave');
    const daveJson = await join(room, dave.token, true);
    await presenceOf(bobJson, 3);
    daveJson.ws.send(JSON.stringify({ type: 'typing' }));
    await bobJson.waitForEvent((e) => e.type === 'typing' && e.user === dave.username);
    const firstAt = bobJson.frames.length;
    daveJson.send('from dave');
    daveJson.ws.send(JSON.stringify({ type: 'typing' }));
    // The second signal follows the first at once (it may arrive before the message, which waits for its commit).
    await bobJson.waitForEvent((e) => e.type === 'typing' && e.user === dave.username, firstAt);
    await bobJson.waitForEvent((e) => e.type === 'message' && e.text === 'from dave');
    expect(bobJson.events().filter((e) => e.type === 'typing' && e.user === dave.username)).toHaveLength(2);

    // The next message beyond the limit is still refused: typing did not open the bucket either.
    aliceJson.send('four');
    await expect(aliceJson.waitForEvent((e) => e.type === 'error')).resolves.toMatchObject({ code: 'rate_limited' });
  });
});
