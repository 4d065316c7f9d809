// The end-of-replay signal: after a `since` replay, a JSON-mode socket is told whether the replay held every
// message after `since` (`complete: true`) or stopped at its cap, and then which ids it left out (the client
// reads them over HTTP). Plain mode and connections without `since` are not sent it.
import net from 'node:net';
import { MAX_REPLAY } from '../src/ws/gateway';
import { connect, type ChatClient } from './helpers/client';
import { getJson, register, startServer, type TestServer } from './helpers/server';

let t: TestServer;
let alice: { username: string; token: string };
const open: ChatClient[] = [];

async function join(room: string, options: { json?: boolean; since?: number } = {}): Promise<ChatClient> {
  const client = await connect(t.wsUrl, room, { token: alice.token, ...options });
  open.push(client);
  return client;
}

/** Stores `count` messages in `room` (one transaction) and returns their ids. */
async function seed(room: string, count: number, prefix: string): Promise<number[]> {
  return t.server.store.insertMessages(Array.from({ length: count }, (_, i) => ({ room, user: 'bot', text: `${prefix}${i}`, createdAt: new Date().toISOString() })));
}

beforeAll(async () => {
  t = await startServer({ MESSAGE_RATE_LIMIT: '1000/10' });
  alice = await register(t.url, 'alice');
});
afterEach(async () => {
  await Promise.all(open.splice(0).map((client) => client.close()));
});
afterAll(() => t.close());

test('a replay under the cap ends with complete: true and the last replayed id, before any live message', async () => {
  await t.server.store.createRoom('short');
  const ids = await seed('short', 5, 's');
  const c = await join('short', { json: true, since: ids[1] });
  const signal = await c.waitForEvent((e) => e.type === 'replay');
  expect(signal).toEqual({ type: 'replay', room: 'short', complete: true, last_id: ids[4] });
  // the replayed messages came before it
  expect(c.events().filter((e) => e.type === 'message').map((e) => e.text)).toEqual(['s2', 's3', 's4']);
  const at = c.frames.length;
  c.send('live');
  const live = await c.waitForEvent((e) => e.type === 'message', at);
  expect(live.text).toBe('live');
  expect(c.events().filter((e) => e.type === 'replay')).toHaveLength(1);
});

test('a replay with nothing to send is complete, with last_id = since', async () => {
  await t.server.store.createRoom('quiet');
  const [id] = await seed('quiet', 1, 'q');
  const c = await join('quiet', { json: true, since: id });
  expect(await c.waitForEvent((e) => e.type === 'replay')).toEqual({ type: 'replay', room: 'quiet', complete: true, last_id: id });
});

test('exactly the cap after since is complete (nothing was left out)', async () => {
  await t.server.store.createRoom('exact');
  const ids = await seed('exact', MAX_REPLAY + 1, 'e');
  const c = await join('exact', { json: true, since: ids[0] });
  const signal = await c.waitForEvent((e) => e.type === 'replay');
  expect(signal).toEqual({ type: 'replay', room: 'exact', complete: true, last_id: ids[MAX_REPLAY] });
  expect(c.events().filter((e) => e.type === 'message')).toHaveLength(MAX_REPLAY);
});

