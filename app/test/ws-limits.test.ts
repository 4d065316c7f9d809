import net from 'node:net';
import { attemptUpgrade, ChatClient, type UpgradeOutcome } from './helpers/client';
import { register, startServer, type TestServer } from './helpers/server';

const ORIGIN = 'http://chat.test';

interface OpenOptions {
  token?: string;
  json?: boolean;
  headers?: Record<string, string>;
  protocols?: string[];
  room?: string;
}

/** Opens `/ws/<room>` with a real `ws` client; resolves with the client, or with the status and JSON body of a refusal. */
function attempt(t: TestServer, options: OpenOptions): Promise<UpgradeOutcome> {
  const query = options.token === undefined ? '' : `?token=${encodeURIComponent(options.token)}`;
  const protocols = options.protocols ?? (options.json ? ['shagram.json'] : []);
  return attemptUpgrade(`${t.wsUrl}/ws/${options.room ?? 'general'}${query}`, protocols, { origin: ORIGIN, ...options.headers });
}

async function open(t: TestServer, options: OpenOptions): Promise<ChatClient> {
  const outcome = await attempt(t, options);
  if (!outcome.open) throw new Error(`refused: ${outcome.status} ${JSON.stringify(outcome.body)}`);
  return outcome.client;
}

/** Waits (bounded) until the server's own view satisfies `condition`: the server closes its side after the client sees the close. */
async function until(condition: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setImmediate(resolve));
  }
}

async function refusals(t: TestServer, reason: string): Promise<number> {
  const text = await (await fetch(`${t.url}/metrics`)).text();
  const match = new RegExp(`^shagram_ws_upgrades_refused_total\\{reason="${reason}"\\} (\\d+)$`, 'm').exec(text);
  return match ? Number(match[1]) : 0;
}

/** Waits until `client` has received `count` error events; returns their codes. */
async function errorCodes(client: ChatClient, count: number): Promise<string[]> {
  for (let frames = 1; ; frames++) {
    const codes = (await client.waitForFrames(frames)).map((frame) => JSON.parse(frame)).filter((e) => e.type === 'error').map((e) => e.code as string);
    if (codes.length >= count) return codes;
  }
}

/** The room's stored texts, oldest first. */
async function storedTexts(t: TestServer, room = 'general'): Promise<string[]> {
  const body = (await (await fetch(`${t.url}/api/messages/${room}`)).json()) as { messages: Array<{ text: string }> };
  return body.messages.map((message) => message.text).reverse(); // the API answers newest first
}

const servers: TestServer[] = [];
const clients: ChatClient[] = [];
async function server(env: Record<string, string>): Promise<TestServer> {
  const t = await startServer(env);
  servers.push(t);
  return t;
}
afterEach(async () => {
  await Promise.all(clients.splice(0).map((client) => client.close()));
  await Promise.all(servers.splice(0).map((t) => t.close()));
});
const keep = (client: ChatClient): ChatClient => (clients.push(client), client);

