/**
 * The Redis fan-out's connections: how each ioredis client is configured (fail fast, never queue or re-send, no
 * automatic resubscription), and how a connection is ended without leaving a reconnect loop or timer behind.
 */
import { Redis, type RedisOptions } from 'ioredis';
import type { RedisTarget } from './redis-url';

/** Which of the fan-out's two connections: the publisher (commands) or the subscriber (channels). */
export type ConnectionRole = 'pub' | 'sub';

/** Timing of a connection. */
export interface ConnectionTimeouts {
  connectTimeoutMs: number;
  commandTimeoutMs: number;
}

type ExecResult = [error: Error | null, result: unknown][] | null;

/** The first error of a MULTI/EXEC reply, if any. */
export function execError(results: ExecResult): Error | undefined {
  if (!results) return new Error('transaction aborted');
  for (const [error] of results) if (error) return error;
  return undefined;
}

export function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * A client for `target`, not yet connected (`lazyConnect`). `retryStrategy` decides reconnects: a delay in ms, or
 * null for none.
 */
export function createRedisClient(
  target: RedisTarget,
  role: ConnectionRole,
  replicaId: string,
  timeouts: ConnectionTimeouts,
  retryStrategy: (attempt: number) => number | null,
): Redis {
  const { host, port, username, password, db, tls } = target;
  const options: RedisOptions = {
    host,
    port,
    username,
    password,
    db,
    tls: tls ? {} : undefined,
    lazyConnect: true,
    // Never queue while disconnected: publish must fail fast so the sender can be told.
    enableOfflineQueue: false,
    // A PUBLISH whose reply was lost is not re-sent (it may have been delivered already).
    autoResendUnfulfilledCommands: false,
    maxRetriesPerRequest: 0,
    // Subscriptions are renewed by hand so that availability is reported only once they are.
    autoResubscribe: false,
    connectTimeout: timeouts.connectTimeoutMs,
    // ioredis arms this timer when ending a socket, even one that already closed
    // during a reconnect loop: keep it short so a closing process is not held for 2 s.
    disconnectTimeout: 250,
    commandTimeout: timeouts.commandTimeoutMs,
    connectionName: `shagram-${role}-${replicaId}`.replace(/:/g, '_'),
    disableClientInfo: true,
    retryStrategy,
  };
  return new Redis(options);
}

/** Quits a connection politely when it is up (waiting for its end), and always ends it (no reconnect timer survives). */
export async function quit(client: Redis | undefined): Promise<void> {
  if (!client) return;
  if (client.status === 'ready') {
    let timer: NodeJS.Timeout | undefined;
    const ended = new Promise<void>((resolve) => {
      client.once('end', () => resolve());
      timer = setTimeout(resolve, 1000);
    });
    try {
      await client.quit();
      await ended;
    } catch {
      // Already gone.
    } finally {
      clearTimeout(timer);
    }
  }
  endQuietly(client);
}

/**
 * Ends a connection and its reconnect loop. A connection already ended is left alone: calling
 * `disconnect()` again would arm ioredis' 2 s "destroy the stream" timer on a closed stream.
 */
export function endQuietly(client: Redis): void {
  if (client.status !== 'end') client.disconnect();
}
