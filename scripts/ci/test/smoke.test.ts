import { startServer, type TestServer } from '../../../app/test/helpers/server';
import { runSmoke } from '../src/smoke-run';

// The real chat server (app/src/server.ts) on loopback: the smoke test speaks its actual contract.
let chat: TestServer;
beforeAll(async () => (chat = await startServer({ WS_ALLOWED_ORIGINS: 'http://chat.test' })));
afterAll(() => chat.close());

describe('scripts/ci smoke test against the real Shagram server', () => {
  it('passes: healthy, a throwaway user registers, the WebSocket echoes "user: text"', async () => {
    const identity = { username: `smoke-${process.pid}`, password: 'correct horse battery', text: 'smoke ping' };
    await expect(runSmoke({ url: chat.url, origin: 'http://chat.test', healthAttempts: 1, timeoutMs: 5000, identity })).resolves.toBeUndefined();
    // The message really went through the server: it is in the room's history.
    const res = await fetch(`${chat.url}/api/messages/smoke`);
    const { messages } = (await res.json()) as { messages: Array<{ user: string; text: string }> };
    expect(messages[0]).toMatchObject({ user: identity.username, text: 'smoke ping' });
  });

  it('fails when the server refuses the Origin (403 on the upgrade)', async () => {
    await expect(runSmoke({ url: chat.url, origin: 'http://evil.test', healthAttempts: 1, timeoutMs: 5000 })).rejects.toThrow(/upgrade to .* refused with HTTP 403/);
  });

  it('fails when the account cannot be registered', async () => {
    const identity = { username: 'x', password: 'short', text: 't' };
    await expect(runSmoke({ url: chat.url, origin: 'http://chat.test', healthAttempts: 1, timeoutMs: 5000, identity })).rejects.toThrow(/register answered 400/);
  });

  it('fails after the bounded health attempts when nothing answers', async () => {
    await expect(runSmoke({ url: 'http://127.0.0.1:1', healthAttempts: 2, intervalMs: 10, timeoutMs: 1000 })).rejects.toThrow(
      /GET http:\/\/127\.0\.0\.1:1\/healthz did not answer 200 \{"status":"ok"\} after 2 attempts/,
    );
  });

  it('never shows the token in its error messages', async () => {
    const error = await runSmoke({ url: chat.url, origin: 'http://evil.test', healthAttempts: 1, timeoutMs: 5000 }).catch((e: Error) => e);
    expect(String(error)).toContain('token=…');
    expect(String(error)).not.toMatch(/token=ey/);
  });
});
