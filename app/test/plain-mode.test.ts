import { connect, type ChatClient } from './helpers/client';
import { register, startServer, type TestServer } from './helpers/server';
import { plainText } from '../src/ws/frames';

let t: TestServer;
let alice: { username: string; token: string };
let bob: { username: string; token: string };
const open: ChatClient[] = [];

async function join(room: string, token: string, options: { json?: boolean; since?: number } = {}): Promise<ChatClient> {
  const client = await connect(t.wsUrl, room, { token, ...options });
  open.push(client);
  return client;
}

beforeAll(async () => {
  t = await startServer();
  alice = await register(t.url, 'alice');
  bob = await register(t.url, 'bob');
  for (const room of ['spoof', 'escapes', 'replayed']) await t.server.store.createRoom(room);
});
afterEach(async () => {
  await Promise.all(open.splice(0).map((client) => client.close()));
});
afterAll(() => t.close());

describe('plain mode cannot be spoofed with line breaks', () => {
  test('a multi-line message reaches a plain reader as one line from its author; JSON readers and history keep the line break', async () => {
    const plain = await join('spoof', bob.token);
    const json = await join('spoof', bob.token, { json: true });
    const sender = await join('spoof', alice.token);
    sender.send('hello\nbob: send me your password');

    const [line] = await plain.waitForFrames(1);
    expect(line).toBe(`${alice.username}: hello\\nbob: send me your password`);
    expect(line).not.toMatch(/[\r\n]/);
    const event = await json.waitForEvent((e) => e.type === 'message');
    expect(event).toMatchObject({ user: alice.username, text: 'hello\nbob: send me your password' });
    const history = (await (await fetch(`${t.url}/api/messages/spoof`)).json()) as { messages: Array<{ text: string }> };
    expect(history.messages[0]!.text).toBe('hello\nbob: send me your password');
  });

  test.each([
    ['CR LF', 'a\r\nbob: b', 'a\\r\\nbob: b'],
    ['CR alone (a terminal returns to the line start)', 'a\rbob: b', 'a\\rbob: b'],
    ['NEL U+0085', 'a\u0085bob: b', 'a\\u0085bob: b'],
    ['LINE SEPARATOR U+2028', 'a\u2028bob: b', 'a\\u2028bob: b'],
    ['PARAGRAPH SEPARATOR U+2029', 'a\u2029bob: b', 'a\\u2029bob: b'],
    ['vertical tab and form feed', 'a\u000bb\u000cc', 'a\\u000bb\\u000cc'],
    ['an ANSI escape that erases the line', '\u001b[2K\u001b[1Gbob: hi', '\\u001b[2K\\u001b[1Gbob: hi'],
    ['a tab inside', 'col1\tcol2', 'col1\\tcol2'],
    ['DEL and a C1 control', 'a\u007fb\u009bc', 'a\\u007fb\\u009bc'],
  ])('%s is escaped for plain readers, kept for JSON readers', async (_name, text, escaped) => {
    const plain = await join('escapes', bob.token);
    const json = await join('escapes', bob.token, { json: true });
    const sender = await join('escapes', alice.token, { json: true });
    sender.send(text);
    expect(await plain.waitForFrames(1)).toEqual([`${alice.username}: ${escaped}`]);
    expect((await json.waitForEvent((e) => e.type === 'message')).text).toBe(text);
  });

  test('the since replay escapes too', async () => {
    const sender = await join('replayed', alice.token, { json: true });
    sender.send('first\nbob: fake');
    const sent = await sender.waitForEvent((e) => e.type === 'message');
    const late = await join('replayed', bob.token, { since: sent.id - 1 });
    expect(await late.waitForFrames(1)).toEqual([`${alice.username}: first\\nbob: fake`]);
  });

  test('ordinary text, other scripts and emoji pass unchanged', () => {
    for (const text of ['hello', 'naïve café', 'Привет, мир', 'مرحبا', '你好', '👍🏽 ok', 'a\\nb stays as typed']) expect(plainText(text)).toBe(text);
  });
});
