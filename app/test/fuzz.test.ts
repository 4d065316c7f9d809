import fc from 'fast-check';
import { connect } from './helpers/client';
import { register, startServer, type TestServer } from './helpers/server';
import { parseClientFrame } from '../src/ws/frames';

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