describe('per-account message rate (MESSAGE_RATE_LIMIT), shared by all of an account\'s connections', () => {
  test('three sockets of one account get three messages in all, not three each', async () => {
    const t = await server({ MESSAGE_RATE_LIMIT: '3/60' });
    const user = await register(t.url);
    const other = await register(t.url);
    const sockets = [];
    for (let i = 0; i < 3; i++) sockets.push(keep(await open(t, { token: user.token, json: true })));
    // One socket after the other, so the order in which the server reads them is known.
    sockets[0]!.send('s0a');
    sockets[0]!.send('s0b');
    await sockets[0]!.waitForEvent((e) => e.type === 'message' && e.text === 's0b');
    sockets[1]!.send('s1a');
    sockets[1]!.send('s1b');
    expect(await errorCodes(sockets[1]!, 1)).toEqual(['rate_limited']);
    sockets[2]!.send('s2a');
    sockets[2]!.send('s2b');
    expect(await errorCodes(sockets[2]!, 2)).toEqual(['rate_limited', 'rate_limited']);
    // Another account is not affected; its message is committed after everything above was decided.
    const bystander = keep(await open(t, { token: other.token, json: true }));
    bystander.send('bystander');
    await sockets[0]!.waitForEvent((e) => e.type === 'message' && e.text === 'bystander');
    expect(await storedTexts(t)).toEqual(['s0a', 's0b', 's1a', 'bystander']);
  });

  test('closing every socket and reconnecting does not refill the account\'s bucket', async () => {
    const t = await server({ MESSAGE_RATE_LIMIT: '2/60' });
    const user = await register(t.url);
    const first = await open(t, { token: user.token, json: true });
    first.send('one');
    first.send('two');
    await first.waitForEvent((e) => e.type === 'message' && e.text === 'two');
    await first.close();
    await until(() => t.server.gateway.limits.counts().connections === 0, 'the first socket to be released');
    const second = keep(await open(t, { token: user.token, json: true }));
    second.send('three');
    expect((await second.waitForEvent((e) => e.type === 'error')).code).toBe('rate_limited');
    expect(await storedTexts(t)).toEqual(['one', 'two']);
  });
});

