import path from 'node:path';
import type { Config } from './config/config';
import type { ChatStore } from './db/chat-store';
import { openDatabase } from './db/database';
import { SqliteStore } from './db/sqlite-store';
import type { FanOut } from './fanout/fan-out';
import { LocalFanOut } from './fanout/local-fan-out';

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

/** The fan-out the configuration names: Redis pub/sub for `REDIS_URL`, else in-process. */
export async function createFanOut(config: Config): Promise<FanOut> {
  if (!config.redisUrl) return new LocalFanOut();
  const { RedisFanOut } = await import('./fanout/redis-fan-out');
  return new RedisFanOut({ url: config.redisUrl });
}
