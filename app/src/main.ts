import { ConfigError, loadConfig, type Config } from './config/config';
import { createLogger } from './logger';
import { createShagramServer, type ShagramServer } from './server';

/** Hard limit for a graceful stop (DESIGN: exit within 10 s). */
const SHUTDOWN_LIMIT_MS = 9000;

async function start(): Promise<void> {
  let config: Config;
  try {
    config = loadConfig();
  } catch (error) {
    const message = error instanceof ConfigError ? error.message : (error as Error).message;
    process.stderr.write(`shagram: configuration error: ${message}\n`);
    process.exit(1);
  }

  const logger = createLogger(config.logLevel);
  let server: ShagramServer;
  try {
    server = await createShagramServer(config, logger);
  } catch (error) {
    // EngineError: one readable line, e.g. "cannot reach PostgreSQL at postgres://shagram@db:5432/shagram: ECONNREFUSED".
    process.stderr.write(`shagram: ${(error as Error).message}\n`);
    process.exit(1);
  }

  server.listen().then(
    (port) =>
      logger.info(
        { port, host: config.host, database: server.store.engine === 'sqlite' ? config.databasePath : 'postgres', fanout: server.fanOut.kind, production: config.production },
        'listening',
      ),
    (error: NodeJS.ErrnoException) => {
      process.stderr.write(`shagram: cannot listen on ${config.host}:${config.port}: ${error.code ?? error.message}\n`);
      process.exit(1);
    },
  );

  const stop = (signal: string) => {
    logger.info({ signal }, 'shutting down');
    const limit = setTimeout(() => {
      logger.error('graceful shutdown took too long; exiting');
      process.exit(1);
    }, SHUTDOWN_LIMIT_MS);
    limit.unref();
    server.close().then(
      () => {
        logger.info('stopped');
        process.exit(0);
      },
      (error) => {
        logger.error({ err: error }, 'error during shutdown');
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', () => stop('SIGTERM'));
  process.once('SIGINT', () => stop('SIGINT'));
  process.on('uncaughtException', (error) => {
    logger.fatal({ err: error }, 'uncaught exception');
    process.exit(1);
  });
}

void start();
