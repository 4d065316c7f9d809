import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { HistoryCache } from '../src/http/history-cache';
import { historyFastPath } from '../src/http/history-fast-path';
import { SECURITY_HEADERS } from '../src/http/security-headers';
import { Metrics } from '../src/metrics';
import { createLogger } from '../src/logger';

// The fast path alone in front of a fallback that answers 599: what it answers, it answers itself.
let server: http.Server;
let url: string;
const cache = new HistoryCache();

beforeAll(async () => {
  const fast = historyFastPath(cache, SECURITY_HEADERS, new Metrics(), createLogger('silent'));
  server = http.createServer((req, res) => {
    if (!fast(req, res)) res.writeHead(599).end('fallback');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  cache.set('general', Buffer.from('{"messages":[]}'), cache.stamp('general'));
});
afterAll(() => new Promise((resolve) => server.close(resolve)));

test('a cached default page is answered with the security headers, JSON type and length', async () => {
  const res = await fetch(`${url}/api/messages/general`);
  expect(res.status).toBe(200);
  expect(await res.text()).toBe('{"messages":[]}');
  expect(res.headers.get('content-type')).toBe('application/json; charset=utf-8');
  expect(res.headers.get('content-length')).toBe('15');
  expect(res.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
  expect(res.headers.get('x-content-type-options')).toBe('nosniff');
});

test.each([
  ['a room not cached', '/api/messages/dev', 'GET'],
  ['a query string', '/api/messages/general?limit=5', 'GET'],
  ['a trailing slash', '/api/messages/general/', 'GET'],
  ['an encoded name', '/api/messages/gen%65ral', 'GET'],
  ['an invalid room name', '/api/messages/General', 'GET'],
  ['another method', '/api/messages/general', 'DELETE'],
  ['another path', '/api/rooms', 'GET'],
])('%s goes to the fallback', async (_what, path, method) => {
  expect((await fetch(`${url}${path}`, { method })).status).toBe(599);
});

test('an invalidated page goes to the fallback again', async () => {
  cache.invalidate(['general']);
  expect((await fetch(`${url}/api/messages/general`)).status).toBe(599);
});
