import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from '../logger';
import type { Metrics } from '../metrics';
import type { HistoryCache } from './history-cache';
import type { RecordedHeaders } from './static-headers';

/** `GET /api/messages/<room>` with no query string: the default page, the one the cache holds. */
const DEFAULT_PAGE_PATH = /^\/api\/messages\/([a-z0-9][a-z0-9_-]{0,31})$/;
const ROUTE = '/api/messages/:room';

/**
 * The hottest read, answered before Express: when a room's default history page is cached, it is
 * written straight from `node:http` with the same headers Express would send (the security
 * headers, `Content-Type`, `Content-Length`) and the same metric and log line. Anything else —
 * another path, a query string, a cache miss — returns false and goes through Express, which
 * fills the cache. Saves the middleware and routing walk on a request that needs none of it.
 * @returns a request handler that returns true when it answered.
 */
export function historyFastPath(
  cache: HistoryCache,
  headers: RecordedHeaders,
  metrics: Metrics,
  logger: Logger,
): (req: IncomingMessage, res: ServerResponse) => boolean {
  const fixed: Array<[string, string | string[]]> = [...headers.entries, ['Content-Type', 'application/json; charset=utf-8']];
  const debug = logger.isLevelEnabled('debug');
  return (req, res) => {
    if (req.method !== 'GET' || req.url === undefined) return false;
    const match = DEFAULT_PAGE_PATH.exec(req.url);
    if (!match) return false;
    const body = cache.get(match[1]!);
    if (!body) return false;
    const end = metrics.httpSeconds.startTimer();
    for (const [name, value] of fixed) res.setHeader(name, value);
    res.setHeader('Content-Length', body.length);
    res.statusCode = 200;
    res.end(body);
    end({ method: 'GET', route: ROUTE, status: '200' });
    if (debug) logger.debug({ method: 'GET', path: req.url, status: 200 }, 'http');
    return true;
  };
}
