import express, { type Express } from 'express';
import { rateLimit } from 'express-rate-limit';
import type { Config } from '../config/config';
import type { ChatStore } from '../db/chat-store';
import type { TokenService } from '../auth/tokens';
import type { Metrics } from '../metrics';
import type { Logger } from '../logger';
import type { Revocations } from '../auth/revocation-service';
import { accountRoutes, authRoutes } from './auth-routes';
import { chatRoutes } from './chat-routes';
import { errorHandler, notFound } from './errors';
import type { HistoryCache } from './history-cache';
import type { FanOut } from '../fanout/fan-out';
import { noStore } from './no-store';
import { staticHeaders } from './static-headers';
import { SECURITY_HEADERS } from './security-headers';

export interface HttpDeps {
  config: Config;
  store: ChatStore;
  tokens: TokenService;
  metrics: Metrics;
  logger: Logger;
  /** True once shutdown has begun. */
  isDraining: () => boolean;
  historyCache: HistoryCache;
  /** The fan-out's state: `/readyz` fails while it cannot deliver. */
  fanOut: Pick<FanOut, 'available' | 'kind'>;
  /** Server-side token revocation (log-out, log-out everywhere, account deletion). */
  revocations: Revocations;
}

/**
 * The Express application: security headers (a CSP that admits only the app's own scripts,
 * styles and WebSocket), JSON bodies capped at 16 KiB, rate-limited auth, the API, ops endpoints
 * and the static UI. Every error leaves as `{error}` JSON.
 */
export function createHttpApp({ config, store, tokens, metrics, logger, isDraining, historyCache, fanOut, revocations }: HttpDeps): Express {
  const app = express();
  // Case-sensitive routing, set before the first route: /METRICS or /API/AUTH/login must not reach the handlers
  // the edges guard under their exact spelling (nginx and the Ingress deny /metrics, rate-limit /api/auth/).
  app.set('case sensitive routing', true);
  app.disable('x-powered-by');
  app.set('trust proxy', config.trustProxy);
  app.set('etag', false);

  app.use((req, res, next) => {
    const end = metrics.httpSeconds.startTimer();
    res.on('finish', () => {
      const route = req.route?.path ? `${req.baseUrl}${req.route.path}` : res.statusCode === 404 ? 'unmatched' : req.baseUrl || 'static';
      end({ method: req.method, route, status: String(res.statusCode) });
      // The path as requested, never the query string (a token may travel there).
      logger.debug({ method: req.method, path: req.originalUrl.split('?', 1)[0], status: res.statusCode }, 'http');
    });
    next();
  });

  app.use(staticHeaders(SECURITY_HEADERS));

  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.get('/readyz', async (_req, res) => {
    if (isDraining()) return void res.status(503).json({ status: 'draining', error: 'server is shutting down' });
    if (!fanOut.available) return void res.status(503).json({ status: 'unavailable', error: `message fan-out (${fanOut.kind}) is unreachable` });
    if (!(await store.isWritable())) return void res.status(503).json({ status: 'unavailable', error: `database (${store.engine}) is not writable` });
    res.json({ status: 'ready', database: store.engine, fanout: fanOut.kind });
  });
  app.get('/metrics', async (_req, res) => {
    res.type(metrics.registry.contentType).send(await metrics.registry.metrics());
  });

  app.use(express.json({ limit: '16kb', strict: true }));
  // One limiter (per client address) for everything that checks a password or a session.
  const authLimit = rateLimit({
    windowMs: config.authRate.windowMs,
    limit: config.authRate.count,
    standardHeaders: 'draft-7',
    legacyHeaders: false,
    handler: (_req, res) => {
      res.status(429).json({ error: 'too many requests, try again later' });
    },
  });
  app.use('/api/auth', noStore, authLimit, authRoutes(store, tokens, revocations));
  app.use('/api/account', noStore, authLimit, accountRoutes(store, tokens, revocations));
  app.use('/api', chatRoutes(store, tokens, historyCache, { rate: config.roomCreateRate, perAccount: config.roomsPerAccount }));
  app.use('/api', notFound);

  app.use(express.static(config.publicDir, { index: 'index.html', maxAge: '1h' }));
  app.use(notFound);
  app.use(errorHandler(logger));
  return app;
}