describe('connection caps', () => {
  test('per account: the connection over WS_MAX_CONNECTIONS_PER_ACCOUNT gets 429 with a JSON body; a freed slot is reusable', async () => {
    const t = await server({ WS_MAX_CONNECTIONS_PER_ACCOUNT: '3' });
    const user = await register(t.url);
    const other = await register(t.url);
    const held = [];
    for (let i = 0; i < 3; i++) held.push(keep(await open(t, { token: user.token })));
    const refused = await attempt(t, { token: user.token });
    expect(refused).toEqual({ open: false, status: 429, body: { error: 'too many connections for this account (at most 3)', code: 'account_connections' } });
    keep(await open(t, { token: other.token })); // another account from the same address is fine
    await held[0]!.close();
    await until(() => t.server.gateway.limits.connectionsOf(user.username) === 2, 'the closed socket to be released');
    keep(await open(t, { token: user.token }));
    expect(await refusals(t, 'account_connections')).toBe(1);
  });

  test('concurrent upgrades cannot all slip under the cap (the slot is taken before the room is checked)', async () => {
    const t = await server({ WS_MAX_CONNECTIONS_PER_ACCOUNT: '5' });
    const user = await register(t.url);
    // A room per attempt, not yet known to the gateway: each upgrade waits for its room to be looked up.
    for (let i = 0; i < 12; i++) await t.server.store.createRoom(`race${i}`);
    const outcomes = await Promise.all(Array.from({ length: 12 }, (_, i) => attempt(t, { token: user.token, room: `race${i}` })));
    for (const outcome of outcomes) if (outcome.open) keep(outcome.client);
    expect(outcomes.filter((outcome) => outcome.open)).toHaveLength(5);
    expect(outcomes.filter((outcome) => !outcome.open && outcome.status === 429)).toHaveLength(7);
  });

  test('per address: WS_MAX_CONNECTIONS_PER_IP counts every account from one address', async () => {
    const t = await server({ WS_MAX_CONNECTIONS_PER_IP: '3' });
    const users = [await register(t.url), await register(t.url), await register(t.url), await register(t.url)];
    for (const user of users.slice(0, 3)) keep(await open(t, { token: user.token }));
    // Without TRUST_PROXY, a forged X-Forwarded-For changes nothing: the socket's address counts.
    const refused = await attempt(t, { token: users[3]!.token, headers: { 'x-forwarded-for': '203.0.113.9' } });
    expect(refused).toEqual({ open: false, status: 429, body: { error: 'too many connections from this address (at most 3)', code: 'address_connections' } });
    expect(await refusals(t, 'address_connections')).toBe(1);
  });

  test('behind a trusted proxy the forwarded client address counts, as Express computes req.ip', async () => {
    const t = await server({ WS_MAX_CONNECTIONS_PER_IP: '2', TRUST_PROXY: 'loopback' });
    const user = await register(t.url);
    const from = (address: string) => ({ token: user.token, headers: { 'x-forwarded-for': address } });
    keep(await open(t, from('198.51.100.1')));
    keep(await open(t, from('198.51.100.1')));
    expect(await attempt(t, from('198.51.100.1'))).toMatchObject({ open: false, status: 429 });
    keep(await open(t, from('198.51.100.2')));
    // IPv6 clients count per /64: another address in the same /64 is the same client.
    keep(await open(t, from('2001:db8:1:2::1')));
    keep(await open(t, from('2001:db8:1:2:ffff::7')));
    expect(await attempt(t, from('2001:db8:1:2::abcd'))).toMatchObject({ open: false, status: 429 });
    keep(await open(t, from('2001:db8:1:3::1')));
    expect(t.server.gateway.limits.counts()).toMatchObject({ connections: 6, addresses: 4 });
  });

  test('process-wide: the connection over WS_MAX_CONNECTIONS gets 503', async () => {
    const t = await server({ WS_MAX_CONNECTIONS: '2' });
    const a = await register(t.url);
    const b = await register(t.url);
    keep(await open(t, { token: a.token }));
    keep(await open(t, { token: b.token }));
    expect(await attempt(t, { token: b.token })).toEqual({
      open: false,
      status: 503,
      body: { error: 'the server has too many connections, try again later', code: 'server_connections' },
    });
    expect(await refusals(t, 'server_connections')).toBe(1);
  });

  test('every way a connection ends gives its slot back: the counters return to zero', async () => {
    const t = await server({ WS_MAX_CONNECTIONS_PER_ACCOUNT: '4' });
    const user = await register(t.url);
    const other = await register(t.url);
    const limits = t.server.gateway.limits;

    const polite = await open(t, { token: user.token });
    const abrupt = await open(t, { token: user.token, json: true });
    const oversized = await open(t, { token: other.token });
    const binary = await open(t, { token: other.token });
    expect(limits.counts()).toMatchObject({ connections: 4, accounts: 2, addresses: 1 });

    await polite.close(); // close handshake
    abrupt.ws.terminate(); // TCP reset without a close frame
    oversized.ws.send('x'.repeat(70 * 1024)); // the server closes it with 1009
    expect((await oversized.closed).code).toBe(1009);
    binary.ws.send(Buffer.from([1, 2, 3]), { binary: true }); // binary frames are only rejected: it stays open
    await binary.close();
    // Refused upgrades never hold a slot: a bad token, a bad origin, then the cap itself.
    expect(await attempt(t, { token: 'nope' })).toMatchObject({ open: false, status: 401 });
    expect(await attempt(t, { token: user.token, headers: { origin: 'http://evil.test' } })).toMatchObject({ open: false, status: 403 });
    const full = [];
    for (let i = 0; i < 4; i++) full.push(await open(t, { token: user.token }));
    expect(await attempt(t, { token: user.token })).toMatchObject({ open: false, status: 429 });
    await Promise.all(full.map((client) => client.close()));

    // An upgrade whose client goes away before the handshake completes.
    await t.server.store.createRoom('fresh-room');
    const raw = net.connect(Number(new URL(t.url).port), '127.0.0.1');
    await new Promise((resolve) => raw.once('connect', resolve));
    raw.write(
      `GET /ws/fresh-room?token=${encodeURIComponent(user.token)} HTTP/1.1\r\nHost: x\r\nOrigin: ${ORIGIN}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
        'Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n',
    );
    await until(() => limits.counts().connections === 1, 'the raw upgrade to be admitted');
    raw.destroy();

    await until(() => limits.counts().connections === 0 && t.server.gateway.hub.size === 0, 'every slot to be released');
    expect(limits.counts()).toMatchObject({ connections: 0, accounts: 0, addresses: 0 });
  });
});
