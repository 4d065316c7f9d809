/**
 * Guard for app/src/http/static-headers.ts, which runs helmet once against a recording stand-in of a response and
 * then replays the recorded headers on every request. The trick holds only while helmet's middleware sets and
 * removes headers synchronously and independently of the request. Each test compares real HTTP responses of
 * helmet's normal path with the replayed one, so an upgraded helmet that stops behaving so fails here loudly.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { once } from 'node:events';
import express, { type RequestHandler } from 'express';
import helmet from 'helmet';
import { recordHeaders, staticHeaders } from '../src/http/static-headers';
import { HELMET_OPTIONS, SECURITY_HEADERS } from '../src/http/security-headers';

/** Headers that differ between any two responses, whatever sets the others. */
const VOLATILE = new Set(['date', 'connection', 'keep-alive']);

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
}

interface Request {
  path: string;
  headers?: Record<string, string>;
}

/** Serves `middleware` in front of a few routes on loopback and answers one request per path. */
async function responses(middleware: RequestHandler, requests: Request[]): Promise<Answer[]> {
  const app = express(); // X-Powered-By left on, so helmet's removal of it is compared too
  app.use(middleware);
  app.get('/json', (_req, res) => {
    res.json({ ok: true });
  });
  app.get('/html', (_req, res) => {
    res.type('html').send('<!doctype html><title>x</title>');
  });
  app.get('/preset', (_req, res) => {
    res.setHeader('X-Frame-Options', 'SAMEORIGIN'); // a handler may still override what the middleware set
    res.send('text');
  });
  const server = app.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  try {
    const answers: Answer[] = [];
    for (const request of requests) {
      const req = http.get({ host: '127.0.0.1', port, path: request.path, headers: request.headers });
      const [res] = (await once(req, 'response')) as [http.IncomingMessage];
      res.resume();
      await once(res, 'end');
      const headers = Object.fromEntries(Object.entries(res.headers).filter(([name]) => !VOLATILE.has(name)));
      answers.push({ status: res.statusCode ?? 0, headers });
    }
    return answers;
  } finally {
    server.close();
    await once(server, 'close');
  }
}

const REQUESTS: Request[] = [
  { path: '/json' },
  { path: '/html', headers: { 'User-Agent': 'Mozilla/4.0 (compatible; MSIE 8.0; Windows NT 6.1)' } },
  { path: '/preset', headers: { 'X-Forwarded-Proto': 'https', Origin: 'https://elsewhere.example' } },
  { path: '/missing' },
];

describe('static-headers: recorded helmet headers against helmet itself', () => {
  test("the app's options: every response carries exactly the headers helmet itself would send", async () => {
    const live = await responses(helmet(HELMET_OPTIONS), REQUESTS);
    const replayed = await responses(staticHeaders(recordHeaders(helmet(HELMET_OPTIONS))), REQUESTS);
    expect(replayed).toEqual(live);
    // The comparison is not vacuous: helmet's headers are there, and it removed Express' X-Powered-By.
    expect(live[0]!.headers['content-security-policy']).toContain("default-src 'self'");
    expect(live[0]!.headers['content-security-policy']).toContain("frame-ancestors 'none'");
    expect(live[0]!.headers['x-content-type-options']).toBe('nosniff');
    expect(live[0]!.headers['x-powered-by']).toBeUndefined();
    expect(live[2]!.headers['x-frame-options']).toBe('SAMEORIGIN');
  });

  test("helmet's defaults too (HSTS, its default CSP): the replay matches", async () => {
    const live = await responses(helmet(), REQUESTS);
    const replayed = await responses(staticHeaders(recordHeaders(helmet())), REQUESTS);
    expect(replayed).toEqual(live);
    expect(live[0]!.headers['strict-transport-security']).toBeDefined();
  });

  test('the headers the server uses are the ones helmet gives for its options now', () => {
    expect(recordHeaders(helmet(HELMET_OPTIONS))).toEqual(SECURITY_HEADERS);
    expect(SECURITY_HEADERS.entries.length).toBeGreaterThan(5);
    expect(SECURITY_HEADERS.removals).toContain('x-powered-by');
  });

  test('recording refuses a middleware that does anything else, instead of recording less', () => {
    const asynchronous: RequestHandler = (_req, res, next) => {
      res.setHeader('X-A', '1');
      setImmediate(next);
    };
    expect(() => recordHeaders(asynchronous)).toThrow('did not finish synchronously');
    const readsTheRequest: RequestHandler = (req, res, next) => {
      res.setHeader('X-Host', String(req.get('host')));
      next();
    };
    expect(() => recordHeaders(readsTheRequest)).toThrow(TypeError);
    const usesAnotherMethod: RequestHandler = (_req, res, next) => {
      res.append('Vary', 'Origin');
      next();
    };
    expect(() => recordHeaders(usesAnotherMethod)).toThrow(TypeError);
  });
});
