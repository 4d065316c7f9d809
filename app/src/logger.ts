import pino, { type Logger } from 'pino';

export type { Logger };

/**
 * JSON logs to stdout (or `destination`). Anything that could hold a credential is redacted by path, and
 * request logging never records query strings (WebSocket tokens travel there): it logs `req.path`, never `req.url`.
 */
export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  const options: pino.LoggerOptions = {
    level,
    base: { service: 'shagram' },
    redact: {
      paths: ['password', '*.password', 'token', '*.token', 'access_token', '*.access_token', 'authorization', '*.authorization', 'headers.authorization'],
      censor: '[redacted]',
    },
    timestamp: pino.stdTimeFunctions.isoTime,
  };
  return destination ? pino(options, destination) : pino(options);
}
