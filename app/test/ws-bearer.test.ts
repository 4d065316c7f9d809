import { execFile } from 'node:child_process';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { attemptUpgrade, ChatClient, type UpgradeOutcome } from './helpers/client';
import { register, startServer, type TestServer } from './helpers/server';
import { readProtocolOffer } from '../src/ws/bearer';

const ORIGIN = 'http://chat.test';
const BEARER = 'shagram.bearer.';
let t: TestServer;
let alice: { username: string; token: string };
const clients: ChatClient[] = [];

beforeAll(async () => {
  t = await startServer();
  alice = await register(t.url, 'alice');
});
afterEach(async () => {
  await Promise.all(clients.splice(0).map((client) => client.close()));
});
afterAll(() => t.close());

/** Opens `/ws/general<query>` offering `protocols`; resolves with the client and the protocol the server selected, or the refusal. */
async function attempt(query: string, protocols: string[]): Promise<UpgradeOutcome> {
  const outcome = await attemptUpgrade(`${t.wsUrl}/ws/general${query}`, protocols, { origin: ORIGIN });
  if (outcome.open) clients.push(outcome.client);
  return outcome;
}

describe('reading the offer (pure)', () => {
  test.each([
    [undefined, { ok: true, token: undefined }],
    ['', { ok: true, token: undefined }],
    ['shagram.json', { ok: true, token: undefined }],
    ['shagram.json, shagram.bearer.a.b.c', { ok: true, token: 'a.b.c' }],
    ['shagram.bearer.a.b.c,shagram.json', { ok: true, token: 'a.b.c' }],
    ['shagram.bearer.a.b.c', { ok: false, message: 'the shagram.bearer.<token> subprotocol needs shagram.json beside it' }],
    ['shagram.json, shagram.bearer.x, shagram.bearer.y', { ok: false, message: 'offer at most one shagram.bearer.<token> subprotocol' }],
  ])('%j', (header, expected) => {
    expect(readProtocolOffer(header)).toEqual(expected);
  });
});

describe('the access token as a subprotocol (Sec-WebSocket-Protocol), not in the URL', () => {
  test('shagram.bearer.<token> beside shagram.json opens the socket as that user; the server selects shagram.json, never the bearer', async () => {
    const outcome = await attempt('', ['shagram.json', BEARER + alice.token]);
    if (!outcome.open) throw new Error(`refused: ${outcome.status} ${JSON.stringify(outcome.body)}`);
    expect(outcome.selected).toBe('shagram.json');
    expect(outcome.client.ws.protocol).toBe('shagram.json');
    outcome.client.send('token in the header');
    const event = await outcome.client.waitForEvent((e) => e.type === 'message');
    expect(event).toMatchObject({ user: alice.username, text: 'token in the header' });
  });

  test('the order of the offer does not matter', async () => {
    const outcome = await attempt('?since=0', [BEARER + alice.token, 'shagram.json']);
    expect(outcome).toMatchObject({ open: true, selected: 'shagram.json' });
  });

  test('an invalid bearer is a 401, even with a valid ?token beside it (the header wins)', async () => {
    const outcome = await attempt(`?token=${alice.token}`, ['shagram.json', `${BEARER}not.a.jwt`]);
    expect(outcome).toEqual({ open: false, status: 401, body: { error: 'a valid token is required' } });
  });

  test('a bearer without shagram.json, or two bearers, is a 400 that says why', async () => {
    expect(await attempt('', [BEARER + alice.token])).toEqual({
      open: false,
      status: 400,
      body: { error: 'the shagram.bearer.<token> subprotocol needs shagram.json beside it' },
    });
    expect(await attempt('', ['shagram.json', BEARER + alice.token, `${BEARER}x`])).toEqual({
      open: false,
      status: 400,
      body: { error: 'offer at most one shagram.bearer.<token> subprotocol' },
    });
  });

  test('?token= still works, in plain and JSON mode (command-line clients)', async () => {
    expect(await attempt(`?token=${alice.token}`, [])).toMatchObject({ open: true, selected: undefined });
    expect(await attempt(`?token=${alice.token}`, ['shagram.json'])).toMatchObject({ open: true, selected: 'shagram.json' });
    expect(await attempt('', ['shagram.json'])).toMatchObject({ open: false, status: 401 });
  });

  test('the browser UI\'s RoomConnection sends the token as a subprotocol and keeps it out of the URL', async () => {
    // connection.js is an ES module for the browser: run it in a child Node process, with a WebSocket that
    // records what it was constructed with (and adds the Origin a browser would send).
    const moduleUrl = pathToFileURL(path.resolve(__dirname, '../public/js/connection.js')).href;
    const script = `
      import { WebSocket as Ws } from 'ws';
      const seen = [];
      globalThis.window = new EventTarget();
      globalThis.WebSocket = class extends Ws {
        constructor(url, protocols) { seen.push({ url, protocols }); super(url, protocols, { headers: { origin: ${JSON.stringify(ORIGIN)} } }); }
      };
      globalThis.location = new URL(${JSON.stringify(t.url)});
      const { RoomConnection } = await import(${JSON.stringify(moduleUrl)});
      const events = [];
      const connection = new RoomConnection({
        room: 'general', token: () => ${JSON.stringify(alice.token)}, lastId: () => 0,
        onEvent: (event) => {
          events.push(event);
          if (event.type === 'message' && event.text === 'from the ui module') {
            connection.close();
            console.log(JSON.stringify({ seen, protocol: connection.ws?.protocol, events }));
          }
        },
        onState: (state) => { if (state.state === 'open') connection.send('from the ui module'); },
      });
      connection.open();
      setTimeout(() => { console.error('timed out', JSON.stringify({ seen, events })); process.exit(1); }, 10000).unref();
    `;
    const stdout = await new Promise<string>((resolve, reject) =>
      execFile(process.execPath, ['--input-type=module', '-e', script], { cwd: path.resolve(__dirname, '..', '..'), timeout: 20000 }, (error, out, err) =>
        error ? reject(new Error(`${error.message}\n${err}`)) : resolve(out),
      ),
    );
    const result = JSON.parse(stdout.trim().split('\n').pop()!) as { seen: Array<{ url: string; protocols: string[] }>; events: any[] };
    expect(result.seen).toHaveLength(1);
    expect(result.seen[0]!.url).toBe(`${t.wsUrl}/ws/general?since=0`);
    expect(result.seen[0]!.url).not.toContain(alice.token);
    expect(result.seen[0]!.protocols).toEqual(['shagram.json', BEARER + alice.token]);
    // since=0 replayed the earlier tests' messages first; the UI's own message came back live, sent as alice.
    const own = result.events.filter((e) => e.type === 'message' && e.text === 'from the ui module');
    expect(own).toEqual([expect.objectContaining({ user: alice.username })]);
  });
});
