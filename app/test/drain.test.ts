import { connect, refusedStatus } from './helpers/client';
import { getJson, register, startServer } from './helpers/server';

test('while draining, /readyz answers 503 and new upgrades are refused; then sockets close with 1001', async () => {
  const t = await startServer();
  const { token } = await register(t.url);
  const client = await connect(t.wsUrl, 'general', { token });
  expect((await getJson(`${t.url}/readyz`)).status).toBe(200);

  // A client that stops reading holds the drain open (bounded) until its close handshake times out.
  (client.ws as unknown as { _socket: { pause(): void } })._socket.pause();
  const closing = t.server.close();
  const during = await getJson(`${t.url}/readyz`);
  expect(during).toEqual({ status: 503, body: { status: 'draining', error: 'server is shutting down' } });
  expect(await refusedStatus(t.wsUrl, 'general', { token })).toBe(503);
  await closing;
  expect((await getJson(`${t.url}/healthz`).catch(() => ({ status: 0 }))).status).toBe(0); // listener gone
});
