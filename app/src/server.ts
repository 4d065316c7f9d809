import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Config } from './config/config';
import type { ChatStore } from './db/chat-store';
import type { FanOut } from './fanout/fan-out';
import { createFanOut, EngineError, openStore } from './engines';
import { TokenService } from './auth/tokens';
import { Revocations } from './auth/revocation-service';
import { Metrics } from './metrics';
import { createLogger, type Logger } from './logger';
import { createHttpApp } from './http/app';
import { ChatGateway } from './ws/gateway';
import { HistoryCache } from './http/history-cache';
import { historyFastPath } from './http/history-fast-path';
import { SECURITY_HEADERS } from './http/security-headers';

/** A running (or ready to run) Shagram server. */

/**
 * The listening socket's accept queue. The kernel caps it at net.core.somaxconn of the process' network namespace:
 * 8192 in the app's container (chat/compose.yaml `sysctls`), the kernel's default 4096 elsewhere unless raised.
 */
export const LISTEN_BACKLOG = 8192;
export interface ShagramServer {
  readonly http: http.Server;
  readonly store: ChatStore;
  readonly fanOut: FanOut;
  readonly gateway: ChatGateway;
  readonly logger: Logger;
  /** Starts listening. @returns the bound port. */
  listen(): Promise<number>;
  /**
   * Graceful stop: /readyz turns 503 and upgrades are refused, queued messages are committed and
   * published, WebSockets close with 1001, the listener stops, then the fan-out and the database
   * are closed.
   */
  close(): Promise<void>;
}

/** Engines to use instead of the ones the configuration names (tests wrap the real ones). */
export interface EngineOverrides {
  store?: ChatStore;
  fanOut?: FanOut;
}

/**
 * Builds the server from a validated configuration: opens and migrates the database and starts
 * the fan-out (SQLite and in-process by default; PostgreSQL and Redis when configured).
 * @throws EngineError (one readable line) when an engine cannot be reached at start.
 */
export async function createShagramServer(
  config: Config,
  logger: Logger = createLogger(config.logLevel),
  overrides: EngineOverrides = {},
): Promise<ShagramServer> {
  const store = overrides.store ?? (await openStore(config));
  const fanOut = overrides.fanOut ?? (await createFanOut(config, logger));
  const revocations = new Revocations(
    store,
    { tokenTtlSeconds: config.jwtTtlSeconds, pollMs: config.revocationPollMs, maxTokens: config.revokedTokensMax },
    logger,
  );
  try {
    // Every unexpired revocation is in memory before the first request is answered.
    await revocations.start();
  } catch (error) {
    await store.close();
    throw new EngineError(`cannot read token revocations: ${(error as Error).message}`);
  }
  const tokens = new TokenService(config.jwtSecret, config.jwtTtlSeconds, revocations.list);
  const metrics = new Metrics();
  metrics.trackFanOut(fanOut);
  let draining = false;
  const isDraining = () => draining;

  const historyCache = new HistoryCache();
  const app = createHttpApp({ config, store, tokens, metrics, logger, isDraining, historyCache, fanOut, revocations });
  // The cached default history page is answered before Express (see history-fast-path.ts).
  const fastHistory = historyFastPath(historyCache, SECURITY_HEADERS, metrics, logger);
  const server = http.createServer((req, res) => {
    if (!fastHistory(req, res)) app(req, res);
  });
  // Bound slow or idle clients: no header trickling, no idle keep-alive sockets forever.
  server.headersTimeout = 15_000;
  server.requestTimeout = 30_000;
  server.keepAliveTimeout = 5_000;
  const gateway = new ChatGateway({
    config,
    store,
    fanOut,
    tokens,
    metrics,
    logger,
    isDraining,
    onDeliver: (messages) => historyCache.invalidate(new Set(messages.map((message) => message.room_id))),
    // Invalidations published while the fan-out was down were missed: start the cache afresh.
    onAvailability: () => historyCache.clear(),
    revocations,
  });
  try {
    await fanOut.start(gateway.sink);
  } catch (error) {
    await revocations.close();
    await store.close();
    throw new EngineError((error as Error).message);
  }
  gateway.attach(server);

  let closing: Promise<void> | undefined;

  return {
    http: server,
    store,
    fanOut,
    gateway,
    logger,
    listen: () =>
      new Promise((resolve, reject) => {
        server.once('error', reject);
        // A reconnect storm is thousands of handshakes at once: Node's default accept queue (511) would drop SYNs
        // and stall clients for seconds of TCP retransmission. The kernel caps it at net.core.somaxconn.
        server.listen({ port: config.port, host: config.host, backlog: LISTEN_BACKLOG }, () => {
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
        await fanOut.close();
        await revocations.close();
        await store.close();
      })()),
  };
}
