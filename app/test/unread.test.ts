import { connect } from './helpers/client';
import { getJson, register, startServer, type TestServer } from './helpers/server';
import { UNREAD_CAP, UNREAD_ROOMS_MAX } from '../src/http/chat-routes';

// Read markers and unread counts: PUT /api/rooms/:room/read and GET /api/unread?rooms=…, on the real server.

let t: TestServer;
let alice: { username: string; token: string };
let bob: { username: string; token: string };

beforeAll(async () => {
  t = await startServer();
  alice = await register(t.url, 'alice');
  bob = await register(t.url, 'bob');
  for (const room of ['quiet', 'busy', 'flood', 'unseen']) await t.server.store.createRoom(room);
});
afterAll(() => t.close());

const auth = (token: string) => ({ authorization: `Bearer ${token}` });

async function markRead(token: string, room: string, body: unknown): Promise<number> {
  const res = await fetch(`${t.url}/api/rooms/${room}/read`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json', ...auth(token) },
    body: JSON.stringify(body),
  });
  return res.status;
}

/** Sends messages as `user` into `room` through a real socket and waits until they are stored. */
async function say(user: { token: string }, room: string, texts: string[]): Promise<number[]> {
  const client = await connect(t.wsUrl, room, { token: user.token, json: true });
  for (const text of texts) client.send(text);
  const ids: number[] = [];
  for (let i = 0; ids.length < texts.length; i++) {
    const event = await client.waitForEvent((e) => e.type === 'message', i);
    i = client.frames.indexOf(JSON.stringify(event));
    ids.push(event.id);
  }
  await client.close();
  return ids;
}

async function unread(token: string, rooms: string): Promise<any> {
  const res = await getJson(`${t.url}/api/unread?rooms=${rooms}`, auth(token));
  expect(res.status).toBe(200);
  return res.body.unread;
}

test('counts messages by others after the marker, with mentions of the reader; rooms never read are left out', async () => {
  const [first] = await say(bob, 'quiet', ['before']);
  expect(await markRead(alice.token, 'quiet', { last_read_id: first })).toBe(204);
  expect(await unread(alice.token, 'quiet,unseen')).toEqual([{ room: 'quiet', unread: 0, mentions: 0, capped: false }]);

  await say(bob, 'quiet', ['one', `hi @${alice.username.toUpperCase()}!`, 'three']);
  await say(alice, 'quiet', ['my own message is not unread']);
  expect(await unread(alice.token, 'quiet,unseen')).toEqual([{ room: 'quiet', unread: 3, mentions: 1, capped: false }]);
  // Bob has no marker there: nothing for him.
  expect(await unread(bob.token, 'quiet')).toEqual([]);
});

test('a marker at 0 (the room was empty when read) counts every message after it', async () => {
  await t.server.store.createRoom('empty');
  expect(await markRead(alice.token, 'empty', { last_read_id: 0 })).toBe(204);
  expect(await unread(alice.token, 'empty')).toEqual([{ room: 'empty', unread: 0, mentions: 0, capped: false }]);
  await say(bob, 'empty', ['first']);
  expect(await unread(alice.token, 'empty')).toEqual([{ room: 'empty', unread: 1, mentions: 0, capped: false }]);
});

test('the marker never moves back; reading up to the end clears the count', async () => {
  const ids = await say(bob, 'busy', ['a', 'b', 'c']);
  expect(await markRead(alice.token, 'busy', { last_read_id: ids[2] })).toBe(204);
  expect(await markRead(alice.token, 'busy', { last_read_id: ids[0] })).toBe(204);
  expect(await unread(alice.token, 'busy')).toEqual([{ room: 'busy', unread: 0, mentions: 0, capped: false }]);
});

test(`counts stop at ${UNREAD_CAP} (capped) however many messages follow`, async () => {
  const [start] = await say(bob, 'flood', ['start']);
  await markRead(alice.token, 'flood', { last_read_id: start });
  await say(bob, 'flood', Array.from({ length: UNREAD_CAP + 20 }, (_, i) => `m${i}`));
  const [count] = await unread(alice.token, 'flood');
  expect(count).toEqual({ room: 'flood', unread: UNREAD_CAP, mentions: 0, capped: true });
});

test('refusals: no token, bad ids, unknown rooms, too many rooms', async () => {
  expect((await fetch(`${t.url}/api/unread?rooms=quiet`)).status).toBe(401);
  expect((await fetch(`${t.url}/api/rooms/quiet/read`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: '{"last_read_id":1}' })).status).toBe(401);
  for (const body of [{}, { last_read_id: -1 }, { last_read_id: 1.5 }, { last_read_id: '7' }, { last_read_id: 2 ** 53 }]) {
    expect(await markRead(alice.token, 'quiet', body)).toBe(400);
  }
  expect(await markRead(alice.token, 'nope', { last_read_id: 1 })).toBe(404);
  expect(await markRead(alice.token, 'Bad!', { last_read_id: 1 })).toBe(400);
  expect((await getJson(`${t.url}/api/unread`, auth(alice.token))).status).toBe(400);
  expect((await getJson(`${t.url}/api/unread?rooms=quiet,Bad!`, auth(alice.token))).status).toBe(400);
  expect((await getJson(`${t.url}/api/unread?rooms=quiet&rooms=busy`, auth(alice.token))).status).toBe(400);
  const many = Array.from({ length: UNREAD_ROOMS_MAX + 1 }, (_, i) => `r${i}`).join(',');
  expect((await getJson(`${t.url}/api/unread?rooms=${many}`, auth(alice.token))).status).toBe(400);
  const res = await fetch(`${t.url}/api/unread?rooms=quiet`, { headers: auth(alice.token) });
  expect(res.headers.get('cache-control')).toBe('no-store');
});
