import path from 'node:path';
import type { Config } from './config/config';
import type { ChatStore } from './db/chat-store';
import { openDatabase } from './db/sqlite-database';
import { SqliteStore } from './db/sqlite-store';
import type { FanOut } from './fanout/fan-out';
import { LocalFanOut } from './fanout/local-fan-out';
import type { RedisFanOutOptions } from './fanout/redis-fan-out';
import type { Logger } from './logger';

/** Thrown when a configured engine cannot be opened at start; the message is one readable line. */
export class EngineError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'EngineError';
  }
}

/**
 * Opens the storage engine the configuration names: PostgreSQL for `DATABASE_URL`, else the
 * SQLite file at `DATABASE_PATH` (the embedded default). Either way the schema is migrated.
 * @throws EngineError with one readable line (no password) when it cannot be opened.
 */
export async function openStore(config: Config): Promise<ChatStore> {
  if (config.databaseUrl) {
    const { openPostgresStore } = await import('./db/postgres-store');
    try {
      return await openPostgresStore(config.databaseUrl, path.join(config.migrationsDir, 'postgres'));
    } catch (error) {
      throw new EngineError((error as Error).message);
    }
  }
  try {
    return new SqliteStore(openDatabase(config.databasePath, config.migrationsDir));
  } catch (error) {
    throw new EngineError(`cannot open the database at ${config.databasePath}: ${(error as Error).message}`);
  }
}

/** The Redis fan-out's options: its URL, and its one-line warnings (outage, recovery, malformed payloads) logged. */
export function redisFanOutOptions(url: string, logger: Logger): RedisFanOutOptions {
  return { url, onWarning: (message) => logger.warn({ fanout: 'redis' }, message) };
}

/** The fan-out the configuration names: Redis pub/sub for `REDIS_URL` (warnings to `logger`), else in-process. */
export async function createFanOut(config: Config, logger: Logger): Promise<FanOut> {
  if (!config.redisUrl) return new LocalFanOut();
  const { RedisFanOut } = await import('./fanout/redis-fan-out');
  return new RedisFanOut(redisFanOutOptions(config.redisUrl, logger));
}
