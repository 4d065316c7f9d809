import fc from 'fast-check';
import { connect, refusedStatus, type ChatClient } from './helpers/client';
import { register, startServer, type TestServer } from './helpers/server';
import { parseClientFrame, plainLine } from '../src/ws/frames';

let t: TestServer;
let token: string;
beforeAll(async () => {
  t = await startServer({ AUTH_RATE_LIMIT: '100000/60', MESSAGE_RATE_LIMIT: '100000/10' });
  token = (await register(t.url)).token;
});
afterAll(() => t.close());

const jsonValue = fc.jsonValue({ maxDepth: 3 });
const body = fc.oneof(
  jsonValue.map((value) => JSON.stringify(value)),
  fc.record({ username: fc.oneof(fc.string(), jsonValue), password: fc.oneof(fc.string(), jsonValue) }, { requiredKeys: [] }).map((v) => JSON.stringify(v)),
  fc.record({ name: fc.oneof(fc.string(), jsonValue) }, { requiredKeys: [] }).map((v) => JSON.stringify(v)),
  fc.string(),
);

describe('property: API bodies never crash the server and always get JSON answers', () => {
  test.each([['/api/auth/register'], ['/api/auth/login'], ['/api/rooms']])('POST %s', async (route) => {
    await fc.assert(
      fc.asyncProperty(body, async (payload) => {
        const res = await fetch(`${t.url}${route}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
          body: payload,
        });
        expect(res.status).toBeLessThan(500);
        expect(res.headers.get('content-type')).toMatch(/application\/json/);
        const parsed = (await res.json()) as Record<string, unknown>;
        if (res.status >= 400) expect(typeof parsed.error).toBe('string');
      }),
      { numRuns: 60 },
    );
  });

  test('GET /api/messages/:room with arbitrary names and queries', async () => {
    await fc.assert(
      fc.asyncProperty(fc.string(), fc.string(), fc.string(), async (room, before, limit) => {
        const query = new URLSearchParams({ before, limit });
        const res = await fetch(`${t.url}/api/messages/${encodeURIComponent(room || 'x')}?${query}`);
        expect([200, 400, 404]).toContain(res.status);
        expect(res.headers.get('content-type')).toMatch(/application\/json/);
      }),
      { numRuns: 100 },
    );
  });
});

describe('property: frames', () => {
  test('parseClientFrame is total: any bytes give a message, an ignore or a coded rejection', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.uint8Array().map((b) => Buffer.from(b)), jsonValue.map((v) => JSON.stringify(v))), fc.boolean(), (data, binary) => {
        const frame = parseClientFrame(data, binary);
        if (frame.kind === 'message') {
          expect(frame.text).toBe(frame.text.trim());
          expect(frame.text.length).toBeGreaterThan(0);
        } else if (frame.kind === 'reject') {
          expect(['bad_frame', 'too_long']).toContain(frame.code);
        }
      }),
      { numRuns: 2000 },
    );
  });

  test('random frames on a live socket never crash the server; valid ones still echo', async () => {
    const client = await connect(t.wsUrl, 'general', { token, json: true });
    const frames = fc.sample(
      fc.oneof(
        fc.string({ maxLength: 200 }),
        fc.uint8Array({ maxLength: 200 }).map((b) => Buffer.from(b)),
        jsonValue.map((v) => JSON.stringify(v)),
        fc.record({ text: fc.oneof(fc.string(), jsonValue) }).map((v) => JSON.stringify(v)),
      ),
      300,
    );
    for (const frame of frames) client.ws.send(frame);
    client.send('canary');
    const canary = await client.waitForEvent((e) => e.type === 'message' && e.text === 'canary', 0, 10000);
    expect(canary.user).toBeDefined();
    expect((await fetch(`${t.url}/healthz`)).status).toBe(200);
    await client.close();
  });
});

/** Line breaks of every kind, and other characters a plain reader's terminal would act on. */
const BREAKS = ['\n', '\r\n', '\r', '\u0085', '\u2028', '\u2029', '\u000b', '\u000c', '\u001b[2K', '\t'];
const FORBIDDEN_IN_PLAIN = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/u; // eslint-disable-line no-control-regex
/** Multi-line text: lines (some shaped like "name: text") joined by random breaks. */
const multiLine = fc
  .tuple(
    fc.array(fc.oneof(fc.string({ unit: 'grapheme', maxLength: 20 }), fc.constantFrom('bob: send me your password', 'admin: ok')), { minLength: 2, maxLength: 5 }),
    fc.array(fc.constantFrom(...BREAKS), { minLength: 4, maxLength: 4 }),
  )
  .map(([lines, breaks]) => lines.reduce((text, line, i) => (i === 0 ? line : `${text}${breaks[i % breaks.length]}${line}`), ''))
  .filter((text) => text.trim() !== '');

describe('property: plain mode is one line per message', () => {
  test('plainLine never holds a line break or control character, and leaves text without them alone', () => {
    fc.assert(
      fc.property(fc.oneof(multiLine, fc.string({ unit: 'binary' }), fc.string({ unit: 'grapheme' })), (text) => {
        const line = plainLine({ id: 1, room_id: 'r', user: 'alice', text, created_at: '' });
        expect(line).not.toMatch(FORBIDDEN_IN_PLAIN);
        expect(line.startsWith('alice: ')).toBe(true);
        if (!FORBIDDEN_IN_PLAIN.test(text)) expect(line).toBe(`alice: ${text}`);
      }),
      { numRuns: 400 },
    );
  });

  test('multi-line texts sent from several sockets of one account: one line each for plain readers, exact text for JSON readers', async () => {
    const texts = fc.sample(multiLine, 60).map((text, i) => `${i} ${text}`);
    const plain = await connect(t.wsUrl, 'general', { token });
    const json = await connect(t.wsUrl, 'general', { token, json: true });
    const senders: ChatClient[] = [];
    for (let i = 0; i < 4; i++) senders.push(await connect(t.wsUrl, 'general', { token, json: true }));
    texts.forEach((text, i) => senders[i % senders.length]!.send(text));
    const lines = await plain.waitForFrames(texts.length, 15000);
    const received = [];
    for (let from = 0; received.length < texts.length; ) {
      const event = await json.waitForEvent((e) => e.type === 'message', from, 15000);
      from = json.frames.indexOf(JSON.stringify(event), from) + 1;
      received.push(event.text as string);
    }
    // Trimmed like every message; the order across sockets is the server's, so compare as sets.
    expect([...received].sort()).toEqual(texts.map((text) => text.trim()).sort());
    for (const line of lines) expect(line).not.toMatch(FORBIDDEN_IN_PLAIN);
    expect(lines.map((line) => line.slice(line.indexOf(': ') + 2)).sort()).toEqual(received.map((text) => plainLine({ id: 0, room_id: '', user: '', text, created_at: '' }).slice(2)).sort());
    await Promise.all([plain, json, ...senders].map((client) => client.close()));
  });
});

describe('property: many sockets per account', () => {
  test('any number of concurrent upgrades of one account: at most the cap open, the rest 429, and every slot comes back', async () => {
    const cap = t.config.maxConnectionsPerAccount;
    const user = await register(t.url, 'many');
    const limits = t.server.gateway.limits;
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: cap + 15 }), fc.boolean(), async (count, json) => {
        const attempts = await Promise.allSettled(Array.from({ length: count }, () => connect(t.wsUrl, 'general', { token: user.token, json })));
        const opened = attempts.flatMap((a) => (a.status === 'fulfilled' ? [a.value] : []));
        const statuses = attempts.flatMap((a) => (a.status === 'rejected' ? [(a.reason as { status?: number }).status] : []));
        expect(opened).toHaveLength(Math.min(count, cap));
        expect(statuses).toEqual(Array(Math.max(0, count - cap)).fill(429));
        expect(await refusedStatus(t.wsUrl, 'general', { token: user.token })).toBe(count >= cap ? 429 : 101);
        // Half close politely, half drop the TCP connection.
        opened.forEach((client, i) => (i % 2 ? client.ws.terminate() : client.ws.close()));
        await Promise.all(opened.map((client) => client.closed));
        const deadline = Date.now() + 5000;
        while (limits.connectionsOf(user.username) > 0 && Date.now() < deadline) await new Promise((resolve) => setImmediate(resolve));
        expect(limits.connectionsOf(user.username)).toBe(0);
      }),
      { numRuns: 8 },
    );
    expect(limits.counts()).toMatchObject({ connections: 0, accounts: 0, addresses: 0 });
  });
});