test('a capped replay says complete: false and names the hole, which the history API fills exactly', async () => {
  await t.server.store.createRoom('bulk');
  const ids = await seed('bulk', MAX_REPLAY + 120, 'b');
  // other rooms' messages between, so ids of the room are not consecutive
  await seed('general', 3, 'g');
  const tail = await seed('bulk', 5, 't');
  const c = await join('bulk', { json: true, since: 0 });
  const signal = await c.waitForEvent((e) => e.type === 'replay');
  const replayed = c.events().filter((e) => e.type === 'message');
  expect(replayed).toHaveLength(MAX_REPLAY);
  expect(signal).toEqual({ type: 'replay', room: 'bulk', complete: false, last_id: ids[MAX_REPLAY - 1], next_before: tail[4]! + 1 });

  // The hole: page back from next_before until last_id is reached.
  const hole: Array<{ id: number; text: string }> = [];
  let before: number = signal.next_before;
  for (;;) {
    const page = await getJson(`${t.url}/api/messages/bulk?before=${before}&limit=200`);
    const rows = (page.body.messages as Array<{ id: number; text: string }>).filter((m) => m.id > signal.last_id);
    hole.push(...rows);
    if (rows.length < page.body.messages.length || page.body.messages.length < 200) break;
    before = page.body.messages[page.body.messages.length - 1].id;
  }
  const texts = hole.sort((a, b) => a.id - b.id).map((m) => m.text);
  expect(texts).toEqual([...Array.from({ length: 120 }, (_, i) => `b${MAX_REPLAY + i}`), ...Array.from({ length: 5 }, (_, i) => `t${i}`)]);

  // After the signal, the socket is live from next_before on.
  const at = c.frames.length;
  c.send('after');
  const live = await c.waitForEvent((e) => e.type === 'message', at);
  expect(live.text).toBe('after');
  expect(live.id).toBeGreaterThanOrEqual(signal.next_before);
});

test('no signal without since, and none in plain mode', async () => {
  await t.server.store.createRoom('modes');
  const ids = await seed('modes', 2, 'm');
  const plain = await join('modes', { since: ids[0] });
  const json = await join('modes', { json: true });
  json.send('marker');
  await json.waitForEvent((e) => e.type === 'message' && e.text === 'marker');
  // plain: the replayed line, then the live one — nothing else
  expect(await plain.waitForFrames(2)).toEqual(['bot: m1', `${alice.username}: marker`]);
  expect(json.events().some((e) => e.type === 'replay')).toBe(false);
});

test('the replayed messages and the end event leave the server in one write system call', async () => {
  await t.server.store.createRoom('oneshot');
  const ids = await seed('oneshot', 4, 'o');
  // Node hands a stream's corked chunks to _writev in one call (one writev(2)); an uncorked write is one _write each.
  const proto = net.Socket.prototype as unknown as { _write: (...args: unknown[]) => void; _writev: (...args: unknown[]) => void };
  const latin1 = (chunk: Buffer | string) => (typeof chunk === 'string' ? Buffer.from(chunk) : chunk).toString('latin1');
  const write = jest.spyOn(proto, '_write');
  const writev = jest.spyOn(proto, '_writev');
  try {
    const c = await join('oneshot', { json: true, since: ids[0] });
    await c.waitForEvent((e) => e.type === 'replay');
    // the server's side of the connection: the accepted socket (it has `server`)
    const calls = [
      ...write.mock.contexts.map((socket, i) => ({ socket, order: write.mock.invocationCallOrder[i]!, texts: [latin1(write.mock.calls[i]![0] as Buffer | string)] })),
      ...writev.mock.contexts.map((socket, i) => ({
        socket,
        order: writev.mock.invocationCallOrder[i]!,
        // net's writev replaces each { chunk } entry by its buffer in place
        texts: (writev.mock.calls[i]![0] as Array<{ chunk: Buffer | string } | Buffer>).map((entry) => latin1(Buffer.isBuffer(entry) ? entry : entry.chunk)),
      })),
    ]
      .filter((call) => (call.socket as net.Socket & { server?: unknown }).server != null)
      .sort((a, b) => a.order - b.order);
    expect(calls[0]!.texts.join('')).toMatch(/^HTTP\/1\.1 101 /);
    const replay = calls[1]!.texts;
    expect(replay).toHaveLength(4);
    // each chunk one unmasked text frame: a 2-byte header (payloads under 126 bytes here), then the JSON
    const payloads = replay.map((text) => JSON.parse(Buffer.from(text, 'latin1').subarray(2).toString()) as { type: string; text?: string });
    expect(payloads.map((event) => event.text ?? event.type)).toEqual(['o1', 'o2', 'o3', 'replay']);
  } finally {
    write.mockRestore();
    writev.mockRestore();
  }
});
