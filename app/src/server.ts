import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type Database from 'better-sqlite3';
import type { Config } from './config/config';
import { openDatabase } from './db/database';
import { Store } from './db/store';
import { TokenService } from './auth/tokens';
import { Metrics } from './metrics';
import { createLogger, type Logger } from './logger';
import { createHttpApp } from './http/app';
import { ChatGateway } from './ws/gateway';
import { HistoryCache } from './http/history-cache';

/** A running (or ready to run) Shagram server. */
export interface ShagramServer {
  readonly http: http.Server;
  readonly db: Database.Database;
  readonly store: Store;
  readonly gateway: ChatGateway;
  readonly logger: Logger;
  /** Starts listening. @returns the bound port. */
  listen(): Promise<number>;
  /**
   * Graceful stop: /readyz turns 503 and upgrades are refused, queued messages are committed and
   * broadcast, WebSockets close with 1001, the listener stops, then the database is closed.
   */
  close(): Promise<void>;
}

/** Builds the server from a validated configuration (opens and migrates the database). */
export function createShagramServer(config: Config, logger: Logger = createLogger(config.logLevel)): ShagramServer {
  const db = openDatabase(config.databasePath, config.migrationsDir);
  const store = new Store(db);
  const tokens = new TokenService(config.jwtSecret, config.jwtTtlSeconds);
  const metrics = new Metrics();
  let draining = false;
  const isDraining = () => draining;

  const historyCache = new HistoryCache();
  const app = createHttpApp({ config, store, tokens, metrics, logger, isDraining, historyCache });
  const server = http.createServer(app);
  // Bound slow or idle clients: no header trickling, no idle keep-alive sockets forever.
  server.headersTimeout = 15_000;
  server.requestTimeout = 30_000;
  server.keepAliveTimeout = 5_000;
  const gateway = new ChatGateway({
    config,
    store,
    tokens,
    metrics,
    logger,
    isDraining,
    onCommit: (batch) => historyCache.invalidate(new Set(batch.map((message) => message.room))),
  });
  gateway.attach(server);

  let closing: Promise<void> | undefined;

  return {
    http: server,
    db,
    store,
    gateway,
    logger,
    listen: () =>
      new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(config.port, config.host, () => {
          server.off('error', reject);
          resolve((server.address() as AddressInfo).port);
        });
      }),
    close: () =>
      (closing ??= (async () => {
        // Readiness fails first (load balancers and probes see 503 while sockets are closing and
        // new upgrades are refused), then the listener stops and idle keep-alive sockets go.
        draining = true;
        await gateway.close();
        const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
        server.closeIdleConnections();
        const forced = setTimeout(() => server.closeAllConnections(), 2000);
        await stopped;
        clearTimeout(forced);
        db.close();
      })()),
  };
}
